#include "data/csv.hpp"

#include <cmath>
#include <sstream>

#include "io/error.hpp"

namespace cpnas {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) {
    cell.erase(0, cell.find_first_not_of(" \t\r"));
    cell.erase(cell.find_last_not_of(" \t\r") + 1);
    cells.push_back(cell);
  }
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

float parse_cell(const std::string& cell, const std::string& where) {
  if (cell.empty() || cell == "nan" || cell == "NaN" || cell == "NA") return NAN;
  char* end = nullptr;
  const float value = std::strtof(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size()) throw Error(where + ": '" + cell + "' is not a number");
  return value;
}

bool blank_line(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace cpnas
