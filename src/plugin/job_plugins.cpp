#include "plugin/job_plugins.hpp"

#include "io/error.hpp"

namespace cpnas {
namespace {

void check(const Job& job, const PluginRegistry& plugins, uint32_t kind, const std::string& section,
           const std::string& key) {
  for (const auto& name : job.get_list(section, key)) {
    try {
      plugins.require(kind, name);
    } catch (const Error& e) {
      throw Error(job.origin(section, key) + ": [" + section + "] " + key + ": " + e.what());
    }
  }
}

}  // namespace

void check_job_plugins(const Job& job, const PluginRegistry& plugins) {
  check(job, plugins, CPNAS_KIND_FEATURE, "data", "features");
  for (const char* section : {"arch", "space"}) {
    check(job, plugins, CPNAS_KIND_BLOCK, section, "block");
    check(job, plugins, CPNAS_KIND_ATTENTION, section, "attention");
  }
}

}  // namespace cpnas
