#pragma once
/// @file skeleton.hpp
/// A skeleton layout as plugins see it: joints, graph, and the reference joints that features
/// and attention layers need. The core's layouts (in-motion-2022, in-motion, coco-18) are
/// instances of this struct.

#include <string>
#include <utility>
#include <vector>

namespace cpnas {

struct Skeleton {
  std::string name;                        ///< layout name, e.g. "in-motion-2022"
  std::vector<std::string> joints;         ///< joint names, index = joint id
  std::vector<std::pair<int, int>> edges;  ///< undirected bones (child, parent)
  int centre = 0;                          ///< reference joint for relative positions
  std::vector<int> pelvis;                 ///< joints whose mean is the pelvis (one or two)
  std::vector<int> parents;                ///< parent joint of each joint, for bone vectors
  std::vector<std::vector<int>> parts;     ///< body parts (disjoint joint sets)
  std::pair<std::vector<int>, std::vector<int>>
      trunk;  ///< trunk length = |mean(first) - mean(second)|

  /// Number of joints (V).
  int num_joints() const { return static_cast<int>(joints.size()); }
};

}  // namespace cpnas
