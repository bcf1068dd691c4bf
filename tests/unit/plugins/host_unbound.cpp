// A plugin whose references to the core's host services bound to nothing (as when it carries a
// copy of the core, or was linked so that its weak references resolved at link time).
#include "descriptor.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "unbound", &items}};
static const void* const services[CPNAS_HOST_SERVICE_COUNT] = {};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR, CPNAS_ABI_MINOR, sizeof(cpnas_plugin_descriptor),
                  CPNAS_BUILD_FINGERPRINT, 1, items, sizeof(cpnas_plugin_item),
                  CPNAS_HOST_SERVICE_COUNT, services)
