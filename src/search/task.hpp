#pragma once
// What rank 0 sends a worker (a student to train) and what comes back, as JSON messages.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "search/history.hpp"

namespace cpnas {

struct Task {
  bool argmax = false;  ///< the long training of an iteration's argmax student
  int64_t id = 0;       ///< student id, or the argmax's update number
  Actions actions;
  int64_t epochs = 0;
  uint64_t seed = 0;
  std::string model;  ///< argmax: model file to write, with its training checkpoint next to it
};

struct Outcome {
  bool argmax = false;
  int64_t id = 0;
  bool interrupted = false;  ///< stopped on request; to be trained again after a resume
  StudentRecord record;      ///< status, message, metrics, epochs, params, macs, seconds, rank
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Task, argmax, id, actions, epochs, seed, model)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Outcome, argmax, id, interrupted, record)

}  // namespace cpnas
