#include "cli/set_up.hpp"

#include "io/error.hpp"
#include "model/torch_error.hpp"

namespace cpnas::cli {

bool set_up_together(const World& world, const std::function<void()>& setup) {
  std::string error;
  bool usage = false;
  try {
    setup();
  } catch (const UsageError& e) {
    error = e.what();
    usage = true;
  } catch (const std::exception& e) {
    error = one_line(e);
  }
  const std::string agreed = world.agree(error);
  if (agreed.empty()) return true;
  if (world.rank() != 0) return false;
  if (usage) throw UsageError(agreed);
  throw Error(agreed);
}

}  // namespace cpnas::cli
