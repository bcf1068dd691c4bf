#pragma once
// Reading NumPy's .npy files, the format the paper's published code keeps its data in.

#include <cstdint>
#include <string>
#include <vector>

namespace cpnas {

/// One array of a .npy file, C order. Exactly one of the value vectors is filled, by dtype:
/// floats for '<f4'/'<f8', integers for signed/unsigned integers and booleans, strings for
/// '<U' (UTF-32, returned as UTF-8) and '|S' (bytes), trailing NULs removed.
struct NpyArray {
  std::string dtype;  ///< the header's descr, e.g. "<f4"
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> integers;
  std::vector<std::string> strings;

  int64_t size() const;
};

/// Reads format versions 1 and 2, little-endian, C order. Anything else (Fortran order,
/// big-endian, pickled Python objects, structured dtypes, a truncated file) throws cpnas::Error
/// "'<path>': <problem>".
NpyArray read_npy(const std::string& path);

}  // namespace cpnas
