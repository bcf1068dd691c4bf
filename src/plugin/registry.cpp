#include "plugin/registry.hpp"

#include <algorithm>

#include "io/error.hpp"

namespace cpnas {

std::string kind_name(uint32_t kind) {
  switch (kind) {
    case CPNAS_KIND_BLOCK:
      return "block";
    case CPNAS_KIND_ATTENTION:
      return "attention";
    case CPNAS_KIND_FEATURE:
      return "feature";
  }
  return "kind " + std::to_string(kind);
}

void PluginRegistry::add(PluginEntry entry) {
  if (const PluginEntry* other = find(entry.kind, entry.name)) {
    throw Error("plugin '" + entry.file + "': duplicate " + kind_name(entry.kind) + " name '" +
                entry.name + "', already loaded from '" + other->file + "'");
  }
  entries_.push_back(std::move(entry));
}

const PluginEntry* PluginRegistry::find(uint32_t kind, const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.kind == kind && e.name == name) return &e;
  }
  return nullptr;
}

std::vector<std::string> PluginRegistry::names(uint32_t kind) const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (e.kind == kind) out.push_back(e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const PluginEntry& PluginRegistry::require(uint32_t kind, const std::string& name) const {
  if (const PluginEntry* e = find(kind, name)) return *e;
  std::string loaded;
  for (const auto& n : names(kind)) loaded += (loaded.empty() ? "" : ", ") + n;
  throw Error("unknown " + kind_name(kind) + " '" + name + "' (loaded: " +
              (loaded.empty() ? "none; check --plugin-path and CPNAS_PLUGIN_PATH" : loaded) + ")");
}

BlockFactory PluginRegistry::block(const std::string& name) const {
  return reinterpret_cast<BlockFactory>(require(CPNAS_KIND_BLOCK, name).factory);
}

AttentionFactory PluginRegistry::attention(const std::string& name) const {
  return reinterpret_cast<AttentionFactory>(require(CPNAS_KIND_ATTENTION, name).factory);
}

FeatureFactory PluginRegistry::feature(const std::string& name) const {
  return reinterpret_cast<FeatureFactory>(require(CPNAS_KIND_FEATURE, name).factory);
}

}  // namespace cpnas
