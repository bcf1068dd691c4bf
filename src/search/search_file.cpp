#include "search/search_file.hpp"

#include <set>

#include "config.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "io/job_schema.hpp"

namespace cpnas {
namespace {

constexpr const char* kFormat = "cpnas-search";
// 2: replay memory first in first out with its sample size (cpnas 0.1 kept the best).
constexpr int64_t kFormatVersion = 2;

}  // namespace

void save_search(const std::string& path, const SearchState& state) {
  h5::write_atomically(path, "search checkpoint", [&](h5::File& f) {
    f.set_attribute("format", std::string(kFormat));
    f.set_attribute("format_version", kFormatVersion);
    f.set_attribute("cpnas_version", std::string(CPNAS_VERSION));
    f.write_strings("job", {state.job});
    f.write_strings("space", {state.space});
    f.write_strings("state", {nlohmann::json(state).dump()});
  });
}

SearchState load_search(const std::string& path) {
  return with_file_kind("search checkpoint", [&] {
    const auto f = h5::File::open(path);
    if (!f.has_attribute("format") || f.string_attribute("format") != kFormat) {
      throw Error("'" + path + "': not a cpnas search checkpoint");
    }
    if (f.int_attribute("format_version") != kFormatVersion) {
      throw Error("'" + path + "': format_version " +
                  std::to_string(f.int_attribute("format_version")) + " (this cpnas reads " +
                  std::to_string(kFormatVersion) + ")");
    }
    const auto job = f.read_strings("job");
    const auto space = f.read_strings("space");
    const auto text = f.read_strings("state");
    if (job.size() != 1 || space.size() != 1 || text.size() != 1) {
      throw Error("'" + path + "': damaged (job, space and state must hold one string each)");
    }
    try {
      auto state = nlohmann::json::parse(text[0]).get<SearchState>();
      state.job = job[0];
      state.space = space[0];
      return state;
    } catch (const std::exception& e) {  // JSON's own errors and an unknown student status
      throw Error("'" + path + "': damaged state: " + e.what());
    }
  });
}

std::string first_job_difference(const std::string& checkpoint_job, const std::string& job) {
  static const std::set<std::string> may_change{"search.budget_hours", "search.max_iterations",
                                                "search.preemption_signal"};
  const Job a = Job::parse(checkpoint_job, "checkpoint job");
  const Job b = Job::parse(job, "job");
  for (const auto& spec : job_schema()) {
    const std::string name = spec.section + "." + spec.key;
    if (may_change.count(name)) continue;
    if (a.get(spec.section, spec.key) != b.get(spec.section, spec.key)) {
      return "[" + spec.section + "] " + spec.key + " is '" + a.get(spec.section, spec.key) +
             "' in the checkpoint and '" + b.get(spec.section, spec.key) + "' in the job";
    }
  }
  return "";
}

}  // namespace cpnas
