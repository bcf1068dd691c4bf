#pragma once
// Just enough PNG decoding to look at a browser screenshot: 8-bit RGB or RGBA, not interlaced.

#include <cstdint>
#include <string>
#include <vector>

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  ///< width x height x 3
};

/// Throws std::runtime_error naming the file for anything else.
Image read_png(const std::string& path);
