#pragma once
// What the loaded plugins provide, one name space per kind.

#include <cstdint>
#include <string>
#include <vector>

#include "cpnas/abi.hpp"
#include "cpnas/attention.hpp"
#include "cpnas/block.hpp"
#include "cpnas/feature.hpp"

namespace cpnas {

struct PluginEntry {
  uint32_t kind = 0;
  std::string name;
  std::string file;  ///< the shared object it came from
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  const void* factory = nullptr;
  std::string hash;  ///< of the file's contents (file_hash()), to tell a rebuilt plugin
};

/// "block", "attention", "feature" (or "kind N" for a value no kind has).
std::string kind_name(uint32_t kind);

class PluginRegistry {
 public:
  /// Adds an entry; throws cpnas::Error when its kind already has that name (naming both files).
  void add(PluginEntry entry);

  /// Factories by name; an unknown name throws cpnas::Error listing what is loaded.
  BlockFactory block(const std::string& name) const;
  AttentionFactory attention(const std::string& name) const;
  FeatureFactory feature(const std::string& name) const;

  /// The entry of that kind and name, or nullptr.
  const PluginEntry* find(uint32_t kind, const std::string& name) const;
  /// The entry of that kind and name; an unknown name throws cpnas::Error listing what is loaded.
  const PluginEntry& require(uint32_t kind, const std::string& name) const;

  /// Names of one kind, sorted.
  std::vector<std::string> names(uint32_t kind) const;

  /// Every entry, in load order.
  const std::vector<PluginEntry>& entries() const { return entries_; }

 private:
  std::vector<PluginEntry> entries_;
};

}  // namespace cpnas
