#include "io/file_hash.hpp"

#include <cstdint>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "io/error.hpp"

namespace cpnas {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;

uint64_t fnv1a(uint64_t h, const char* bytes, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    h = (h ^ static_cast<unsigned char>(bytes[i])) * 1099511628211ull;
  return h;
}

}  // namespace

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("'" + path + "': cannot read it");
  uint64_t h = kFnvOffset;
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    h = fnv1a(h, buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error("'" + path + "': cannot read it");
  return fmt::format("{:016x}", h);
}

std::string text_hash(const std::string& text) {
  return fmt::format("{:016x}", fnv1a(kFnvOffset, text.data(), text.size()));
}

}  // namespace cpnas
