// The core's layers (README "Layout", src/CMakeLists.txt): a file of src/<layer>/ includes headers
// of its own layer and the layers below it only. The build refuses an upward include too (each
// layer's target sees no header above it); this finds one without compiling, naming every case.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Lowest first, as the build declares them.
std::vector<std::string> layers() {
  std::vector<std::string> out;
  std::stringstream list(CPNAS_LAYERS);
  for (std::string layer; std::getline(list, layer, ',');) out.push_back(layer);
  return out;
}

// "<file>:<line>: <layer> includes <header>, a header of the higher layer <other>" for every
// include of a src/ header that goes up, in file order.
std::vector<std::string> upward_includes(const fs::path& src,
                                         const std::vector<std::string>& order) {
  auto rank = [&](const std::string& layer) {
    return std::find(order.begin(), order.end(), layer) - order.begin();
  };
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".cpp" || ext == ".hpp")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  static const std::regex include(R"re(^\s*#\s*include\s*"([a-z_]+)/[^"]+")re");
  std::vector<std::string> found;
  for (const auto& file : files) {
    const fs::path relative = fs::relative(file, src);
    const std::string layer = relative.begin()->string();
    std::ifstream in(file);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      const std::string target = m[1];
      if (rank(target) < static_cast<std::ptrdiff_t>(order.size()) && rank(target) > rank(layer)) {
        found.push_back(relative.string() + ":" + std::to_string(number) + ": " + layer +
                        " includes " + line.substr(line.find('"')) +
                        ", a header of the higher layer " + target);
      }
    }
  }
  return found;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST(Layering, EveryIncludeOfTheCoreGoesDown) {
  const auto found = upward_includes(fs::path(CPNAS_SOURCE_DIR) / "src", layers());
  EXPECT_TRUE(found.empty()) << joined(found);
}

TEST(Layering, EveryFolderOfTheCoreIsALayer) {
  const auto order = layers();
  for (const auto& entry : fs::directory_iterator(fs::path(CPNAS_SOURCE_DIR) / "src")) {
    if (!entry.is_directory()) continue;
    const std::string folder = entry.path().filename().string();
    EXPECT_NE(std::find(order.begin(), order.end(), folder), order.end())
        << "src/" << folder << " is not declared as a layer in src/CMakeLists.txt";
  }
}

TEST(Layering, AnUpwardIncludeIsFoundAndADownwardOneIsNot) {
  const fs::path src = fs::temp_directory_path() / ("cpnas-layering-" + std::to_string(getpid()));
  fs::remove_all(src);
  write(src / "data" / "cohort.cpp", "#include \"io/h5.hpp\"\n#include \"model/student.hpp\"\n");
  write(src / "model" / "student.hpp", "#pragma once\n#include \"data/cohort.hpp\"\n");
  const auto found = upward_includes(src, {"io", "data", "model"});
  fs::remove_all(src);
  ASSERT_EQ(found.size(), 1u) << joined(found);
  EXPECT_EQ(found[0],
            "data/cohort.cpp:2: data includes \"model/student.hpp\", a header of the higher layer "
            "model");
}
