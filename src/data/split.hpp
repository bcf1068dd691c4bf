#pragma once
// Assigning recordings to train, val and test, stratified by label, as `cpnas synth` and
// `cpnas import --split-auto` do.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cpnas {

struct SplitFractions {
  double test = 139.0 / 557.0;  ///< the paper's 139 test infants of 557
  double val = 0.2;             ///< of the recordings not in test
};

/// Parses "train:val:test" shares (any positive scale, e.g. 60:15:25 or 0.6:0.15:0.25; val and
/// test may be 0, train may not). Throws cpnas::Error naming `option`.
SplitFractions parse_split_fractions(const std::string& text, const std::string& option);

/// "train:val:test" with three decimals, the form parse_split_fractions reads.
std::string split_fractions_text(const SplitFractions& fractions);

/// Splits for recordings with `labels` (1, 0 or -1): each label's recordings are shuffled with
/// `rng` and the first round(n * test) go to test, a `val` share of the rest (rounded) to val,
/// the others to train, so each split's CP share is the whole's within one recording.
std::vector<std::string> stratified_splits(const std::vector<int8_t>& labels,
                                           const SplitFractions& fractions, std::mt19937_64& rng);

}  // namespace cpnas
