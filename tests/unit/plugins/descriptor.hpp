#pragma once
// The entry point of a test plugin with a hand-made descriptor, as a plugin of another version,
// another build or a faulty one would export it (real plugins use CPNAS_PLUGIN).
#include "cpnas/abi.hpp"

#define TEST_PLUGIN_ENTRY(...)                                                             \
  static const cpnas_plugin_descriptor descriptor = {__VA_ARGS__};                         \
  extern "C" CPNAS_PLUGIN_EXPORT const cpnas_plugin_descriptor* cpnas_plugin_entry(void) { \
    return &descriptor;                                                                    \
  }
