// The `cpnas` executable: dispatches to a subcommand and turns errors into one line on stderr.

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "config.hpp"
#include "io/allocation.hpp"
#include "io/error.hpp"
#include "model/torch_error.hpp"
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
    cpnas::install_caching_cpu_allocator(cpnas::Allocation::from_environment().cpu_cache_limit());
    for (const auto& c : cpnas::cli::commands()) {
      if (args[0] == c.name) return c.run({args.begin() + 1, args.end()});
    }
    throw cpnas::UsageError("unknown command '" + args[0] + "' (see cpnas --help)");
  } catch (const cpnas::UsageError& e) {
    std::cerr << "cpnas: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cpnas: error: " << (cpnas::is_out_of_memory(e) ? "out of memory: " : "")
              << cpnas::one_line(e) << "\n";
    return 1;
  }
}
