#pragma once
// The plugins a job names, checked before any work: one check for every command.

#include "io/job.hpp"
#include "plugin/registry.hpp"

namespace cpnas {

/// Throws cpnas::Error, naming where the value came from, unless every plugin the job names is
/// loaded: [data] features, [arch] block and attention, and every choice of [space] block and
/// attention (a search would otherwise lose every student that draws a missing one).
void check_job_plugins(const Job& job, const PluginRegistry& plugins);

}  // namespace cpnas
