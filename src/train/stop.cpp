#include "train/stop.hpp"

#include <atomic>
#include <csignal>

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

}  // namespace cpnas
