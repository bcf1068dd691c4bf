#include "io/cpu_set.hpp"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace cpnas {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

int cpu_share(const std::vector<std::vector<int>>& sets, std::size_t me) {
  std::map<int, int> holders;
  for (const auto& set : sets) {
    for (int cpu : set) ++holders[cpu];
  }
  double share = 0;  // an empty set (affinity unknown) gets 1
  for (int cpu : sets.at(me)) share += 1.0 / holders[cpu];
  // 1e-9: three ranks on three CPUs sum three thirds to just under 1.
  return std::max(1, static_cast<int>(std::floor(share + 1e-9)));
}

}  // namespace cpnas
