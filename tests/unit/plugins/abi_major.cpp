// A plugin built for a future ABI major version.
#include "descriptor.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "future", &items}};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR + 1, 0, sizeof(cpnas_plugin_descriptor), CPNAS_BUILD_FINGERPRINT,
                  1, items, sizeof(cpnas_plugin_item), 0, nullptr)
