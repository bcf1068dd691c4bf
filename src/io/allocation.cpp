#include "io/allocation.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cpnas {
namespace {

const char* first_of(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name)) return value;
  }
  return nullptr;
}

int int_of(std::initializer_list<const char*> names, int fallback) {
  const char* value = first_of(names);
  return value ? std::atoi(value) : fallback;
}

// A cgroup's memory limit in bytes, or 0 when it has none ("max", or v1's huge sentinel).
std::size_t cgroup_memory_limit() {
  for (const char* file :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(file);
    unsigned long long bytes = 0;
    if (in >> bytes && bytes > 0) return static_cast<std::size_t>(bytes);
  }
  return 0;
}

void bound_node_memory(Allocation& a) {
  a.node_memory = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  a.node_memory_source = "physical memory";
  auto bound = [&](std::size_t bytes, const char* source) {
    if (bytes > 0 && bytes < a.node_memory) {
      a.node_memory = bytes;
      a.node_memory_source = source;
    }
  };
  bound(cgroup_memory_limit(), "cgroup limit");
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  bound(static_cast<std::size_t>(std::max(0, int_of({"SLURM_MEM_PER_NODE"}, 0))) * kMiB,
        "SLURM_MEM_PER_NODE");
  const int cpus = int_of({"SLURM_CPUS_ON_NODE"}, std::max(1, a.cpus_per_task) * a.tasks_on_node);
  bound(static_cast<std::size_t>(std::max(0, int_of({"SLURM_MEM_PER_CPU"}, 0))) * kMiB *
            static_cast<std::size_t>(std::max(1, cpus)),
        "SLURM_MEM_PER_CPU");
}

}  // namespace

int launcher_rank() {
  // The launchers' own variables first: inside an sbatch script every process inherits
  // SLURM_PROCID=0.
  return int_of({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}, -1);
}

Allocation Allocation::from_environment() {
  Allocation a;
  if (const char* job = std::getenv("SLURM_JOB_ID")) {
    a.slurm_job = job;
    if (const char* array = std::getenv("SLURM_ARRAY_TASK_ID"))
      a.slurm_job += std::string(" (array task ") + array + ")";
  }
  a.task = launcher_rank();
  a.local_task = int_of({"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"}, 0);
  a.tasks_on_node = std::max(1, int_of({"OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"}, 1));
  a.cpus_per_task = int_of({"SLURM_CPUS_PER_TASK"}, 0);
  if (const char* gpus = std::getenv("CUDA_VISIBLE_DEVICES")) a.visible_gpus = gpus;
  bound_node_memory(a);
  return a;
}

std::size_t Allocation::cpu_cache_limit() const {
  if (const char* mb = std::getenv("CPNAS_CPU_CACHE_MB"))
    return std::strtoull(mb, nullptr, 10) << 20;
  return node_memory / 4 * 3 / static_cast<std::size_t>(std::max(1, tasks_on_node));
}

int Allocation::threads(int option, int cpu_share) const {
  const int wanted = option > 0 ? option : cpus_per_task;
  if (wanted <= 0) return cpu_share;
  if (wanted <= cpu_share) return wanted;
  spdlog::warn(
      "{} {} threads, but this rank's share of the CPUs it may run on is {}: using {} (Open MPI "
      "binds each rank to one core when it starts two or fewer; give mpirun --bind-to none or "
      "--map-by slot:PE=<threads>, or srun --cpus-per-task=<threads>)",
      option > 0 ? "--threads asks for" : "SLURM_CPUS_PER_TASK gives", wanted, cpu_share,
      cpu_share);
  return cpu_share;
}

std::string Allocation::describe() const {
  std::string text = slurm_job.empty() ? "no slurm job" : "slurm job " + slurm_job;
  if (task >= 0) text += fmt::format(", task {} (local {} of {})", task, local_task, tasks_on_node);
  if (cpus_per_task > 0) text += fmt::format(", {} cpus per task", cpus_per_task);
  text +=
      ", CUDA_VISIBLE_DEVICES=" + (visible_gpus.empty() ? std::string("(unset)") : visible_gpus);
  text +=
      fmt::format(", memory {:.1f} GiB ({}), CPU tensors and their cache up to {:.1f} GiB per rank",
                  gib(node_memory), node_memory_source, gib(cpu_cache_limit()));
  return text;
}

}  // namespace cpnas
