#include "data/deeplabcut_import.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <vector>

#include "data/csv.hpp"
#include "data/preprocess.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

std::string line_where(const std::string& path, int line) {
  return "'" + path + ":" + std::to_string(line) + "'";
}

}  // namespace

JointMap read_joint_map(const std::string& path, const Skeleton& layout) {
  std::ifstream in(path);
  if (!in) throw Error("'" + path + "': cannot open");
  std::string line;
  if (!std::getline(in, line) ||
      split_csv_line(line) != std::vector<std::string>{"bodypart", "joint"}) {
    throw Error(line_where(path, 1) + ": the header must be 'bodypart,joint'");
  }
  JointMap map;
  std::map<std::string, std::string> part_of_joint;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (blank_line(line)) continue;
    const auto cells = split_csv_line(line);
    if (cells.size() != 2 || cells[0].empty() || cells[1].empty()) {
      throw Error(line_where(path, number) + ": expected 'bodypart,joint'");
    }
    const auto& joints = layout.joints;
    if (std::find(joints.begin(), joints.end(), cells[1]) == joints.end()) {
      throw Error(line_where(path, number) + ": '" + cells[1] + "' is not a joint of layout " +
                  layout.name);
    }
    if (map.count(cells[0]) || part_of_joint.count(cells[1])) {
      throw Error(line_where(path, number) + ": body part '" + cells[0] + "' or joint '" +
                  cells[1] + "' is named twice");
    }
    map[cells[0]] = cells[1];
    part_of_joint[cells[1]] = cells[0];
  }
  std::string unnamed;
  for (const auto& joint : layout.joints) {
    if (!part_of_joint.count(joint)) unnamed += (unnamed.empty() ? "" : ", ") + joint;
  }
  if (!unnamed.empty()) {
    throw Error("'" + path + "': names no body part for joints of layout " + layout.name + ": " +
                unnamed);
  }
  return map;
}

bool is_deeplabcut_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  return std::getline(in, line) && line.rfind("scorer,", 0) == 0;
}

RawRecording read_deeplabcut_csv(const std::string& path, const Skeleton& layout,
                                 const JointMap& map, double min_confidence) {
  if (map.empty()) {
    throw Error("'" + path +
                "': a DeepLabCut file needs --joint-map (a CSV 'bodypart,joint' naming the "
                "layout joint of each body part)");
  }
  std::ifstream in(path);
  if (!in) throw Error("'" + path + "': cannot open");
  // The header rows, by their first cell.
  std::map<std::string, std::vector<std::string>> rows;
  std::string line;
  int number = 0;
  for (const char* expected : {"scorer", "individuals", "bodyparts", "coords"}) {
    if (std::string(expected) == "individuals" && rows.count("scorer") &&
        in.peek() != 'i') {  // the single-animal form has no individuals row
      continue;
    }
    ++number;
    if (!std::getline(in, line))
      throw Error(line_where(path, number) + ": missing header row '" + expected + "'");
    auto cells = split_csv_line(line);
    if (cells.empty() || cells[0] != expected) {
      throw Error(line_where(path, number) + ": expected the header row '" + expected +
                  "' (DeepLabCut's scorer, [individuals,] bodyparts, coords rows), found '" +
                  (cells.empty() ? "" : cells[0]) + "'");
    }
    rows[expected] = std::move(cells);
  }
  const auto& parts = rows["bodyparts"];
  const auto& coords = rows["coords"];
  const auto individuals =
      rows.count("individuals") ? rows["individuals"] : std::vector<std::string>();
  if (parts.size() != rows["scorer"].size() || coords.size() != parts.size() ||
      (!individuals.empty() && individuals.size() != parts.size())) {
    throw Error("'" + path + "': the header rows have different numbers of cells");
  }
  const std::string first_individual = individuals.size() > 1 ? individuals[1] : "";
  // Column of x, y and likelihood for each layout joint.
  std::vector<std::array<int, 3>> columns(layout.num_joints(), {-1, -1, -1});
  for (size_t col = 1; col < parts.size(); ++col) {
    if (!individuals.empty() && individuals[col] != first_individual) continue;
    const auto it = map.find(parts[col]);
    if (it == map.end()) continue;
    const auto j =
        std::find(layout.joints.begin(), layout.joints.end(), it->second) - layout.joints.begin();
    const int k = coords[col] == "x"            ? 0
                  : coords[col] == "y"          ? 1
                  : coords[col] == "likelihood" ? 2
                                                : -1;
    if (k < 0) {
      throw Error(line_where(path, number) + ": coords '" + coords[col] +
                  "' (expected x, y or likelihood)");
    }
    columns[j][k] = static_cast<int>(col);
  }
  for (const auto& [part, joint] : map) {
    const auto j =
        std::find(layout.joints.begin(), layout.joints.end(), joint) - layout.joints.begin();
    if (columns[j][0] < 0 || columns[j][1] < 0) {
      throw Error("'" + path + "': no x and y columns for body part '" + part + "'" +
                  (first_individual.empty() ? "" : " of individual '" + first_individual + "'") +
                  " that the joint map names");
    }
  }
  RawRecording r;
  const auto v = layout.num_joints();
  while (std::getline(in, line)) {
    ++number;
    if (blank_line(line)) continue;
    const std::string where = line_where(path, number);
    const auto cells = split_csv_line(line);
    if (cells.size() != parts.size()) {
      throw Error(where + ": " + std::to_string(cells.size()) + " cells, the header has " +
                  std::to_string(parts.size()));
    }
    if (r.frames >= kMaxFrames)
      throw Error(where + ": more than " + std::to_string(kMaxFrames) + " frames");
    r.xy.resize((r.frames + 1) * v * 2, NAN);
    float* xy = r.xy.data() + r.frames * v * 2;
    for (int j = 0; j < v; ++j) {
      const float likelihood = columns[j][2] >= 0 ? parse_cell(cells[columns[j][2]], where) : 1.0f;
      const float x = parse_cell(cells[columns[j][0]], where);
      const float y = parse_cell(cells[columns[j][1]], where);
      if (!(likelihood >= min_confidence)) continue;
      xy[j * 2] = x;
      xy[j * 2 + 1] = y;
    }
    ++r.frames;
  }
  if (r.frames == 0) throw Error("'" + path + "': no frames after the header rows");
  return r;
}

}  // namespace cpnas
