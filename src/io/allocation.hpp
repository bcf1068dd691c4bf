#pragma once
// What the batch system or launcher gave this process: job, task, node-local rank, CPUs, GPUs.
// Read from SLURM_* under sbatch/srun and from Open MPI's variables under plain mpirun.

#include <cstddef>
#include <string>

namespace cpnas {

/// `bytes` in GiB, as messages and logs print memory.
inline double gib(std::size_t bytes) {
  return static_cast<double>(bytes) / static_cast<double>(std::size_t{1} << 30);
}

struct Allocation {
  std::string slurm_job;     ///< SLURM_JOB_ID (with the array task, if any); empty outside SLURM
  int task = -1;             ///< launcher_rank()
  int local_task = 0;        ///< SLURM_LOCALID or OMPI_COMM_WORLD_LOCAL_RANK
  int tasks_on_node = 1;     ///< OMPI_COMM_WORLD_LOCAL_SIZE or SLURM_NTASKS_PER_NODE
  int cpus_per_task = 0;     ///< SLURM_CPUS_PER_TASK; 0 when not given
  std::string visible_gpus;  ///< CUDA_VISIBLE_DEVICES; empty when unset
  /// Bytes the job may use on this node: the least of physical memory, the cgroup's limit
  /// (memory.max or memory.limit_in_bytes), SLURM_MEM_PER_NODE and SLURM_MEM_PER_CPU x CPUs.
  std::size_t node_memory = 0;
  std::string node_memory_source;  ///< which of those gave node_memory

  static Allocation from_environment();

  /// Intra-op threads per rank: `option` when > 0, else cpus_per_task, else `cpu_share` (the
  /// rank's share of the CPUs it may run on, World::cpu_share), and never more than cpu_share:
  /// more would only take turns on the same cores. Capping an `option` or cpus_per_task logs a
  /// warning that says why and how to bind.
  int threads(int option, int cpu_share) const;

  /// What the caching CPU allocator may hold in this process, tensors in use and freed ones kept
  /// for reuse together, before its cache gives blocks back: CPNAS_CPU_CACHE_MB when set, else
  /// three quarters of node_memory shared among the node's ranks. A search or `cpnas train`
  /// lowers it to what the rank has beside what it holds (bound_tensor_cache).
  std::size_t cpu_cache_limit() const;

  /// One line for the log.
  std::string describe() const;
};

/// The rank that the launcher (mpirun, srun) gave this process, or -1 when not launched as a job.
int launcher_rank();

}  // namespace cpnas
