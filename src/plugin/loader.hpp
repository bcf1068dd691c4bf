#pragma once
// Finds and loads plugin shared objects. Loaded objects stay loaded until the process exits.

#include <string>
#include <vector>

#include "plugin/registry.hpp"

namespace cpnas {

/// The directories (or files) to load, in order: `cli_paths` (from --plugin-path, each may hold
/// ':'-separated entries), then CPNAS_PLUGIN_PATH, then the install directory next to
/// libcpnas.so, or the build tree's plugins/ when cpnas runs from its build tree.
std::vector<std::string> plugin_search_path(const std::vector<std::string>& cli_paths);

/// Loads one shared object into `registry`. Throws cpnas::Error naming the file and the reason:
/// not loadable (dlopen's text), no entry point, ABI major or descriptor size or fingerprint
/// differing or a newer ABI minor (both values), host services that did not bind, an unknown
/// kind, or a duplicate name. A refused file is closed again.
void load_plugin_file(const std::string& path, PluginRegistry& registry);

/// Loads every *.so under each search path entry (recursively, in sorted order; a path that is a
/// file is loaded as it is; a missing directory is skipped). Each file is loaded once even when
/// several entries reach it.
PluginRegistry load_plugins(const std::vector<std::string>& search_path);

}  // namespace cpnas
