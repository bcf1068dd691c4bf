#include "io/log.hpp"

#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "io/error.hpp"

namespace cpnas {
namespace {

std::string current_pattern = "%+";  // spdlog's own until setup_logging() runs

}  // namespace

void setup_logging(const LogOptions& options) {
  const auto level = spdlog::level::from_str(options.level);
  // from_str maps anything unknown to "off", which would silently hide every message.
  if (level == spdlog::level::off && options.level != "off") {
    throw UsageError("--log-level '" + options.level +
                     "': expected trace, debug, info, warn, error or off");
  }
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (!options.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
    } catch (const spdlog::spdlog_ex& e) {
      throw Error("log file '" + options.file + "': " + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("cpnas", sinks.begin(), sinks.end());
  const std::string rank = options.rank >= 0 ? " [rank " + std::to_string(options.rank) + "]" : "";
  current_pattern = "[%Y-%m-%d %H:%M:%S.%e] [%^%l%$]" + rank + " %v";
  logger->set_pattern(current_pattern);
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::string& path) {
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    sink->set_pattern(current_pattern);
    spdlog::default_logger()->sinks().push_back(sink);
  } catch (const spdlog::spdlog_ex& e) {
    throw Error("log file '" + path + "': " + e.what());
  }
}

}  // namespace cpnas
