#pragma once
// Pose files as the tools write them, for the import tests, and where the NumPy fixtures are.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "data/layout.hpp"

/// An empty directory for one import test: TempDir()/import_<name>, emptied first.
inline std::string fresh_import_dir(const std::string& name) {
  const std::string d = testing::TempDir() + "import_" + name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

/// tests/fixtures/npy/, written by NumPy (tests/fixtures/make_npy.py).
inline const std::string kNpy = std::string(CPNAS_SOURCE_DIR) + "/tests/fixtures/npy/";

/// A DeepLabCut CSV for the in-motion layout with body parts "bp_<joint>" plus an untracked
/// "tail"; individual k's joint j in frame t at value(t, j, 0 or 1) + 1000 k, likelihood 0 where
/// that is NaN, else 0.9 except joint 3 in frame 2 (0.05).
using Coordinate = std::function<float(int t, int j, int c)>;

inline void write_deeplabcut(const std::string& path, int frames, int individuals, bool coords_row,
                             const Coordinate& value) {
  const cpnas::Skeleton& s = cpnas::find_layout("in-motion");
  std::vector<std::string> parts;
  for (const auto& j : s.joints) parts.push_back("bp_" + j);
  parts.push_back("tail");
  std::ofstream out(path);
  const auto row = [&](const std::string& first,
                       const std::function<std::string(int, size_t, int)>& cell) {
    out << first;
    for (int k = 0; k < individuals; ++k) {
      for (size_t p = 0; p < parts.size(); ++p) {
        for (int c = 0; c < 3; ++c) out << "," << cell(k, p, c);
      }
    }
    out << "\n";
  };
  row("scorer",
      [](int, size_t, int) { return std::string("DLC_resnet50_infantsNov1shuffle1_200000"); });
  if (individuals > 1)
    row("individuals", [](int k, size_t, int) { return "infant" + std::to_string(k + 1); });
  row("bodyparts", [&](int, size_t p, int) { return parts[p]; });
  if (coords_row) {
    row("coords", [](int, size_t, int c) {
      return std::string(c == 0 ? "x" : c == 1 ? "y" : "likelihood");
    });
  }
  for (int t = 0; t < frames; ++t) {
    row(std::to_string(t), [&](int k, size_t p, int c) {
      const int j =
          std::min(static_cast<int>(p), s.num_joints() - 1);  // the tail follows the last joint
      const float x = value(t, j, 0);
      if (c < 2)
        return std::isnan(x) ? std::string("")
                             : std::to_string(value(t, j, c) + (c == 0 ? 1000 * k : 0));
      return std::string(std::isnan(x) ? "0.0" : j == 3 && t == 2 ? "0.05" : "0.9");
    });
  }
}

inline void write_deeplabcut(const std::string& path, int frames, int individuals,
                             bool coords_row = true) {
  write_deeplabcut(path, frames, individuals, coords_row, [](int t, int j, int c) {
    return c == 0 ? 100.0f + 10 * j + t : 200.0f + 5 * j;
  });
}

inline std::string write_joint_map(const std::string& path, const std::string& leave_out = "",
                                   const std::string& extra_row = "") {
  std::ofstream out(path);
  out << "bodypart,joint\n";
  for (const auto& j : cpnas::find_layout("in-motion").joints) {
    if (j != leave_out) out << "bp_" << j << "," << j << "\n";
  }
  out << extra_row;
  return path;
}
