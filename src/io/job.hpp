#pragma once
// A job: the INI job file merged with --section.key=value overrides from the command line, every
// value checked against the schema, every absent key at its default.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cpnas {

class Job {
 public:
  /// Defaults only.
  Job();

  /// Reads `file` (may be empty for defaults only), then applies `overrides` of the form
  /// "--section.key=value". Throws cpnas::Error naming the file and line, or the option.
  static Job load(const std::string& file, const std::vector<std::string>& overrides = {});

  /// Parses INI text; `name` is used in error messages in place of a file name.
  static Job parse(const std::string& text, const std::string& name);

  /// Sets a value after checking it; `origin` says where it came from, for messages.
  void set(const std::string& section, const std::string& key, const std::string& value,
           const std::string& origin);

  const std::string& get(const std::string& section, const std::string& key) const;
  int64_t get_int(const std::string& section, const std::string& key) const;
  double get_real(const std::string& section, const std::string& key) const;
  bool get_bool(const std::string& section, const std::string& key) const;
  std::vector<std::string> get_list(const std::string& section, const std::string& key) const;

  /// Where a value came from: "file.ini:12", "command line" or "default".
  const std::string& origin(const std::string& section, const std::string& key) const;

  /// The resolved job as INI text (every key, with its value), loadable again.
  std::string to_ini() const;

  /// The job file this was read from (empty for defaults).
  const std::string& file() const { return file_; }

 private:
  struct Entry {
    std::string value;
    std::string origin;
  };
  const Entry& entry(const std::string& section, const std::string& key) const;
  void apply_override(const std::string& option);

  std::map<std::string, std::map<std::string, Entry>> values_;
  std::string file_;
};

}  // namespace cpnas
