#pragma once
// Deterministic random streams for the search: every draw derives from (job seed, stream, index),
// so a student's choices and weights do not depend on the number of ranks, on which rank trained
// it, or on whether the search was resumed in between.

#include <cstdint>

namespace cpnas {

/// Streams of derive_seed(): one per purpose, so that no two purposes share numbers.
enum class Stream : uint64_t { sample = 1, replay = 2, student = 3, argmax = 4 };

/// A seed for item `index` of `stream` of a search seeded with `seed`.
uint64_t derive_seed(uint64_t seed, Stream stream, uint64_t index);

/// SplitMix64: small, fast, and the same numbers on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Uniform integer in [0, n).
  uint64_t below(uint64_t n);

 private:
  uint64_t state_;
};

}  // namespace cpnas
