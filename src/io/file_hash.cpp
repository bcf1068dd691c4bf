#include "io/file_hash.hpp"

#include <cstdint>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "io/error.hpp"

namespace cpnas {

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("'" + path + "': cannot read it");
  uint64_t h = 14695981039346656037ull;
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h = (h ^ static_cast<unsigned char>(buffer[static_cast<std::size_t>(i)])) * 1099511628211ull;
    }
  }
  if (in.bad()) throw Error("'" + path + "': cannot read it");
  return fmt::format("{:016x}", h);
}

}  // namespace cpnas
