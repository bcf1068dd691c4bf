#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "io/error.hpp"
#include "plugin/loader.hpp"

using namespace cpnas;

namespace {

const std::string kDir = CPNAS_TEST_PLUGIN_DIR;

std::string load_error(const std::vector<std::string>& paths) {
  try {
    load_plugins(paths);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(PluginLoader, GoodPluginRegistersAndItsFactoriesWork) {
  PluginRegistry registry = load_plugins({kDir + "/tp_good"});
  ASSERT_EQ(registry.entries().size(), 2u);
  const PluginEntry* block = registry.find(CPNAS_KIND_BLOCK, "test_scale");
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(block->file, kDir + "/tp_good/good.so");
  EXPECT_EQ(block->abi_major, static_cast<uint32_t>(CPNAS_ABI_MAJOR));

  BlockOptions options;
  options.channels = 3;
  options.stride = 2;
  auto module = registry.block("test_scale")(options);
  auto y = module->forward(torch::ones({1, 3, 10, 5}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 3, 5, 5}));
  EXPECT_FLOAT_EQ(y.sum().item<float>(), 2.0f * 3 * 5 * 5);
  EXPECT_EQ(module->parameters().size(), 1u);

  Skeleton skeleton;
  skeleton.joints = {"a", "b", "c"};
  skeleton.centre = 1;
  auto feature = registry.feature("test_centre")(skeleton);
  std::vector<float> xy(2 * 3 * 2, 0.f), out(4 * 2 * 3, -1.f);
  feature->compute(xy.data(), 2, 3, out.data());
  EXPECT_EQ(out[0], 0.f);
  EXPECT_EQ(out[1], 1.f);
}

TEST(PluginLoader, UnknownNameListsWhatIsLoaded) {
  PluginRegistry registry = load_plugins({kDir + "/tp_good"});
  try {
    registry.block("sep");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown block 'sep' (loaded: test_scale)");
  }
}

TEST(PluginLoader, NoEntryPoint) {
  EXPECT_EQ(load_error({kDir + "/tp_no_entry"}),
            "plugin '" + kDir +
                "/tp_no_entry/no_entry.so': no entry point 'cpnas_plugin_entry' (define one "
                "with CPNAS_PLUGIN(...) from cpnas/plugin.hpp)");
}

TEST(PluginLoader, AbiMajorDiffers) {
  EXPECT_EQ(load_error({kDir + "/tp_abi_major"}),
            "plugin '" + kDir + "/tp_abi_major/abi_major.so': ABI major version " +
                std::to_string(CPNAS_ABI_MAJOR + 1) + ", this cpnas has " +
                std::to_string(CPNAS_ABI_MAJOR) + "; rebuild the plugin");
}

TEST(PluginLoader, ANewerAbiMinorIsRefusedAndTheFileClosedAgain) {
  const std::string file = kDir + "/tp_abi_minor/abi_minor.so";
  EXPECT_EQ(load_error({kDir + "/tp_abi_minor"}),
            "plugin '" + file + "': ABI version " + std::to_string(CPNAS_ABI_MAJOR) + "." +
                std::to_string(CPNAS_ABI_MINOR + 1) + ", newer than this cpnas's " +
                std::to_string(CPNAS_ABI_MAJOR) + "." + std::to_string(CPNAS_ABI_MINOR) +
                " (it may call what this cpnas lacks); update cpnas or rebuild the plugin");
  // RTLD_NOLOAD finds a library only while it is still loaded.
  EXPECT_EQ(dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
  void* good = nullptr;
  {
    PluginRegistry loaded = load_plugins({kDir + "/tp_good"});
    good = dlopen((kDir + "/tp_good/good.so").c_str(), RTLD_NOW | RTLD_NOLOAD);
  }
  EXPECT_NE(good, nullptr) << "an accepted plugin stays loaded";
}

TEST(PluginLoader, APluginWhoseHostServicesDidNotBindIsRefused) {
  EXPECT_EQ(load_error({kDir + "/tp_host_unbound"}),
            "plugin '" + kDir +
                "/tp_host_unbound/host_unbound.so': the core's cpnas::host::batch_norm did not "
                "bind to the plugin (it sees none), so its layers would bypass the core "
                "(BatchNorm over one rank's batch); build it against cpnas::sdk without a copy of "
                "the core and load it into cpnas");
}

TEST(PluginLoader, APluginOfAnOlderMinorWithFewerHostServicesLoads) {
  PluginRegistry registry = load_plugins({kDir + "/tp_older_minor"});
  EXPECT_NE(registry.find(CPNAS_KIND_BLOCK, "older"), nullptr);
}

TEST(PluginLoader, EntriesThatGrewAreSteppedOverByTheSizeThePluginDeclares) {
  PluginRegistry registry = load_plugins({kDir + "/tp_grown_entry"});
  ASSERT_EQ(registry.entries().size(), 2u);
  EXPECT_NE(registry.find(CPNAS_KIND_BLOCK, "grown_a"), nullptr);
  EXPECT_NE(registry.find(CPNAS_KIND_ATTENTION, "grown_b"), nullptr);
}

TEST(PluginLoader, FingerprintDiffers) {
  EXPECT_EQ(load_error({kDir + "/tp_fingerprint"}),
            "plugin '" + kDir +
                "/tp_fingerprint/fingerprint.so': build fingerprint 'torch-0.1;gcc-4;cxx11abi-0', "
                "this cpnas has '" CPNAS_BUILD_FINGERPRINT
                "'; rebuild the plugin against this cpnas");
}

TEST(PluginLoader, DuplicateNameNamesBothFiles) {
  EXPECT_EQ(load_error({kDir + "/tp_dup_a", kDir + "/tp_dup_b"}),
            "plugin '" + kDir + "/tp_dup_b/dup.so': duplicate attention name 'twin', already " +
                "loaded from '" + kDir + "/tp_dup_a/dup.so'");
}

TEST(PluginLoader, TextFileNamedSo) {
  const std::string dir = testing::TempDir() + "textplugin";
  std::filesystem::create_directories(dir);
  // Longer than an ELF header, so the loader reads it as a header and rejects the contents.
  std::ofstream(dir + "/fake.so")
      << std::string(8, '#') << " this text file is not a shared object, whatever its name says\n";
  const std::string error = load_error({dir});
  EXPECT_EQ(error.rfind("plugin '" + dir + "/fake.so': cannot load: ", 0), 0u) << error;
  EXPECT_NE(error.find("invalid ELF header"), std::string::npos) << error;
}

TEST(PluginLoader, SameFileReachedTwiceLoadsOnce) {
  PluginRegistry registry =
      load_plugins({kDir + "/tp_good", kDir + "/tp_good/good.so", kDir + "/tp_good/"});
  EXPECT_EQ(registry.entries().size(), 2u);
}

TEST(PluginLoader, SearchOrderIsCliThenEnvironmentThenInstall) {
  setenv("CPNAS_PLUGIN_PATH", "/env/one:/env/two", 1);
  const auto path = plugin_search_path({"/cli/a:/cli/b", "/cli/c"});
  unsetenv("CPNAS_PLUGIN_PATH");
  ASSERT_EQ(path.size(), 6u);
  EXPECT_EQ(path[0], "/cli/a");
  EXPECT_EQ(path[1], "/cli/b");
  EXPECT_EQ(path[2], "/cli/c");
  EXPECT_EQ(path[3], "/env/one");
  EXPECT_EQ(path[4], "/env/two");
  // Run from the build tree, the last entry is the build tree's plugins/ directory.
  EXPECT_EQ(std::filesystem::path(path[5]).filename(), "plugins");
}
