// A plugin of a later ABI whose entries grew a field: the loader steps over entries by the size
// the plugin declares.
#include "descriptor.hpp"

struct grown_item {
  cpnas_plugin_item base;
  uint64_t added_later;
};
static const grown_item items[] = {{{CPNAS_KIND_BLOCK, "grown_a", &items}, 1},
                                   {{CPNAS_KIND_ATTENTION, "grown_b", &items}, 2}};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR, CPNAS_ABI_MINOR, sizeof(cpnas_plugin_descriptor),
                  CPNAS_BUILD_FINGERPRINT, 2, &items[0].base, sizeof(grown_item), 0, nullptr)
