#include "data/split.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "io/error.hpp"

namespace cpnas {

SplitFractions parse_split_fractions(const std::string& text, const std::string& option) {
  std::stringstream in(text);
  std::string cell;
  std::vector<double> shares;
  const std::string expected =
      option + " '" + text + "': expected train:val:test shares, e.g. 60:15:25";
  while (std::getline(in, cell, ':')) {
    char* end = nullptr;
    const double share = std::strtod(cell.c_str(), &end);
    if (cell.empty() || end != cell.c_str() + cell.size() || !(share >= 0) ||
        !std::isfinite(share)) {
      throw Error(expected);
    }
    shares.push_back(share);
  }
  if (shares.size() != 3 || !(shares[0] > 0)) throw Error(expected + " (train above 0)");
  const double total = shares[0] + shares[1] + shares[2];
  return {shares[2] / total, shares[1] / (shares[0] + shares[1])};
}

std::string split_fractions_text(const SplitFractions& f) {
  const double val = (1 - f.test) * f.val;
  return fmt::format("{:.3f}:{:.3f}:{:.3f}", 1 - f.test - val, val, f.test);
}

std::vector<std::string> stratified_splits(const std::vector<int8_t>& labels,
                                           const SplitFractions& fractions, std::mt19937_64& rng) {
  std::vector<std::string> splits(labels.size());
  for (const int8_t label : {0, 1, -1}) {
    std::vector<int64_t> members;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == label) members.push_back(static_cast<int64_t>(i));
    }
    std::shuffle(members.begin(), members.end(), rng);
    const auto n = static_cast<int64_t>(members.size());
    const int64_t test = std::llround(n * fractions.test);
    const int64_t val = std::llround((n - test) * fractions.val);
    for (int64_t k = 0; k < n; ++k) {
      splits[members[k]] = k < test ? "test" : k < test + val ? "val" : "train";
    }
  }
  return splits;
}

}  // namespace cpnas
