#include "data/layout.hpp"

#include <algorithm>

#include "io/error.hpp"

namespace cpnas {
namespace {

Skeleton in_motion_2022() {
  Skeleton s;
  s.name = "in-motion-2022";
  s.joints = {"head_top",
              "nose",
              "right_ear",
              "left_ear",
              "upper_neck",
              "right_shoulder",
              "right_elbow",
              "right_wrist",
              "thorax",
              "left_shoulder",
              "left_elbow",
              "left_wrist",
              "pelvis",
              "right_hip",
              "right_knee",
              "right_ankle",
              "left_hip",
              "left_knee",
              "left_ankle",
              "right_thumb",
              "right_little_finger",
              "left_thumb",
              "left_little_finger",
              "right_heel",
              "right_big_toe",
              "right_little_toe",
              "left_heel",
              "left_big_toe",
              "left_little_toe"};
  s.edges = {{0, 1},   {2, 1},   {3, 1},   {1, 4},   {9, 8},   {10, 9},  {11, 10},
             {5, 8},   {6, 5},   {7, 6},   {4, 8},   {12, 8},  {16, 12}, {17, 16},
             {18, 17}, {13, 12}, {14, 13}, {15, 14}, {19, 7},  {20, 7},  {21, 11},
             {22, 11}, {23, 15}, {24, 15}, {25, 15}, {26, 18}, {27, 18}, {28, 18}};
  s.centre = 8;
  s.pelvis = {12};
  s.parents = {1,  4,  1,  1,  8, 8, 5,  6,  8,  8,  9,  10, 8,  12, 13,
               14, 12, 16, 17, 7, 7, 11, 11, 15, 15, 15, 18, 18, 18};
  s.parts = {{9, 10, 11, 21, 22},
             {5, 6, 7, 19, 20},
             {16, 17, 18, 26, 27, 28},
             {13, 14, 15, 23, 24, 25},
             {0, 1, 2, 3, 4, 8, 12}};
  s.trunk = {{8}, {12}};
  return s;
}

// The first 19 joints of in-motion-2022 (no hand and foot points).
Skeleton in_motion() {
  Skeleton s = in_motion_2022();
  constexpr int kJoints = 19;
  s.name = "in-motion";
  s.joints.resize(kJoints);
  s.parents.resize(kJoints);
  s.edges.erase(std::remove_if(s.edges.begin(), s.edges.end(),
                               [](auto e) { return e.first >= kJoints || e.second >= kJoints; }),
                s.edges.end());
  for (auto& part : s.parts) {
    part.erase(std::remove_if(part.begin(), part.end(), [](int j) { return j >= kJoints; }),
               part.end());
  }
  return s;
}

// OpenPose COCO order; the pelvis is the middle of the hips.
Skeleton coco_18() {
  Skeleton s;
  s.name = "coco-18";
  s.joints = {"Nose",   "Neck",   "RShoulder", "RElbow", "RWrist", "LShoulder",
              "LElbow", "LWrist", "RHip",      "RKnee",  "RAnkle", "LHip",
              "LKnee",  "LAnkle", "REye",      "LEye",   "REar",   "LEar"};
  s.edges = {{4, 3}, {3, 2}, {7, 6}, {6, 5}, {13, 12}, {12, 11}, {10, 9},  {9, 8},  {11, 1},
             {8, 1}, {5, 1}, {2, 1}, {0, 1}, {15, 0},  {14, 0},  {17, 15}, {16, 14}};
  s.centre = 1;
  s.pelvis = {8, 11};
  s.parents = {1, 1, 1, 2, 3, 1, 5, 6, 1, 8, 9, 1, 11, 12, 0, 0, 14, 15};
  s.parts = {{5, 6, 7}, {2, 3, 4}, {11, 12, 13}, {8, 9, 10}, {0, 1, 14, 15, 16, 17}};
  s.trunk = {{1}, {8, 11}};
  return s;
}

const std::vector<Skeleton>& layouts() {
  static const std::vector<Skeleton> all{in_motion_2022(), in_motion(), coco_18()};
  return all;
}

}  // namespace

std::vector<std::string> part_names(const Skeleton& layout) {
  // The built-in layouts list their parts in this order; a plugin's layout may not.
  static const std::vector<std::string> built_in{"left arm", "right arm", "left leg", "right leg",
                                                 "head and trunk"};
  const auto& names = layout_names();
  if (std::find(names.begin(), names.end(), layout.name) != names.end() &&
      layout.parts.size() == built_in.size()) {
    return built_in;
  }
  std::vector<std::string> out;
  for (size_t p = 0; p < layout.parts.size(); ++p) out.push_back("part " + std::to_string(p + 1));
  return out;
}

std::vector<std::string> layout_names() {
  std::vector<std::string> names;
  for (const auto& s : layouts()) names.push_back(s.name);
  return names;
}

const Skeleton& find_layout(const std::string& name) {
  for (const auto& s : layouts()) {
    if (s.name == name) return s;
  }
  std::string known;
  for (const auto& n : layout_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown layout '" + name + "' (layouts: " + known + ")");
}

}  // namespace cpnas
