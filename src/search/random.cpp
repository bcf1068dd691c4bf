#include "search/random.hpp"

namespace cpnas {

uint64_t derive_seed(uint64_t seed, Stream stream, uint64_t index) {
  Rng rng(seed ^ (static_cast<uint64_t>(stream) * 0xD1B54A32D192ED03ull));
  rng.next();
  Rng mixed(rng.next() ^ (index * 0x9E3779B97F4A7C15ull));
  return mixed.next();
}

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

uint64_t Rng::below(uint64_t n) {
  return static_cast<uint64_t>(uniform() * static_cast<double>(n));
}

}  // namespace cpnas
