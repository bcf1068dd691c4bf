#pragma once
// Process-wide logging: timestamps, level, and the MPI rank when the process is part of a job.

#include <string>

namespace cpnas {

struct LogOptions {
  std::string level = "info";  ///< trace, debug, info, warn, error, off
  std::string file;            ///< also append to this file when not empty
  int rank = -1;               ///< MPI rank to show, -1 outside a job
};

/// Replaces the default spdlog logger. Throws cpnas::Error for an unknown level or a log file
/// that cannot be opened.
void setup_logging(const LogOptions& options);

/// Also appends every message to `path` from now on (a rank's log in a run directory).
void add_log_file(const std::string& path);

}  // namespace cpnas
