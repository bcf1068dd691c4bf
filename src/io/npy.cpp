#include "io/npy.hpp"

#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <regex>

#include "io/error.hpp"

namespace cpnas {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLength = 6;
// Arrays beyond this are refused before any allocation: 2^40 values is no skeleton cohort, and
// a damaged header must not become an attempt to allocate it.
constexpr int64_t kMaxValues = int64_t{1} << 40;

// The value of `key` in the header's Python dict literal, e.g. "'<f4'" or "(3, 2, 100)".
std::string header_value(const std::string& header, const std::string& key,
                         const std::string& path) {
  const std::regex pattern("['\"]" + key +
                           "['\"]\\s*:\\s*(\\([^)]*\\)|'[^']*'|\"[^\"]*\"|\\[|\\w+)");
  std::smatch m;
  if (!std::regex_search(header, m, pattern)) {
    throw Error("'" + path + "': the .npy header has no '" + key + "'");
  }
  return m[1].str();
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& path) {
  std::vector<int64_t> shape;
  const std::regex number("\\d+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
       it != std::sregex_iterator(); ++it) {
    if (it->str().size() > 15) throw Error("'" + path + "': .npy shape is implausibly large");
    shape.push_back(std::stoll(it->str()));
  }
  if (text.find_first_not_of("(), 0123456789") != std::string::npos) {
    throw Error("'" + path + "': the .npy shape " + text + " is not a tuple of sizes");
  }
  return shape;
}

template <typename T>
T little_endian(const unsigned char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // x86 and aarch64 Linux are little-endian, as .npy is here
  return value;
}

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

// Bytes per value and a decoder into `array`, for the dtypes cpnas reads.
struct Decoder {
  size_t bytes = 0;
  std::function<void(const unsigned char*, NpyArray&)> append;
};

template <typename T>
Decoder integer_decoder() {
  return {sizeof(T), [](const unsigned char* p, NpyArray& a) {
            a.integers.push_back(static_cast<int64_t>(little_endian<T>(p)));
          }};
}

Decoder decoder_for(const std::string& dtype, const std::string& path) {
  const std::string supported =
      " (cpnas reads '<f4', '<f8', integers, booleans, '<U' and '|S' strings)";
  const char kind = dtype.size() > 1 ? dtype[1] : '?';
  if (kind == 'O') {
    throw Error("'" + path +
                "': holds pickled Python objects (dtype '|O'), which cpnas does not unpickle; "
                "save it with a fixed dtype, e.g. np.save(f, a.astype(str))");
  }
  if (dtype.size() < 3)
    throw Error("'" + path + "': unknown .npy dtype '" + dtype + "'" + supported);
  const char order = dtype[0];
  const std::string size_text = dtype.substr(2);
  if (size_text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("'" + path + "': unknown .npy dtype '" + dtype + "'" + supported);
  }
  if (size_text.size() > 6)
    throw Error("'" + path + "': .npy dtype '" + dtype + "' is implausibly wide");
  const size_t size = std::stoul(size_text);
  if (order == '>' && size > 1) {
    throw Error("'" + path + "': big-endian dtype '" + dtype +
                "'; save it little-endian, e.g. a.astype('<" + dtype.substr(1) + "')");
  }
  if (order != '<' && order != '|' && order != '=' && order != '>') {
    throw Error("'" + path + "': unknown .npy dtype '" + dtype + "'" + supported);
  }
  if (kind == 'U') {
    return {4 * size, [size](const unsigned char* p, NpyArray& a) {
              std::string s;
              for (size_t i = 0; i < size; ++i) {
                const auto c = little_endian<char32_t>(p + 4 * i);
                if (c == 0) break;
                s += utf8(c);
              }
              a.strings.push_back(std::move(s));
            }};
  }
  if (kind == 'S') {
    return {size, [size](const unsigned char* p, NpyArray& a) {
              a.strings.emplace_back(reinterpret_cast<const char*>(p),
                                     strnlen(reinterpret_cast<const char*>(p), size));
            }};
  }
  if (kind == 'f' && size == 4) {
    return {4, [](const unsigned char* p, NpyArray& a) {
              a.floats.push_back(little_endian<float>(p));
            }};
  }
  if (kind == 'f' && size == 8) {
    return {8, [](const unsigned char* p, NpyArray& a) {
              a.floats.push_back(static_cast<float>(little_endian<double>(p)));
            }};
  }
  if (kind == 'b' && size == 1) return integer_decoder<uint8_t>();
  if (kind == 'i' && size == 1) return integer_decoder<int8_t>();
  if (kind == 'i' && size == 2) return integer_decoder<int16_t>();
  if (kind == 'i' && size == 4) return integer_decoder<int32_t>();
  if (kind == 'i' && size == 8) return integer_decoder<int64_t>();
  if (kind == 'u' && size == 1) return integer_decoder<uint8_t>();
  if (kind == 'u' && size == 2) return integer_decoder<uint16_t>();
  if (kind == 'u' && size == 4) return integer_decoder<uint32_t>();
  if (kind == 'u' && size == 8) return integer_decoder<uint64_t>();
  throw Error("'" + path + "': .npy dtype '" + dtype + "' is not supported" + supported);
}

}  // namespace

