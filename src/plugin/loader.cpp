#include "plugin/loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "config.hpp"
#include "cpnas/activation.hpp"
#include "cpnas/batch_norm.hpp"
#include "cpnas/layers.hpp"
#include "io/error.hpp"
#include "io/file_hash.hpp"

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

// A plugin file that is refused is closed again: it may be replaced and loaded later.
struct SharedObject {
  explicit SharedObject(void* h) : handle(h) {}
  SharedObject(const SharedObject&) = delete;
  SharedObject& operator=(const SharedObject&) = delete;
  ~SharedObject() {
    if (handle) dlclose(handle);
  }
  void* handle;
};

bool covers(const cpnas_plugin_descriptor& d, std::size_t field_offset) {
  return d.struct_size > field_offset;
}

std::string abi_text(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

void check_descriptor(const cpnas_plugin_descriptor& d, const std::string& where) {
  const std::string theirs = abi_text(d.abi_major, d.abi_minor);
  const std::string ours = abi_text(CPNAS_ABI_MAJOR, CPNAS_ABI_MINOR);
  if (d.abi_major != CPNAS_ABI_MAJOR) {
    throw Error(where + ": ABI major version " + std::to_string(d.abi_major) + ", this cpnas has " +
                std::to_string(CPNAS_ABI_MAJOR) + "; rebuild the plugin");
  }
  if (d.abi_minor > CPNAS_ABI_MINOR) {
    throw Error(where + ": ABI version " + theirs + ", newer than this cpnas's " + ours +
                " (it may call what this cpnas lacks); update cpnas or rebuild the plugin");
  }
  // Descriptors of ABI 1.0 to 1.3 end before item_size.
  const std::size_t oldest = offsetof(cpnas_plugin_descriptor, item_size);
  if (d.struct_size < oldest) {
    throw Error(where + ": descriptor size " + std::to_string(d.struct_size) +
                ", expected at least " + std::to_string(oldest));
  }
  if (covers(d, offsetof(cpnas_plugin_descriptor, item_size)) &&
      d.item_size < sizeof(cpnas_plugin_item)) {
    throw Error(where + ": entry size " + std::to_string(d.item_size) + ", expected at least " +
                std::to_string(sizeof(cpnas_plugin_item)));
  }
  const std::string fingerprint = d.fingerprint ? d.fingerprint : "(null)";
  if (fingerprint != CPNAS_BUILD_FINGERPRINT) {
    throw Error(where + ": build fingerprint '" + fingerprint + "', this cpnas has '" +
                CPNAS_BUILD_FINGERPRINT + "'; rebuild the plugin against this cpnas");
  }
}

// A plugin whose weak references to the core's services were bound elsewhere (or not at all)
// would run, in data-parallel training, with one rank's BatchNorm statistics: refuse it.
void check_host_services(const cpnas_plugin_descriptor& d, const std::string& where) {
  static const char* const names[CPNAS_HOST_SERVICE_COUNT] = {
      "cpnas::host::batch_norm", "cpnas::host::swish_", "cpnas::host::swish",
      "cpnas::host::batch_norm_activate", "cpnas::host::conv2d"};
  const void* const core[CPNAS_HOST_SERVICE_COUNT] = {
      reinterpret_cast<const void*>(&host::batch_norm),
      reinterpret_cast<const void*>(&host::swish_), reinterpret_cast<const void*>(&host::swish),
      reinterpret_cast<const void*>(&host::batch_norm_activate),
      reinterpret_cast<const void*>(&host::conv2d)};
  const uint32_t n = std::min<uint32_t>(d.host_count, CPNAS_HOST_SERVICE_COUNT);
  if (n > 0 && !d.host_services) throw Error(where + ": host services missing");
  for (uint32_t k = 0; k < n; ++k) {
    if (d.host_services[k] == core[k]) continue;
    throw Error(where + ": the core's " + names[k] + " did not bind to the plugin (" +
                (d.host_services[k] ? "it reaches another definition" : "it sees none") +
                "), so its layers would bypass the core (BatchNorm over one rank's batch); build "
                "it against cpnas::sdk without a copy of the core and load it into cpnas");
  }
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
  SharedObject library(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library.handle) throw Error(where + ": cannot load: " + dlerror());
  auto entry =
      reinterpret_cast<cpnas_plugin_entry_fn>(dlsym(library.handle, CPNAS_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    throw Error(where + ": no entry point '" CPNAS_PLUGIN_ENTRY_SYMBOL
                        "' (define one with CPNAS_PLUGIN(...) from cpnas/plugin.hpp)");
  }
  const cpnas_plugin_descriptor* d = entry();
  if (!d) throw Error(where + ": entry point returned no descriptor");
  check_descriptor(*d, where);
  const bool grown = covers(*d, offsetof(cpnas_plugin_descriptor, host_services));
  const std::size_t item_size = grown ? d->item_size : sizeof(cpnas_plugin_item);
  if (grown) check_host_services(*d, where);
  const std::string hash = file_hash(path);
  std::vector<PluginEntry> entries;
  for (uint32_t i = 0; i < d->item_count; ++i) {
    const auto& item = *reinterpret_cast<const cpnas_plugin_item*>(
        reinterpret_cast<const char*>(d->items) + i * item_size);
    if (item.kind < CPNAS_KIND_BLOCK || item.kind > CPNAS_KIND_FEATURE) {
      throw Error(where + ": entry " + std::to_string(i) + " has unknown kind " +
                  std::to_string(item.kind));
    }
    if (!item.name || !*item.name || !item.factory) {
      throw Error(where + ": entry " + std::to_string(i) + " has no name or no factory");
    }
    entries.push_back(
        PluginEntry{item.kind, item.name, path, d->abi_major, d->abi_minor, item.factory, hash});
  }
  for (auto& e : entries) registry.add(std::move(e));
  library.handle = nullptr;  // its factories are in use from now on: loaded for good
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
