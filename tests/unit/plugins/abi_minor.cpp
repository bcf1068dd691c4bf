// A plugin built against a newer minor ABI version than this cpnas has.
#include "descriptor.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "newer", &items}};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR, CPNAS_ABI_MINOR + 1, sizeof(cpnas_plugin_descriptor),
                  CPNAS_BUILD_FINGERPRINT, 1, items, sizeof(cpnas_plugin_item), 0, nullptr)
