#pragma once
// The search space of a job: every [space] key with choices. A key absent from [space] stays at
// its [arch]/[hyper] value.

#include <string>
#include <vector>

#include "io/job.hpp"

namespace cpnas {

struct SearchKey {
  std::string section;  ///< "arch" or "hyper"
  std::string key;
  std::vector<std::string> choices;
};

/// One chosen index per key of the space, in the space's order.
using Actions = std::vector<int>;

struct SearchSpace {
  std::vector<SearchKey> keys;

  /// The [space] keys with choices, in schema order. Throws cpnas::Error when none has any.
  static SearchSpace from_job(const Job& job);

  /// Throws cpnas::Error when `actions` does not fit the space (count or a choice out of range).
  void check(const Actions& actions) const;

  /// The job with every searched key set to its chosen value. Throws as check() does.
  Job apply(const Job& job, const Actions& actions) const;

  /// The space as text ("section.key=a,b,c" lines), stored in checkpoints to compare with.
  std::string describe() const;
};

}  // namespace cpnas
