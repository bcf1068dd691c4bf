// cpnas plugins: what is loaded, and from where.

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "plugin/loader.hpp"

namespace cpnas::cli {

int run_plugins(const std::vector<std::string>& args) {
  CommandLine cl("plugins [options]",
                 "Loads every plugin along the search path and lists kind, name, ABI and file\n"
                 "(--json adds each file's content hash, which model files record).\n"
                 "Search order: --plugin-path, CPNAS_PLUGIN_PATH, the install directory (or the\n"
                 "build tree's plugins/ when run from it). Any bad plugin is an error.",
                 false);
  if (!cl.parse(args)) return 0;
  const PluginRegistry registry = cl.plugins();
  if (cl.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : registry.entries()) {
      out.push_back({{"kind", kind_name(e.kind)},
                     {"name", e.name},
                     {"file", e.file},
                     {"abi", fmt::format("{}.{}", e.abi_major, e.abi_minor)},
                     {"hash", e.hash}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<10} {:<14} {:<5} {}\n", "kind", "name", "abi", "file");
  for (const auto& e : registry.entries()) {
    std::cout << fmt::format("{:<10} {:<14} {}.{:<3} {}\n", kind_name(e.kind), e.name, e.abi_major,
                             e.abi_minor, e.file);
  }
  if (registry.entries().empty()) {
    std::cout << "(no plugins found; search path:";
    for (const auto& p : plugin_search_path({})) std::cout << " " << p;
    std::cout << ")\n";
  }
  return 0;
}

}  // namespace cpnas::cli
