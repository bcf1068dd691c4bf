#pragma once
// The skeleton layouts cpnas knows, as data.

#include <string>
#include <vector>

#include "cpnas/skeleton.hpp"

namespace cpnas {

/// The layout called `name`; throws cpnas::Error listing the known ones otherwise.
const Skeleton& find_layout(const std::string& name);

/// Names of `layout`'s body parts, in the order of its `parts`, for people to read ("left arm").
std::vector<std::string> part_names(const Skeleton& layout);

/// Names of all layouts.
std::vector<std::string> layout_names();

}  // namespace cpnas
