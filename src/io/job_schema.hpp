#pragma once
// Every key a job file may hold: its section, type, range and default. A key that is not here
// does not exist, and a job naming it is refused.

#include <optional>
#include <string>
#include <vector>

namespace cpnas {

enum class ValueType { integer, real, boolean, text, choice, list };

struct KeySpec {
  std::string section;
  std::string key;
  ValueType type = ValueType::text;
  std::string default_value;
  std::string help;
  double min = 0, max = 0;  ///< inclusive range for integer and real (ignored when min > max)
  bool min_exclusive = false;
  bool odd = false;                  ///< integers that must be odd (temporal windows)
  std::vector<std::string> choices;  ///< for choice, and for each element of a list when set
  /// For lists of choices of another key ([space]): the section whose same-named key every
  /// element must be valid for.
  std::string element_section;
};

/// All keys, in the order they are documented and written back.
const std::vector<KeySpec>& job_schema();

/// The sections that exist, in order.
std::vector<std::string> job_sections();

/// The spec of section.key, or nullptr.
const KeySpec* find_key_spec(const std::string& section, const std::string& key);

/// Why `text` is not a valid value for `spec`, or nothing when it is.
/// The one reading of job values, for validation and use alike: a decimal integer (optional '-',
/// digits; no hex, no fraction, no exponent) and a finite decimal number.
bool parse_integer(const std::string& text, int64_t& out);
bool parse_real(const std::string& text, double& out);

std::optional<std::string> invalid_reason(const KeySpec& spec, const std::string& text);

/// Splits a comma-separated list, trimming blanks around each element.
std::vector<std::string> split_list(const std::string& text);

}  // namespace cpnas
