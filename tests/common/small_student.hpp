#pragma once
// The plugins of this build and a small student, for tests that build networks directly.

#include <string>

#include "data/layout.hpp"
#include "model/student.hpp"
#include "plugin/loader.hpp"

/// The plugins next to this build (the search path without --plugin-path), loaded once.
inline const cpnas::PluginRegistry& builtin_plugins() {
  static const cpnas::PluginRegistry registry = cpnas::load_plugins(cpnas::plugin_search_path({}));
  return registry;
}

/// One input block of depth 2 and two main blocks of depth 1, `channels` wide at the start.
inline cpnas::Arch small_arch(const std::string& block, const std::string& attention,
                              int64_t channels = 16) {
  cpnas::Arch a;
  a.init_channels = channels;
  a.block = block;
  a.attention = attention;
  a.input = {1, 2, 2, 3, 2, 1.0};  // blocks, depth, stride, window, distance, scale
  a.main = {2, 1, 2, 5, 1, 1.2};
  return a;
}

/// small_arch("sep", "fa", 24) with `dropout`, on in-motion-2022 with 4 features, seed 7.
inline cpnas::Student small_student(double dropout = cpnas::Arch{}.dropout) {
  cpnas::Arch a = small_arch("sep", "fa", 24);
  a.dropout = dropout;
  return cpnas::build_student(a, cpnas::find_layout("in-motion-2022"), 4, builtin_plugins(), 7);
}
