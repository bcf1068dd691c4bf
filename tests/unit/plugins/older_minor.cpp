// A plugin built against SDK 1.5: four host services, before cpnas::host::conv2d. Older minor
// versions keep loading; the loader checks the services the plugin knows of.
#include "cpnas/activation.hpp"
#include "cpnas/batch_norm.hpp"
#include "descriptor.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "older", &items}};
static const void* const services[] = {
    reinterpret_cast<const void*>(&cpnas::host::batch_norm),
    reinterpret_cast<const void*>(&cpnas::host::swish_),
    reinterpret_cast<const void*>(&cpnas::host::swish),
    reinterpret_cast<const void*>(&cpnas::host::batch_norm_activate)};
TEST_PLUGIN_ENTRY(CPNAS_ABI_MAJOR, 5, sizeof(cpnas_plugin_descriptor), CPNAS_BUILD_FINGERPRINT, 1,
                  items, sizeof(cpnas_plugin_item), 4, services)
