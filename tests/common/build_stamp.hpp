#pragma once
// What the mpi and gpu tests key their cached cohort and baselines on: the contents of the cpnas
// executable, the core library and every plugin next to them, and the job. An executable's mtime
// would miss a rebuilt library or plugin, and a copied tree would rebuild what it need not.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "io/file_hash.hpp"

inline std::string build_stamp(const std::string& exe, const std::string& job) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(exe).parent_path();
  std::vector<std::string> files = {exe, (dir / "libcpnas.so").string()};
  std::vector<std::string> plugins;
  for (const auto& e : fs::recursive_directory_iterator(dir / "plugins")) {
    if (e.is_regular_file() && e.path().extension() == ".so") plugins.push_back(e.path().string());
  }
  std::sort(plugins.begin(), plugins.end());
  files.insert(files.end(), plugins.begin(), plugins.end());
  std::string stamp;
  for (const auto& f : files) stamp += f + " " + cpnas::file_hash(f) + "\n";
  return stamp + job;
}
