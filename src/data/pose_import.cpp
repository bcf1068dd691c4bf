#include "data/pose_import.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/coco17_json_import.hpp"
#include "data/csv.hpp"
#include "data/preprocess.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace fs = std::filesystem;
namespace {

// BODY_25 index of each coco-18 joint (BODY_25 adds MidHip at 8 and feet at 19-24).
constexpr int kBody25ToCoco[18] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};

std::string joint_list(const Skeleton& layout) {
  std::string s;
  for (const auto& j : layout.joints) s += (s.empty() ? "" : ", ") + j;
  return s;
}

}  // namespace

RawRecording read_pose_csv(const std::string& path, const Skeleton& layout, double min_confidence) {
  std::ifstream in(path);
  if (!in) throw Error("'" + path + "': cannot open");
  std::string line;
  if (!std::getline(in, line)) throw Error("'" + path + "': empty file");
  const auto header = split_csv_line(line);
  if (header.empty() || header[0] != "frame") {
    throw Error("'" + path + ":1': the first column must be 'frame'");
  }
  const int64_t v = layout.num_joints();
  // Column of x, y and confidence (or -1) for each joint.
  std::vector<std::array<int, 3>> columns(v, {-1, -1, -1});
  std::map<std::string, int> index;
  for (int j = 0; j < v; ++j) index[layout.joints[j]] = j;
  for (size_t col = 1; col < header.size(); ++col) {
    const auto& name = header[col];
    const auto us = name.rfind('_');
    const std::string joint = us == std::string::npos ? name : name.substr(0, us);
    const std::string part = us == std::string::npos ? "" : name.substr(us + 1);
    const auto it = index.find(joint);
    if (it == index.end() || (part != "x" && part != "y" && part != "c")) {
      throw Error("'" + path + ":1': unknown column '" + name +
                  "' (expected <joint>_x, _y or _c "
                  "with the joints of layout " +
                  layout.name + ": " + joint_list(layout) + ")");
    }
    columns[it->second][part == "x" ? 0 : part == "y" ? 1 : 2] = static_cast<int>(col);
  }
  int64_t present = 0;
  for (const auto& c : columns) present += c[0] >= 0 && c[1] >= 0;
  if (present != v) {
    throw Error("'" + path + ":1': has " + std::to_string(present) + " joints with _x and _y, " +
                "layout " + layout.name + " has " + std::to_string(v));
  }
  std::vector<std::vector<float>> rows;
  int64_t first = -1, last = -1;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (blank_line(line)) continue;
    const std::string where = "'" + path + ":" + std::to_string(number) + "'";
    const auto cells = split_csv_line(line);
    if (cells.size() != header.size()) {
      throw Error(where + ": " + std::to_string(cells.size()) + " cells, the header has " +
                  std::to_string(header.size()));
    }
    const float frame_value = parse_cell(cells[0], where);
    if (std::isnan(frame_value) || frame_value < 0 || frame_value != std::floor(frame_value)) {
      throw Error(where + ": frame '" + cells[0] + "' is not a frame number");
    }
    const auto frame = static_cast<int64_t>(frame_value);
    if (last >= 0 && frame <= last) {
      throw Error(where + ": frame " + std::to_string(frame) + " after frame " +
                  std::to_string(last) + " (frame numbers must increase)");
    }
    if (first < 0) first = frame;
    if (frame - first >= kMaxFrames) {
      throw Error(where + ": frame " + std::to_string(frame) + " is " +
                  std::to_string(frame - first) + " frames after the first, more than " +
                  std::to_string(kMaxFrames) + " (a recording of days?)");
    }
    rows.resize(frame - first + 1, std::vector<float>(v * 2, NAN));
    auto& xy = rows.back();
    for (int64_t j = 0; j < v; ++j) {
      const float x = parse_cell(cells[columns[j][0]], where);
      const float y = parse_cell(cells[columns[j][1]], where);
      const float c = columns[j][2] >= 0 ? parse_cell(cells[columns[j][2]], where) : 1.0f;
      if (!(c >= min_confidence)) continue;
      xy[j * 2] = x;
      xy[j * 2 + 1] = y;
    }
    last = frame;
  }
  if (rows.empty()) throw Error("'" + path + "': no frames");
  RawRecording r;
  r.frames = static_cast<int64_t>(rows.size());
  for (const auto& row : rows) r.xy.insert(r.xy.end(), row.begin(), row.end());
  return r;
}

RawRecording read_openpose_folder(const std::string& path, const Skeleton& layout,
                                  double min_confidence) {
  if (layout.name != "coco-18") {
    throw Error("'" + path + "': OpenPose keypoints import into layout coco-18, not " +
                layout.name);
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("'" + path + "': no .json files");
  RawRecording r;
  r.frames = static_cast<int64_t>(files.size());
  r.xy.assign(r.frames * 18 * 2, NAN);
  for (size_t f = 0; f < files.size(); ++f) {
    nlohmann::json doc;
    try {
      std::ifstream in(files[f]);
      doc = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
      throw Error("'" + files[f].string() + "': not valid JSON (" + e.what() + ")");
    }
    if (!doc.contains("people") || !doc["people"].is_array()) {
      throw Error("'" + files[f].string() + "': no 'people' array");
    }
    if (doc["people"].empty()) continue;  // nobody detected: a missing frame
    if (!doc["people"][0].is_object()) {
      throw Error("'" + files[f].string() + "': people[0] is not an object");
    }
    const auto& k = doc["people"][0]["pose_keypoints_2d"];
    if (!k.is_array() || (k.size() != 18 * 3 && k.size() != 25 * 3)) {
      throw Error("'" + files[f].string() + "': pose_keypoints_2d has " +
                  std::to_string(k.is_array() ? k.size() : 0) +
                  " values, expected 54 (COCO-18) or 75 (BODY_25)");
    }
    const bool body25 = k.size() == 25 * 3;
    for (const auto& value : k) {
      if (!value.is_number()) {
        throw Error("'" + files[f].string() + "': pose_keypoints_2d holds " + value.dump() +
                    ", not a number");
      }
    }
    for (int j = 0; j < 18; ++j) {
      const int s = body25 ? kBody25ToCoco[j] : j;
      const double c = k[s * 3 + 2].get<double>();
      if (c < min_confidence || c <= 0) continue;  // OpenPose writes 0,0,0 for undetected
      r.xy[(f * 18 + j) * 2] = k[s * 3].get<float>();
      r.xy[(f * 18 + j) * 2 + 1] = k[s * 3 + 1].get<float>();
    }
  }
  return r;
}

RawRecording read_pose(const std::string& path, const Skeleton& layout,
                       const PoseReadOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return read_openpose_folder(path, layout, options.min_confidence);
  if (fs::path(path).extension() == ".json") {
    return read_coco17_json(path, layout, options.min_confidence);
  }
  if (is_deeplabcut_csv(path)) {
    return read_deeplabcut_csv(path, layout, options.joint_map, options.min_confidence);
  }
  return read_pose_csv(path, layout, options.min_confidence);
}

}  // namespace cpnas
