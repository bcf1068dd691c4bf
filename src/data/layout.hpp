#pragma once
// The skeleton layouts cpnas knows, as data.

#include <string>
#include <vector>

#include "cpnas/skeleton.hpp"

namespace cpnas {

/// The layout called `name`; throws cpnas::Error listing the known ones otherwise.
const Skeleton& find_layout(const std::string& name);

/// Names of all layouts.
std::vector<std::string> layout_names();

}  // namespace cpnas
