#pragma once
// search.h5, the checkpoint of a search: the resolved job and the search space as text (to refuse
// a resume with another job), and the state as one JSON document (exact doubles, readable with
// `h5dump -d state`). Written atomically after every finished student and every update.

#include <string>

#include "search/history.hpp"

namespace cpnas {

void save_search(const std::string& path, const SearchState& state);

/// Throws cpnas::Error naming the file for a missing, non-HDF5, foreign or damaged checkpoint.
SearchState load_search(const std::string& path);

/// The first [section] key whose value differs between two resolved jobs, ignoring those a
/// resume may change (budget, max_iterations, preemption signal); empty when none.
std::string first_job_difference(const std::string& checkpoint_job, const std::string& job);

}  // namespace cpnas
