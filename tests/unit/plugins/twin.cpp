// Built twice, into two directories: two plugins that register the same attention name.
// Compiled as under LibTorch 2.x, which passes no -D_GLIBCXX_USE_CXX11_ABI: the fingerprint must
// still read the string ABI that libstdc++ defines.
#undef _GLIBCXX_USE_CXX11_ABI
#include "descriptor.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_ATTENTION, "twin", &items}};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR, CPNAS_ABI_MINOR, sizeof(cpnas_plugin_descriptor),
                  CPNAS_BUILD_FINGERPRINT, 1, items, sizeof(cpnas_plugin_item), 0, nullptr)
