#pragma once
// The set-up of a command that runs on several MPI ranks: every rank's problem stops all of them
// together, before their first collective step, and only rank 0 reports it.

#include <functional>
#include <string>
#include <vector>

#include "data/cohort.hpp"
#include "dist/world.hpp"
#include "io/job.hpp"
#include "plugin/registry.hpp"

namespace cpnas::cli {

/// Runs `setup` on this rank and agrees with the others on its outcome (collective). Returns true
/// when every rank succeeded. After a failure, rank 0 throws the lowest failing rank's error (a
/// UsageError when its own error was one) and the other ranks get false, to leave quietly with
/// status 1.
bool set_up_together(const World& world, const std::function<void()>& setup);

/// Something every rank reads for itself: a file under a name (`cohort 'PATH'`, `block plugin
/// 'sep'`) and what it holds (its content hash, and for a plugin the file it came from).
struct ViewItem {
  std::string name;
  std::string content;
};

/// The cohort file and every loaded plugin, as this rank sees them.
std::vector<ViewItem> view_of(const std::string& cohort, const PluginRegistry& plugins);

/// Empty when `mine` equals rank 0's view (as `view_text` wrote it), else a one-line error naming
/// the first item that differs, and how.
std::string view_difference(const std::string& rank0_text, const std::vector<ViewItem>& mine);
std::string view_text(const std::vector<ViewItem>& view);

/// Every rank's view against rank 0's (collective): a rank whose node holds another copy of the
/// cohort, or other plugins, would train on other inputs without a word. Returns as
/// set_up_together does.
bool same_view_everywhere(const World& world, const std::vector<ViewItem>& mine);

/// The data decides the layout: a job whose [data] layout (given or by default) differs from the
/// cohort's takes the cohort's, and the log says so with both and where the job's came from.
void take_cohort_layout(Job& job, const Cohort& cohort, const std::string& cohort_file);

}  // namespace cpnas::cli
