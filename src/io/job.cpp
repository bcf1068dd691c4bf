#include "io/job.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/error.hpp"
#include "io/job_schema.hpp"

namespace cpnas {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string known_keys(const std::string& section) {
  std::string keys;
  for (const auto& spec : job_schema()) {
    if (spec.section == section) keys += (keys.empty() ? "" : ", ") + spec.key;
  }
  return keys;
}

std::string known_sections() {
  std::string names;
  for (const auto& s : job_sections()) names += (names.empty() ? "" : ", ") + s;
  return names;
}

void check_section(const std::string& section, const std::string& origin) {
  for (const auto& s : job_sections()) {
    if (s == section) return;
  }
  throw Error(origin + ": unknown section [" + section + "] (sections: " + known_sections() + ")");
}

}  // namespace

Job::Job() {
  for (const auto& spec : job_schema()) {
    values_[spec.section][spec.key] = Entry{spec.default_value, "default"};
  }
}

void Job::set(const std::string& section, const std::string& key, const std::string& value,
              const std::string& origin) {
  check_section(section, origin);
  const KeySpec* spec = find_key_spec(section, key);
  if (!spec) {
    throw Error(origin + ": unknown key '" + key + "' in [" + section +
                "] (keys: " + known_keys(section) + ")");
  }
  if (auto reason = invalid_reason(*spec, value)) {
    throw Error(origin + ": [" + section + "] " + key + " = '" + value + "': " + *reason);
  }
  values_[section][key] = Entry{value, origin};
}

Job Job::parse(const std::string& text, const std::string& name) {
  Job job;
  job.file_ = name;
  std::istringstream in(text);
  std::string line;
  std::string section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string origin = name + ":" + std::to_string(number);
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') throw Error(origin + ": section header without closing ']'");
      section = trim(line.substr(1, line.size() - 2));
      check_section(section, origin);
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw Error(origin + ": expected 'key = value', got '" + line + "'");
    if (section.empty()) throw Error(origin + ": key before any [section]");
    std::string value = trim(line.substr(eq + 1));
    // Trailing comments are allowed after a value when set off by whitespace.
    for (const char* marker : {" #", "\t#", " ;", "\t;"}) {
      const auto at = value.find(marker);
      if (at != std::string::npos) value = trim(value.substr(0, at));
    }
    job.set(section, trim(line.substr(0, eq)), value, origin);
  }
  return job;
}

Job Job::load(const std::string& file, const std::vector<std::string>& overrides) {
  Job job;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw Error("job file '" + file + "': cannot open (" + std::strerror(errno) + ")");
    std::stringstream text;
    text << in.rdbuf();
    job = parse(text.str(), file);
  }
  for (const auto& option : overrides) job.apply_override(option);
  return job;
}

void Job::apply_override(const std::string& option) {
  const std::string origin = "command line option '" + option + "'";
  const auto eq = option.find('=');
  const auto dot = option.find('.');
  if (option.rfind("--", 0) != 0 || eq == std::string::npos || dot == std::string::npos ||
      dot > eq) {
    throw UsageError("unknown option '" + option + "' (job values are set as --section.key=value)");
  }
  try {
    set(option.substr(2, dot - 2), option.substr(dot + 1, eq - dot - 1), option.substr(eq + 1),
        origin + (file_.empty() ? "" : " (job file " + file_ + ")"));
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());  // a malformed command line: exit status 2
  }
}

const Job::Entry& Job::entry(const std::string& section, const std::string& key) const {
  const auto s = values_.find(section);
  if (s != values_.end()) {
    const auto k = s->second.find(key);
    if (k != s->second.end()) return k->second;
  }
  // Only code asks for keys, so a miss is a programming error, not a user error.
  throw std::logic_error("job key [" + section + "] " + key + " is not in the schema");
}

const std::string& Job::get(const std::string& section, const std::string& key) const {
  return entry(section, key).value;
}

int64_t Job::get_int(const std::string& section, const std::string& key) const {
  int64_t v = 0;
  if (!parse_integer(get(section, key), v)) {
    throw std::logic_error("[" + section + "] " + key + " is not an integer after validation");
  }
  return v;
}

double Job::get_real(const std::string& section, const std::string& key) const {
  double v = 0;
  if (!parse_real(get(section, key), v)) {
    throw std::logic_error("[" + section + "] " + key + " is not a number after validation");
  }
  return v;
}

bool Job::get_bool(const std::string& section, const std::string& key) const {
  return get(section, key) == "true";
}

std::vector<std::string> Job::get_list(const std::string& section, const std::string& key) const {
  return split_list(get(section, key));
}

const std::string& Job::origin(const std::string& section, const std::string& key) const {
  return entry(section, key).origin;
}

std::string Job::to_ini() const {
  std::ostringstream out;
  for (const auto& section : job_sections()) {
    out << "[" << section << "]\n";
    for (const auto& spec : job_schema()) {
      if (spec.section == section) out << spec.key << " = " << get(section, spec.key) << "\n";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace cpnas
