#pragma once
// What LibTorch's exceptions mean to a user: one line, and whether memory ran out.

#include <exception>
#include <string>

namespace cpnas {

/// The exception's message as one line. LibTorch's `c10::Error::what()` carries a C++ backtrace
/// (nine lines on 1.13) that would otherwise reach stderr and students.csv.
std::string one_line(const std::exception& e);

/// Out of memory on any device: `c10::OutOfMemoryError` and `std::bad_alloc` by type, and the
/// CPU allocator's failure, which LibTorch raises as a plain `c10::Error`.
bool is_out_of_memory(const std::exception& e);

}  // namespace cpnas
