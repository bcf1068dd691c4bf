// "Add a block without recompiling the core", proved: install cpnas into a temporary prefix,
// build examples/plugin against that prefix alone, list its plugins, run a search whose space
// holds the new block, and check the installed core did not change. A build of the same plugin
// against an SDK of another ABI major version is refused by the loader.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_command.hpp"
#include "tiny_search.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kWork = testing::TempDir() + "cpnas_plugin_sdk";
const std::string kPrefix = kWork + "/prefix";
const std::string kPlugins = kWork + "/build-plugins";
const std::string kCpnas = kPrefix + "/bin/cpnas";

std::string bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

CommandResult sh(const std::string& command) {
  return run_command("(" + command + ") 2>&1");
}

// Configures and builds `source` against `prefix` (CMAKE_PREFIX_PATH only: no cpnas build tree).
void build_plugins(const std::string& source, const std::string& prefix, const std::string& out) {
  const auto configure = sh("cmake -S " + source + " -B " + out + " -DCMAKE_PREFIX_PATH=" + prefix +
                            " -DCMAKE_BUILD_TYPE=Release");
  ASSERT_EQ(configure.status, 0) << configure.out;
  const auto build = sh("cmake --build " + out + " -j 2");
  ASSERT_EQ(build.status, 0) << build.out;
}

class PluginSdk : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    allow_mpirun_as_root();
    fs::remove_all(kWork);
    fs::create_directories(kWork);
    const auto install =
        sh(std::string("cmake --install ") + CPNAS_BUILD_TREE + " --prefix " + kPrefix);
    ASSERT_EQ(install.status, 0) << install.out;
    core_before_ = new std::string(bytes(kCpnas) + bytes(kPrefix + "/lib/libcpnas.so"));
    build_plugins(std::string(CPNAS_SOURCE_DIR) + "/examples/plugin", kPrefix, kPlugins);
  }
  static void TearDownTestSuite() { delete core_before_; }
  static std::string* core_before_;
};
std::string* PluginSdk::core_before_ = nullptr;

}  // namespace

TEST_F(PluginSdk, InstallLaysOutTheCoreThePluginsAndTheSdk) {
  for (const char* file :
       {"bin/cpnas", "lib/libcpnas.so", "lib/cpnas/plugins/blocks/sep.so",
        "lib/cpnas/plugins/attention/fa.so", "lib/cpnas/plugins/features/position.so",
        "include/cpnas/plugin.hpp", "include/cpnas/block.hpp", "lib/cmake/cpnas/cpnasConfig.cmake",
        "lib/cmake/cpnas/CpnasPlugin.cmake"}) {
    EXPECT_TRUE(fs::exists(kPrefix + "/" + file)) << file;
  }
  EXPECT_TRUE(fs::exists(kPlugins + "/dilated/dilated.so"));
  EXPECT_TRUE(fs::exists(kPlugins + "/speed/speed.so"));
}

TEST_F(PluginSdk, InstalledCpnasListsTheExamplePluginsFromThePluginPath) {
  const auto r = sh("CPNAS_PLUGIN_PATH=" + kPlugins + "/dilated:" + kPlugins + "/speed " + kCpnas +
                    " plugins --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"dilated\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"speed\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"sep\""), std::string::npos) << "built-ins from the install dir";
  EXPECT_NE(r.out.find(kPlugins + "/dilated/dilated.so"), std::string::npos) << r.out;
}

TEST_F(PluginSdk, ASearchTrainsStudentsWithTheNewBlockAndFeatureAndTheCoreIsUnchanged) {
  const std::string run = kWork + "/search";
  auto r = sh(kCpnas + " synth --out " + kWork + "/cohort.h5 " + kTinyCohortOptions +
              " --log-level warn");
  ASSERT_EQ(r.status, 0) << r.out;
  r = sh("CPNAS_PLUGIN_PATH=" + kPlugins + " mpirun -n 2 " + kCpnas + " search --job " +
         CPNAS_SOURCE_DIR + "/examples/plugin/search.ini --data " + kWork +
         "/cohort.h5 --run-dir " + run + " --threads 1 --log-level warn");
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream csv(run + "/students.csv");
  std::string header, line;
  std::getline(csv, header);
  int dilated_ok = 0, rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    dilated_ok +=
        line.find(",ok,") != std::string::npos && line.find(",dilated,") != std::string::npos;
  }
  EXPECT_EQ(rows, 6);
  EXPECT_GE(dilated_ok, 1) << "no student with the example block trained";
  EXPECT_NE(bytes(run + "/job.ini").find("features = position,speed"), std::string::npos);
  EXPECT_EQ(bytes(kCpnas) + bytes(kPrefix + "/lib/libcpnas.so"), *core_before_)
      << "the installed core changed";
}

TEST_F(PluginSdk, APluginBuiltAgainstAnotherAbiMajorIsRefused) {
  // An SDK of the next ABI major: the installed prefix with abi.hpp's major raised.
  const std::string other = kWork + "/prefix-abi2";
  fs::remove_all(other);
  fs::copy(kPrefix, other, fs::copy_options::recursive);
  const auto edit = sh("sed -i 's/#define CPNAS_ABI_MAJOR 1/#define CPNAS_ABI_MAJOR 2/' " + other +
                       "/include/cpnas/abi.hpp");
  ASSERT_EQ(edit.status, 0) << edit.out;
  build_plugins(std::string(CPNAS_SOURCE_DIR) + "/examples/plugin/dilated", other,
                kWork + "/build-abi2");
  const std::string so = kWork + "/build-abi2/dilated.so";
  const auto r = sh(kCpnas + " plugins --plugin-path " + so);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: plugin '" + so +
                       "': ABI major version 2, this cpnas has 1; rebuild the plugin\n");
}
