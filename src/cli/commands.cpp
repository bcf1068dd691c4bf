#include "cli/command.hpp"

namespace cpnas::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all{
      {"profile", "parameters and MACs of a job's student network", run_profile},
      {"plugins", "list the loaded block, attention and feature plugins", run_plugins},
  };
  return all;
}

}  // namespace cpnas::cli
