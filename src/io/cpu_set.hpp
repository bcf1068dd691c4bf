#pragma once
// Which CPUs a rank may run on, and its share of them when ranks of a node overlap. Launchers
// bind: Open MPI binds each rank to one core when it starts two or fewer, to a socket or NUMA
// domain beyond; srun --cpus-per-task gives each task its own cores; a job's cgroup limits all of
// them. Threads beyond a rank's share only take turns on its cores.

#include <vector>

namespace cpnas {

/// The CPUs this process may run on (sched_getaffinity), ascending; empty if it cannot be read.
std::vector<int> allowed_cpus();

/// Rank `me`'s share of the CPUs when the ranks of a node may run on `sets`: each CPU counts
/// 1 / (the number of sets holding it). Disjoint sets give each rank its own size; n ranks on
/// one set get a 1/n each. At least 1.
int cpu_share(const std::vector<std::vector<int>>& sets, std::size_t me);

}  // namespace cpnas
