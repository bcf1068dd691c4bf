#pragma once
/// @file abi.hpp
/// The binary contract between the cpnas core and a plugin shared object.
///
/// A plugin exports one C symbol, `cpnas_plugin_entry`, returning a pointer to a static
/// `cpnas_plugin_descriptor`. The loader checks the ABI major version, the struct size and the
/// build fingerprint before it touches any entry. Plugin authors never fill these structs by
/// hand: use the `CPNAS_PLUGIN(...)` macro from `cpnas/plugin.hpp`.

#include <stdint.h>

// A C++ standard header defines libstdc++'s _GLIBCXX_USE_CXX11_ABI, which the fingerprint reads
// (LibTorch 2.x no longer passes it as -D, so a plugin source that includes nothing else first
// would otherwise fingerprint "none").
#include <cstddef>

#include <torch/version.h>

/// Incremented when a change breaks existing plugins (the loader refuses another major).
#define CPNAS_ABI_MAJOR 1
/// Incremented when the ABI grows compatibly (older plugins keep loading).
/// 1.1: cpnas::BatchNorm (batch_norm.hpp) and the core's cpnas::host::batch_norm.
/// 1.2: activate_() and the core's cpnas::host::swish_ (activation.hpp).
/// 1.3: the core's differentiable cpnas::host::swish, which activate() uses (activation.hpp);
///      ConvBN::folded() (layers.hpp).
/// 1.4: the descriptor's item_size and host_services; the loader refuses a plugin of a newer
///      minor version and one whose host services did not bind to the core's.
/// 1.5: BatchNorm::forward_activated() and ConvBN::forward_activated() with the core's
///      cpnas::host::batch_norm_activate (batch_norm.hpp, layers.hpp).
/// 1.6: ConvBN convolves through the core's cpnas::host::conv2d in training (layers.hpp).
#define CPNAS_ABI_MINOR 6

#define CPNAS_STRINGIFY_IMPL(x) #x
#define CPNAS_STRINGIFY(x) CPNAS_STRINGIFY_IMPL(x)

#if defined(__clang__)
#define CPNAS_COMPILER_ID "clang-" CPNAS_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define CPNAS_COMPILER_ID "gcc-" CPNAS_STRINGIFY(__GNUC__)
#else
#define CPNAS_COMPILER_ID "unknown"
#endif

#ifndef _GLIBCXX_USE_CXX11_ABI
#define CPNAS_CXX11_ABI_VALUE "none"
#else
#define CPNAS_CXX11_ABI_VALUE CPNAS_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#endif

/// Everything that must agree between core and plugin for C++ objects (torch modules, strings,
/// vectors) to cross the boundary safely: LibTorch version, compiler family and major version,
/// and the libstdc++ string ABI.
#define CPNAS_BUILD_FINGERPRINT                                      \
  "torch-" CPNAS_STRINGIFY(TORCH_VERSION_MAJOR) "." CPNAS_STRINGIFY( \
      TORCH_VERSION_MINOR) ";" CPNAS_COMPILER_ID ";cxx11abi-" CPNAS_CXX11_ABI_VALUE

#if defined(_WIN32)
#define CPNAS_PLUGIN_EXPORT __declspec(dllexport)
#else
#define CPNAS_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

extern "C" {

/// What a plugin entry provides.
enum cpnas_plugin_kind : uint32_t {
  CPNAS_KIND_BLOCK = 1,      ///< temporal block: `cpnas::BlockFactory`
  CPNAS_KIND_ATTENTION = 2,  ///< attention gate: `cpnas::AttentionFactory`
  CPNAS_KIND_FEATURE = 3,    ///< input feature: `cpnas::FeatureFactory`
};

/// The core's services that a plugin's code calls through weak symbols, bound when the plugin is
/// loaded into cpnas; the index of each in `cpnas_plugin_descriptor::host_services`. Since 1.4.
enum cpnas_host_service : uint32_t {
  CPNAS_HOST_BATCH_NORM = 0,           ///< cpnas::host::batch_norm (batch_norm.hpp)
  CPNAS_HOST_SWISH_INPLACE = 1,        ///< cpnas::host::swish_ (activation.hpp)
  CPNAS_HOST_SWISH = 2,                ///< cpnas::host::swish (activation.hpp)
  CPNAS_HOST_BATCH_NORM_ACTIVATE = 3,  ///< cpnas::host::batch_norm_activate (batch_norm.hpp); 1.5
  CPNAS_HOST_CONV2D = 4,               ///< cpnas::host::conv2d (layers.hpp); 1.6
  CPNAS_HOST_SERVICE_COUNT = 5,
};

/// One named factory. `factory` points to a function of the type that `kind` names.
struct cpnas_plugin_item {
  uint32_t kind;
  const char* name;
  const void* factory;
};

/// What `cpnas_plugin_entry` returns. Lives for the whole process (static storage).
struct cpnas_plugin_descriptor {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size;     ///< sizeof(cpnas_plugin_descriptor) in the plugin's build
  const char* fingerprint;  ///< CPNAS_BUILD_FINGERPRINT of the plugin's build
  uint32_t item_count;
  const cpnas_plugin_item* items;
  // Since 1.4; the loader reads them only when struct_size covers them.
  uint32_t item_size;   ///< sizeof(cpnas_plugin_item) in the plugin's build, so entries can grow
  uint32_t host_count;  ///< entries in host_services
  /// The address of each cpnas_host_service as the plugin's own code resolved it when it was
  /// loaded (null when it did not bind); the loader refuses the plugin unless each is the core's.
  const void* const* host_services;
};

/// The one symbol a plugin exports.
typedef const cpnas_plugin_descriptor* (*cpnas_plugin_entry_fn)(void);
}

/// Name of the exported entry point, as the loader looks it up.
#define CPNAS_PLUGIN_ENTRY_SYMBOL "cpnas_plugin_entry"
