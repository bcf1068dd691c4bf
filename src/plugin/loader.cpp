#include "plugin/loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "config.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace fs = std::filesystem;
namespace {

// Directory holding libcpnas.so: plugins are found relative to it, so an installed tree can be
// moved as a whole.
fs::path core_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&core_library_dir), &info) == 0 || !info.dli_fname) return {};
  return fs::weakly_canonical(fs::path(info.dli_fname)).parent_path();
}

void append_colon_list(const std::string& list, std::vector<std::string>& out) {
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ':')) {
    if (!item.empty()) out.push_back(item);
  }
}

std::vector<fs::path> shared_objects_in(const fs::path& entry) {
  std::error_code ec;
  if (fs::is_regular_file(entry, ec)) return {entry};
  std::vector<fs::path> files;
  if (!fs::is_directory(entry, ec)) return files;
  for (auto it = fs::recursive_directory_iterator(entry, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".so") files.push_back(it->path());
  }
  if (ec) throw Error("plugin directory '" + entry.string() + "': " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<std::string> plugin_search_path(const std::vector<std::string>& cli_paths) {
  std::vector<std::string> path;
  for (const auto& p : cli_paths) append_colon_list(p, path);
  if (const char* env = std::getenv("CPNAS_PLUGIN_PATH")) append_colon_list(env, path);
  const fs::path lib_dir = core_library_dir();
  if (!lib_dir.empty()) {
    std::error_code ec;
    if (fs::equivalent(lib_dir, fs::path(CPNAS_BUILD_DIR), ec)) {
      path.push_back((lib_dir / "plugins").string());
    } else {
      path.push_back((lib_dir / "cpnas" / "plugins").string());
    }
  }
  return path;
}

void load_plugin_file(const std::string& path, PluginRegistry& registry) {
  const std::string where = "plugin '" + path + "'";
  // RTLD_NOW reports unresolved symbols here rather than as a crash in the middle of a search.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw Error(where + ": cannot load: " + dlerror());
  auto entry = reinterpret_cast<cpnas_plugin_entry_fn>(dlsym(handle, CPNAS_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    throw Error(where + ": no entry point '" CPNAS_PLUGIN_ENTRY_SYMBOL
                        "' (define one with CPNAS_PLUGIN(...) from cpnas/plugin.hpp)");
  }
  const cpnas_plugin_descriptor* d = entry();
  if (!d) throw Error(where + ": entry point returned no descriptor");
  if (d->abi_major != CPNAS_ABI_MAJOR) {
    throw Error(where + ": ABI major version " + std::to_string(d->abi_major) +
                ", this cpnas has " + std::to_string(CPNAS_ABI_MAJOR) + "; rebuild the plugin");
  }
  if (d->struct_size < sizeof(cpnas_plugin_descriptor)) {
    throw Error(where + ": descriptor size " + std::to_string(d->struct_size) + ", expected " +
                std::to_string(sizeof(cpnas_plugin_descriptor)));
  }
  const std::string fingerprint = d->fingerprint ? d->fingerprint : "(null)";
  if (fingerprint != CPNAS_BUILD_FINGERPRINT) {
    throw Error(where + ": build fingerprint '" + fingerprint + "', this cpnas has '" +
                CPNAS_BUILD_FINGERPRINT + "'; rebuild the plugin against this cpnas");
  }
  for (uint32_t i = 0; i < d->item_count; ++i) {
    const cpnas_plugin_item& item = d->items[i];
    if (item.kind < CPNAS_KIND_BLOCK || item.kind > CPNAS_KIND_FEATURE) {
      throw Error(where + ": entry " + std::to_string(i) + " has unknown kind " +
                  std::to_string(item.kind));
    }
    if (!item.name || !*item.name || !item.factory) {
      throw Error(where + ": entry " + std::to_string(i) + " has no name or no factory");
    }
    registry.add(PluginEntry{item.kind, item.name, path, d->abi_major, d->abi_minor, item.factory});
  }
  spdlog::debug("loaded {} ({} entries)", path, d->item_count);
}

PluginRegistry load_plugins(const std::vector<std::string>& search_path) {
  PluginRegistry registry;
  std::set<fs::path> seen;
  for (const auto& entry : search_path) {
    for (const auto& file : shared_objects_in(entry)) {
      if (seen.insert(fs::weakly_canonical(file)).second) load_plugin_file(file.string(), registry);
    }
  }
  return registry;
}

}  // namespace cpnas
