// The `cpnas` executable: dispatches to a subcommand and turns errors into one line on stderr.

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <c10/util/Exception.h>

#include "cli/command.hpp"
#include "config.hpp"
#include "io/error.hpp"
#include "train/cpu_allocator.hpp"

namespace {

void print_usage(std::ostream& out) {
  out << "Usage: cpnas <command> [options]\n\n"
         "Neural architecture search for cerebral-palsy risk detection from infant skeleton\n"
         "sequences.\n\nCommands:\n";
  for (const auto& c : cpnas::cli::commands()) {
    out << "  " << c.name << std::string(12 - std::strlen(c.name), ' ') << c.summary << "\n";
  }
  out << "\nRun 'cpnas <command> --help' for the options of a command; 'cpnas --version'.\n";
}

// A quarter of physical memory, or CPNAS_CPU_CACHE_MB.
std::size_t cpu_cache_limit() {
  if (const char* mb = std::getenv("CPNAS_CPU_CACHE_MB"))
    return std::strtoull(mb, nullptr, 10) << 20;
  return static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / 4;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "cpnas " << CPNAS_VERSION << "\n";
    return 0;
  }
  try {
    cpnas::install_caching_cpu_allocator(cpu_cache_limit());
    for (const auto& c : cpnas::cli::commands()) {
      if (args[0] == c.name) return c.run({args.begin() + 1, args.end()});
    }
    throw cpnas::UsageError("unknown command '" + args[0] + "' (see cpnas --help)");
  } catch (const cpnas::UsageError& e) {
    std::cerr << "cpnas: error: " << e.what() << "\n";
    return 2;
  } catch (const c10::Error& e) {
    // LibTorch's what() carries a C++ backtrace; its message's first line is what a user needs.
    const std::string message = e.what_without_backtrace();
    std::cerr << "cpnas: error: " << message.substr(0, message.find('\n')) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "cpnas: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "cpnas: error: " << e.what() << "\n";
    return 1;
  }
}
