#pragma once
// The set-up of a command that runs on several MPI ranks: every rank's problem stops all of them
// together, before their first collective step, and only rank 0 reports it.

#include <functional>

#include "dist/world.hpp"

namespace cpnas::cli {

/// Runs `setup` on this rank and agrees with the others on its outcome (collective). Returns true
/// when every rank succeeded. After a failure, rank 0 throws the lowest failing rank's error (a
/// UsageError when its own error was one) and the other ranks get false, to leave quietly with
/// status 1.
bool set_up_together(const World& world, const std::function<void()>& setup);

}  // namespace cpnas::cli
