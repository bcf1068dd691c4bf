#pragma once
// Command-line parsing shared by every subcommand: the common options (--help, --log-level,
// --log-file, --plugin-path, --json, and --job with --section.key=value overrides for commands
// that take a job).

#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <boost/program_options.hpp>

#include "io/job.hpp"

namespace cpnas {
class PluginRegistry;
}

namespace cpnas::cli {

namespace po = boost::program_options;

/// A real-valued option whose default shows as the shortest text that reads back as the same
/// value (0.15, not 0.14999999999999999).
po::typed_value<double>* real_value(double* target);

class CommandLine {
 public:
  /// `usage` is the synopsis after "cpnas", e.g. "plugins [options]".
  CommandLine(std::string usage, std::string description, bool takes_job);

  /// Options of this command, to add to before parse().
  po::options_description& options() { return own_; }
  /// Adds --device (cpu, cuda, cuda:N, auto) for commands that run a network.
  void add_device_option();
  /// The --device given; `local_rank` picks the GPU for "cuda" and "auto" in an MPI job.
  c10::Device device(int local_rank = 0) const;

  /// Declares positional arguments (in order) that must also be declared in options().
  void positional(const std::string& name, int count) { positional_.add(name.c_str(), count); }

  /// Parses, prints help and returns false when --help was given, sets up logging otherwise.
  /// Throws UsageError for unknown options or bad values.
  bool parse(const std::vector<std::string>& args);

  const po::variables_map& values() const { return values_; }
  bool json() const { return json_; }

  /// The job (job file merged with overrides). Only for commands constructed with takes_job.
  Job job() const;
  /// Loads the plugins along the search path (--plugin-path, CPNAS_PLUGIN_PATH, install dir).
  PluginRegistry plugins() const;

 private:
  std::string usage_, description_;
  bool takes_job_;
  po::options_description own_{"Options"};
  po::positional_options_description positional_;
  po::variables_map values_;
  bool json_ = false;
  std::string log_level_ = "info", log_file_, job_file_, device_ = "auto";
  std::vector<std::string> plugin_paths_, overrides_;
};

/// Throws UsageError unless lo <= value <= hi (NaN and infinities never are), naming `option`.
void require_in_range(const std::string& option, double value, double lo, double hi);

/// Throws UsageError when the file `output` would be written over the input `input` (the same
/// path, or a link to it): an output must never destroy what it was computed from.
void refuse_same_file(const std::string& output, const std::string& output_option,
                      const std::string& input, const std::string& input_option);

}  // namespace cpnas::cli
