#include "cli/options.hpp"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "io/allocation.hpp"
#include "io/error.hpp"
#include "io/log.hpp"
#include "plugin/loader.hpp"
#include "train/device.hpp"

namespace cpnas::cli {

po::typed_value<double>* real_value(double* target) {
  return po::value(target)->default_value(*target, fmt::format("{}", *target));
}

CommandLine::CommandLine(std::string usage, std::string description, bool takes_job)
    : usage_(std::move(usage)), description_(std::move(description)), takes_job_(takes_job) {}

bool CommandLine::parse(const std::vector<std::string>& args) {
  po::options_description common("Common options");
  common.add_options()("help,h", "show this help and exit")(
      "log-level", po::value(&log_level_)->default_value("info"),
      "trace, debug, info, warn, error or off")("log-file", po::value(&log_file_),
                                                "also append the log to this file")(
      "plugin-path", po::value(&plugin_paths_)->composing(),
      "directory or .so to load plugins from, searched before CPNAS_PLUGIN_PATH and the "
      "install directory (repeatable, ':'-separated)")("json", po::bool_switch(&json_),
                                                       "print machine-readable JSON");
  if (takes_job_) {
    common.add_options()("job", po::value(&job_file_),
                         "job file (INI); any value can be overridden as --section.key=value");
  }
  po::options_description all;
  all.add(own_).add(common);

  try {
    auto parsed = po::command_line_parser(args)
                      .options(all)
                      .positional(positional_)
                      .allow_unregistered()
                      .run();
    po::store(parsed, values_);
    if (values_.count("help")) {
      std::cout << "Usage: cpnas " << usage_ << "\n\n" << description_ << "\n\n";
      if (!own_.options().empty()) std::cout << own_ << "\n";
      std::cout << common;
      if (takes_job_) {
        std::cout << "\nJob values: --section.key=value overrides the job file, e.g. "
                     "--arch.init_channels=32\n";
      }
      return false;
    }
    po::notify(values_);
    for (const auto& token : po::collect_unrecognized(parsed.options, po::exclude_positional)) {
      const bool job_value = token.rfind("--", 0) == 0 && token.find('.') != std::string::npos;
      if (!takes_job_ || !job_value) {
        throw UsageError("unknown option or argument '" + token + "' (see cpnas " +
                         usage_.substr(0, usage_.find(' ')) + " --help)");
      }
      overrides_.push_back(token);
    }
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  setup_logging(LogOptions{log_level_, log_file_, launcher_rank()});
  if (values_.count("device")) device();  // a device that is not there fails before any work
  return true;
}

Job CommandLine::job() const {
  return Job::load(job_file_, overrides_);
}

PluginRegistry CommandLine::plugins() const {
  return load_plugins(plugin_search_path(plugin_paths_));
}

void CommandLine::add_device_option() {
  own_.add_options()("device", po::value(&device_)->default_value(device_),
                     "cpu, cuda, cuda:N or auto (a GPU when one is visible, else the CPU)");
}

torch::Device CommandLine::device(int local_rank) const {
  return parse_device(device_, local_rank);
}

void require_in_range(const std::string& option, double value, double lo, double hi) {
  if (value >= lo && value <= hi) return;
  throw UsageError(fmt::format("--{} {}: expected a number in [{}, {}]", option, value, lo, hi));
}

void refuse_same_file(const std::string& output, const std::string& output_option,
                      const std::string& input, const std::string& input_option) {
  if (output.empty() || input.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool same = fs::exists(output, ec) && fs::exists(input, ec)
                        ? fs::equivalent(output, input, ec)
                        : fs::weakly_canonical(output, ec) == fs::weakly_canonical(input, ec);
  if (same) {
    throw UsageError(output_option + " '" + output + "' is the " + input_option +
                     " file: writing it would destroy the input");
  }
}

}  // namespace cpnas::cli
