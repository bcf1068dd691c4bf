// A plugin built for a future ABI major version.
#include "cpnas/abi.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "future", &items}};
static const cpnas_plugin_descriptor descriptor = {
    CPNAS_ABI_MAJOR + 1, 0, sizeof(cpnas_plugin_descriptor), CPNAS_BUILD_FINGERPRINT, 1, items};
extern "C" CPNAS_PLUGIN_EXPORT const cpnas_plugin_descriptor* cpnas_plugin_entry(void) {
  return &descriptor;
}
