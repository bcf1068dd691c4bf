#include "io/allocation.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

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
  return a;
}

int Allocation::threads(int option) const {
  if (option > 0) return option;
  if (cpus_per_task > 0) return cpus_per_task;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / tasks_on_node);
}

std::string Allocation::describe() const {
  std::string text = slurm_job.empty() ? "no slurm job" : "slurm job " + slurm_job;
  if (task >= 0) text += fmt::format(", task {} (local {} of {})", task, local_task, tasks_on_node);
  if (cpus_per_task > 0) text += fmt::format(", {} cpus per task", cpus_per_task);
  text +=
      ", CUDA_VISIBLE_DEVICES=" + (visible_gpus.empty() ? std::string("(unset)") : visible_gpus);
  return text;
}

}  // namespace cpnas
