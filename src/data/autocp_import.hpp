#pragma once
// Importing the data folder of the paper's published code (AutoCP): for each file set,
// `<set>_coords.npy` [N, 2, T, V] (NaN after each recording's end), `<set>_labels.npy` [N] and
// `<set>_ids.npy` [N]. Those arrays are already preprocessed and go into the cohort as they are.

#include <map>
#include <string>

#include "data/cohort.hpp"

namespace cpnas {

/// The published configuration's file sets (config/config_cp.yaml, cp29).
std::map<std::string, std::string> autocp_default_sets();

/// Parses "train=val13456,val=val27,test=test" into split -> file set; every split at most once,
/// train required. Throws cpnas::Error naming `option`.
std::map<std::string, std::string> parse_autocp_sets(const std::string& text,
                                                     const std::string& option);

/// Reads `dir`'s file sets into one cohort, in the layout whose joint count is V. The arrays are
/// at `fps`; other rates than 30 are resampled to the cohort's 30 Hz (nothing else changes). A
/// recording's length is one past its last frame with an observed coordinate (frames before it
/// that are NaN stay missing). Throws cpnas::Error "'<file>': <problem>".
Cohort import_autocp(const std::string& dir, const std::map<std::string, std::string>& sets,
                     double fps);

}  // namespace cpnas
