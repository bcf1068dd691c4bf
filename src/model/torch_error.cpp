#include "model/torch_error.hpp"

#include <c10/util/Exception.h>

#include <new>

namespace cpnas {

std::string one_line(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = torch_error ? torch_error->what_without_backtrace() : e.what();
  // Context that LibTorch adds to a message comes on lines of its own: keep it, joined.
  std::string out;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
      out += (out.empty() ? "" : "; ") + line;
    }
    at = end + 1;
  }
  return out;
}

bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) || dynamic_cast<const std::bad_alloc*>(&e)) {
    return true;
  }
  // LibTorch's default CPU allocator throws a plain c10::Error: "can't allocate memory" on 1.13,
  // "not enough memory" on 2.x.
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  if (!torch_error) return false;
  const std::string text = torch_error->what_without_backtrace();
  return text.find("DefaultCPUAllocator: can't allocate") != std::string::npos ||
         text.find("DefaultCPUAllocator: not enough memory") != std::string::npos;
}

}  // namespace cpnas
