#pragma once
/// @file plugin.hpp
/// What a plugin source file includes. One translation unit of the plugin ends with
///
///     CPNAS_PLUGIN(CPNAS_BLOCK("dilated", cpnas::block_factory<DilatedBlockImpl>),
///                  CPNAS_FEATURE("speed", cpnas::feature_factory<SpeedFeature>))
///
/// which defines the exported entry point and its descriptor.

#include "cpnas/abi.hpp"
#include "cpnas/activation.hpp"
#include "cpnas/attention.hpp"
#include "cpnas/batch_norm.hpp"
#include "cpnas/block.hpp"
#include "cpnas/feature.hpp"
#include "cpnas/layers.hpp"

namespace cpnas::detail {
// Type-checks the factory against its kind before erasing it for the C descriptor.
template <class Factory>
const void* erase_factory(Factory f) {
  return reinterpret_cast<const void*>(f);
}
}  // namespace cpnas::detail

/// A block entry: `name` as used in job files, `factory` a cpnas::BlockFactory.
#define CPNAS_BLOCK(name, factory)                                                     \
  cpnas_plugin_item {                                                                  \
    CPNAS_KIND_BLOCK, name, cpnas::detail::erase_factory<cpnas::BlockFactory>(factory) \
  }
/// An attention entry: `factory` a cpnas::AttentionFactory.
#define CPNAS_ATTENTION(name, factory)                                                         \
  cpnas_plugin_item {                                                                          \
    CPNAS_KIND_ATTENTION, name, cpnas::detail::erase_factory<cpnas::AttentionFactory>(factory) \
  }
/// A feature entry: `factory` a cpnas::FeatureFactory.
#define CPNAS_FEATURE(name, factory)                                                       \
  cpnas_plugin_item {                                                                      \
    CPNAS_KIND_FEATURE, name, cpnas::detail::erase_factory<cpnas::FeatureFactory>(factory) \
  }

/// Defines `cpnas_plugin_entry` for the given entries (one or more CPNAS_BLOCK / CPNAS_ATTENTION /
/// CPNAS_FEATURE). Use once per shared object. The host services' addresses are taken here, in
/// the plugin's own code, so that the loader sees what the plugin's calls will reach.
#define CPNAS_PLUGIN(...)                                                                  \
  extern "C" CPNAS_PLUGIN_EXPORT const cpnas_plugin_descriptor* cpnas_plugin_entry(void) { \
    static const cpnas_plugin_item items[] = {__VA_ARGS__};                                \
    static const void* const host_services[CPNAS_HOST_SERVICE_COUNT] = {                   \
        reinterpret_cast<const void*>(&cpnas::host::batch_norm),                           \
        reinterpret_cast<const void*>(&cpnas::host::swish_),                               \
        reinterpret_cast<const void*>(&cpnas::host::swish),                                \
        reinterpret_cast<const void*>(&cpnas::host::batch_norm_activate),                  \
        reinterpret_cast<const void*>(&cpnas::host::conv2d)};                              \
    static const cpnas_plugin_descriptor descriptor = {CPNAS_ABI_MAJOR,                    \
                                                       CPNAS_ABI_MINOR,                    \
                                                       sizeof(cpnas_plugin_descriptor),    \
                                                       CPNAS_BUILD_FINGERPRINT,            \
                                                       sizeof(items) / sizeof(items[0]),   \
                                                       items,                              \
                                                       sizeof(cpnas_plugin_item),          \
                                                       CPNAS_HOST_SERVICE_COUNT,           \
                                                       host_services};                     \
    return &descriptor;                                                                    \
  }
