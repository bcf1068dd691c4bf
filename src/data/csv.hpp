#pragma once
// The small CSV dialect of pose files and manifests: comma-separated, no quoting, cells trimmed.

#include <string>
#include <vector>

namespace cpnas {

/// The cells of one line, trimmed of spaces, tabs and a trailing CR; a trailing comma gives an
/// empty last cell.
std::vector<std::string> split_csv_line(const std::string& line);

/// A number cell: empty, "nan", "NaN" and "NA" are NaN. Throws cpnas::Error "<where>: '<cell>' is
/// not a number" otherwise.
float parse_cell(const std::string& cell, const std::string& where);

/// True for a line of only spaces, tabs and CR (skipped where rows are read).
bool blank_line(const std::string& line);

}  // namespace cpnas