int64_t NpyArray::size() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("'" + path + "': cannot open");
  unsigned char lead[kMagicLength + 2] = {};
  if (!in.read(reinterpret_cast<char*>(lead), sizeof lead) ||
      std::memcmp(lead, kMagic, kMagicLength) != 0) {
    throw Error("'" + path + "': not a .npy file (no \\x93NUMPY magic)");
  }
  const int major = lead[kMagicLength];
  size_t header_length = 0;
  if (major == 1) {
    unsigned char n[2];
    in.read(reinterpret_cast<char*>(n), 2);
    header_length = little_endian<uint16_t>(n);
  } else if (major == 2) {
    unsigned char n[4];
    in.read(reinterpret_cast<char*>(n), 4);
    header_length = little_endian<uint32_t>(n);
  } else {
    throw Error("'" + path + "': .npy format version " + std::to_string(major) +
                " (cpnas reads versions 1 and 2)");
  }
  std::string header(header_length, '\0');
  if (!in || !in.read(header.data(), static_cast<std::streamsize>(header_length))) {
    throw Error("'" + path + "': truncated .npy header");
  }
  NpyArray array;
  const std::string descr = header_value(header, "descr", path);
  if (descr == "[") {
    throw Error("'" + path + "': a structured dtype (record array); cpnas reads plain arrays");
  }
  array.dtype = descr.substr(1, descr.size() - 2);
  if (header_value(header, "fortran_order", path) != "False") {
    throw Error("'" + path +
                "': stored in Fortran order; save it in C order, e.g. "
                "np.save(f, np.ascontiguousarray(a))");
  }
  array.shape = parse_shape(header_value(header, "shape", path), path);
  int64_t count = 1;  // multiplied with a bound at each step: a damaged shape must not overflow
  for (const int64_t s : array.shape) {
    if (s > kMaxValues || (s > 0 && count > kMaxValues / s)) {
      throw Error("'" + path + "': .npy shape is implausibly large");
    }
    count *= s;
  }
  const Decoder decode = decoder_for(array.dtype, path);
  const auto data_start = in.tellg();
  in.seekg(0, std::ios::end);
  const auto available = static_cast<int64_t>(in.tellg() - data_start);
  const auto needed = count * static_cast<int64_t>(decode.bytes);
  if (available != needed) {
    throw Error("'" + path + "': " + std::to_string(available) +
                " bytes of data, the header's shape and dtype need " + std::to_string(needed) +
                (available < needed ? " (truncated)" : ""));
  }
  in.seekg(data_start);
  if (array.dtype.substr(1) == "f4") {  // the bulk of a cohort: read in place, not per value
    array.floats.resize(count);
    if (!in.read(reinterpret_cast<char*>(array.floats.data()), needed)) {
      throw Error("'" + path + "': read error in the .npy data");
    }
    return array;
  }
  constexpr int64_t kChunkValues = 1 << 16;
  std::vector<unsigned char> chunk;
  for (int64_t done = 0; done < count; done += kChunkValues) {
    const int64_t n = std::min(kChunkValues, count - done);
    chunk.resize(n * decode.bytes);
    if (!in.read(reinterpret_cast<char*>(chunk.data()),
                 static_cast<std::streamsize>(chunk.size()))) {
      throw Error("'" + path + "': read error in the .npy data");
    }
    for (int64_t i = 0; i < n; ++i) decode.append(chunk.data() + i * decode.bytes, array);
  }
  return array;
}

}  // namespace cpnas
