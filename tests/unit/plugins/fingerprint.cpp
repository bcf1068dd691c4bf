// A plugin built against another LibTorch and compiler.
#include "descriptor.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "foreign", &items}};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR, CPNAS_ABI_MINOR, sizeof(cpnas_plugin_descriptor),
                  "torch-0.1;gcc-4;cxx11abi-0", 1, items, sizeof(cpnas_plugin_item), 0, nullptr)
