#include "train/stop.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

std::atomic<bool> requested{false};

extern "C" void on_stop_signal(int) {
  requested.store(true);
}

}  // namespace

void install_stop_handlers(int preemption_signal) {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(preemption_signal, &action, nullptr);
}

bool stop_requested() {
  return requested.load();
}

void request_stop() {
  requested.store(true);
}

void clear_stop_request() {
  requested.store(false);
}

void record_stop(const std::string& path) {
  write_text_atomically(path, [](std::ostream& out) {
    out << "stopped on request with a checkpoint (exit status " << kExitInterrupted << ")\n";
  });
}

void clear_stop_record(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec)
    throw Error("'" + path + "': cannot remove the stop record of an earlier run: " + ec.message());
}

}  // namespace cpnas
