#include "data/coco17_json_import.hpp"

#include <array>
#include <cmath>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "data/preprocess.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

using nlohmann::json;

constexpr int kCoco17 = 17;
// COCO-17 index of each coco-18 joint; the neck (-1) is the shoulders' midpoint.
constexpr int kCoco17ToCoco18[18] = {0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3};
constexpr int kLeftShoulder = 5, kRightShoulder = 6;

// One person in one frame: x, y and score per COCO-17 keypoint.
struct Person {
  std::array<float, kCoco17 * 3> keypoints{};
  double score = 0;
};

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw Error("'" + path + "': " + problem);
}

float number_at(const json& value, const std::string& path, const std::string& what) {
  if (!value.is_number()) fail(path, what + " holds " + value.dump() + ", not a number");
  return value.get<float>();
}

Person mmpose_person(const json& instance, const std::string& path, const std::string& where) {
  const auto& k = instance.contains("keypoints") ? instance["keypoints"] : json();
  const auto& s = instance.contains("keypoint_scores") ? instance["keypoint_scores"] : json();
  if (!k.is_array() || k.size() != kCoco17 || !s.is_array() || s.size() != kCoco17) {
    fail(path, where + ": expected 'keypoints' [[x, y] x 17] and 'keypoint_scores' [17] (COCO-17)");
  }
  Person p;
  for (int j = 0; j < kCoco17; ++j) {
    if (!k[j].is_array() || k[j].size() < 2)
      fail(path, where + ": keypoint " + std::to_string(j) + " is not [x, y]");
    p.keypoints[j * 3] = number_at(k[j][0], path, where);
    p.keypoints[j * 3 + 1] = number_at(k[j][1], path, where);
    p.keypoints[j * 3 + 2] = number_at(s[j], path, where);
  }
  p.score = instance.contains("bbox_score") && instance["bbox_score"].is_number()
                ? instance["bbox_score"].get<double>()
                : 0.0;
  return p;
}

Person alphapose_person(const json& entry, const std::string& path, const std::string& where) {
  const auto& k = entry["keypoints"];
  if (!k.is_array() || k.size() != kCoco17 * 3) {
    fail(path, where + ": 'keypoints' has " + std::to_string(k.is_array() ? k.size() : 0) +
                   " values, expected 51 (COCO-17 x, y, score)");
  }
  Person p;
  for (int i = 0; i < kCoco17 * 3; ++i) p.keypoints[i] = number_at(k[i], path, where);
  p.score =
      entry.contains("score") && entry["score"].is_number() ? entry["score"].get<double>() : 0.0;
  return p;
}

int64_t frame_of_image_id(const json& id, const std::string& path, const std::string& where) {
  if (id.is_number_integer()) return id.get<int64_t>();
  const std::string text = id.is_string() ? id.get<std::string>() : "";
  const auto stem = text.substr(0, text.find('.'));
  const auto digits = stem.find_last_not_of("0123456789");
  const std::string number = digits == std::string::npos ? stem : stem.substr(digits + 1);
  if (number.empty() || number.size() > 9) {
    fail(path, where + ": image_id " + id.dump() + " holds no frame number");
  }
  return std::stoll(number);
}

// Keeps the better of two people for a frame: the first stays unless a later one scores higher.
void keep_best(std::map<int64_t, Person>& frames, int64_t frame, const Person& p) {
  const auto it = frames.find(frame);
  if (it == frames.end() || p.score > it->second.score) frames[frame] = p;
}

std::map<int64_t, Person> read_people(const json& doc, const std::string& path) {
  std::map<int64_t, Person> frames;
  const json* list = &doc;
  if (doc.is_object()) {
    if (!doc.contains("instance_info"))
      fail(path, "a JSON object without 'instance_info' (MMPose)");
    list = &doc["instance_info"];
  }
  if (!list->is_array() || list->empty())
    fail(path, "no frames (expected MMPose or AlphaPose JSON)");
  int64_t index = 0;
  for (const auto& entry : *list) {
    const std::string where = "entry " + std::to_string(index++);
    if (!entry.is_object()) fail(path, where + " is not an object");
    if (entry.contains("instances")) {
      if (!entry.contains("frame_id") || !entry["frame_id"].is_number_integer()) {
        fail(path, where + ": no integer 'frame_id'");
      }
      const auto frame = entry["frame_id"].get<int64_t>();
      if (!entry["instances"].is_array()) fail(path, where + ": 'instances' is not a list");
      for (const auto& instance : entry["instances"]) {
        keep_best(frames, frame, mmpose_person(instance, path, where));
      }
    } else if (entry.contains("image_id") && entry.contains("keypoints")) {
      keep_best(frames, frame_of_image_id(entry["image_id"], path, where),
                alphapose_person(entry, path, where));
    } else {
      fail(path, where +
                     ": neither MMPose ('frame_id', 'instances') nor AlphaPose ('image_id', "
                     "'keypoints')");
    }
  }
  return frames;
}

}  // namespace

RawRecording read_coco17_json(const std::string& path, const Skeleton& layout,
                              double min_confidence) {
  if (layout.name != "coco-18") {
    fail(path, "COCO-17 keypoints import into layout coco-18, not " + layout.name);
  }
  json doc;
  try {
    std::ifstream in(path);
    if (!in) fail(path, "cannot open");
    doc = json::parse(in);
  } catch (const json::exception& e) {
    fail(path, std::string("not valid JSON (") + e.what() + ")");
  }
  const auto people = read_people(doc, path);
  const int64_t first = people.begin()->first, last = people.rbegin()->first;
  if (first < 0 || last - first >= kMaxFrames) {
    fail(path, "frame numbers " + std::to_string(first) + " to " + std::to_string(last) +
                   " are not a recording's");
  }
  RawRecording r;
  r.frames = last - first + 1;
  r.xy.assign(r.frames * 18 * 2, NAN);
  for (const auto& [frame, person] : people) {
    float* xy = r.xy.data() + (frame - first) * 18 * 2;
    const auto& k = person.keypoints;
    const auto seen = [&](int j) { return k[j * 3 + 2] >= min_confidence && k[j * 3 + 2] > 0; };
    for (int j = 0; j < 18; ++j) {
      const int s = kCoco17ToCoco18[j];
      if (s >= 0 && seen(s)) {
        xy[j * 2] = k[s * 3];
        xy[j * 2 + 1] = k[s * 3 + 1];
      }
    }
    if (seen(kLeftShoulder) && seen(kRightShoulder)) {
      xy[2] = (k[kLeftShoulder * 3] + k[kRightShoulder * 3]) / 2;
      xy[3] = (k[kLeftShoulder * 3 + 1] + k[kRightShoulder * 3 + 1]) / 2;
    }
  }
  return r;
}

}  // namespace cpnas
