// A plugin built against another LibTorch and compiler.
#include "cpnas/abi.hpp"

static const cpnas_plugin_item items[] = {{CPNAS_KIND_BLOCK, "foreign", &items}};
static const cpnas_plugin_descriptor descriptor = {CPNAS_ABI_MAJOR,
                                                   CPNAS_ABI_MINOR,
                                                   sizeof(cpnas_plugin_descriptor),
                                                   "torch-0.1;gcc-4;cxx11abi-0",
                                                   1,
                                                   items};
extern "C" CPNAS_PLUGIN_EXPORT const cpnas_plugin_descriptor* cpnas_plugin_entry(void) {
  return &descriptor;
}
