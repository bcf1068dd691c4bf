#include "cli/command.hpp"

namespace cpnas::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all{
      {"plugins", "list the loaded block, attention and feature plugins", run_plugins},
  };
  return all;
}

}  // namespace cpnas::cli
