#include "cli/set_up.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "io/error.hpp"
#include "io/file_hash.hpp"
#include "model/torch_error.hpp"

namespace cpnas::cli {

bool set_up_together(const World& world, const std::function<void()>& setup) {
  std::string error;
  bool usage = false;
  try {
    setup();
  } catch (const UsageError& e) {
    error = e.what();
    usage = true;
  } catch (const std::exception& e) {
    error = one_line(e);
  }
  const std::string agreed = world.agree(error);
  if (agreed.empty()) return true;
  if (world.rank() != 0) return false;
  if (usage) throw UsageError(agreed);
  throw Error(agreed);
}

std::vector<ViewItem> view_of(const std::string& cohort, const PluginRegistry& plugins) {
  std::vector<ViewItem> view{{"cohort '" + cohort + "'", "content hash " + file_hash(cohort)}};
  for (const PluginEntry& e : plugins.entries()) {
    view.push_back({kind_name(e.kind) + " plugin '" + e.name + "'",
                    "'" + e.file + "' (content hash " + e.hash + ")"});
  }
  return view;
}

std::string view_text(const std::vector<ViewItem>& view) {
  nlohmann::json out = nlohmann::json::array();
  for (const ViewItem& item : view) out.push_back({item.name, item.content});
  return out.dump();
}

std::string view_difference(const std::string& rank0_text, const std::vector<ViewItem>& mine) {
  std::vector<ViewItem> rank0;
  for (const auto& item : nlohmann::json::parse(rank0_text)) rank0.push_back({item[0], item[1]});
  const std::string advice =
      ": every rank must read the same files (a node-local copy that is stale, or a different "
      "CPNAS_PLUGIN_PATH on some nodes?)";
  for (const ViewItem& theirs : rank0) {
    auto same_name = [&](const ViewItem& item) { return item.name == theirs.name; };
    const auto it = std::find_if(mine.begin(), mine.end(), same_name);
    if (it == mine.end()) return theirs.name + " is loaded on rank 0, not on this rank" + advice;
    if (it->content != theirs.content) {
      return theirs.name + " differs from rank 0's: " + it->content + " here, " + theirs.content +
             " on rank 0" + advice;
    }
  }
  for (const ViewItem& item : mine) {
    auto same_name = [&](const ViewItem& other) { return other.name == item.name; };
    if (std::none_of(rank0.begin(), rank0.end(), same_name))
      return item.name + " is loaded on this rank, not on rank 0" + advice;
  }
  return "";
}

bool same_view_everywhere(const World& world, const std::vector<ViewItem>& mine) {
  const std::string rank0 = world.broadcast(view_text(mine));
  return set_up_together(world, [&] {
    if (const std::string difference = view_difference(rank0, mine); !difference.empty())
      throw Error(difference);
  });
}

void take_cohort_layout(Job& job, const Cohort& cohort, const std::string& cohort_file) {
  const std::string& wanted = job.get("data", "layout");
  if (cohort.layout == wanted) return;
  spdlog::warn(
      "cohort '{}' has layout {}, the job's [data] layout is {} ({}): using {}, the cohort's",
      cohort_file, cohort.layout, wanted, job.origin("data", "layout"), cohort.layout);
  job.set("data", "layout", cohort.layout, "cohort '" + cohort_file + "'");
}

}  // namespace cpnas::cli
