#pragma once
// What a search has done: every student and argmax training with its outcome, the controller and
// replay state, the policy after every update. Everything a resume needs, as one value.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/error.hpp"
#include "search/space.hpp"

namespace cpnas {

/// Where a student, or an argmax training, stands. search.h5 and students.csv hold its name.
enum class StudentStatus { pending, running, ok, failed, diverged };

inline std::string status_name(StudentStatus status) {
  switch (status) {
    case StudentStatus::pending:
      return "pending";
    case StudentStatus::running:
      return "running";
    case StudentStatus::ok:
      return "ok";
    case StudentStatus::failed:
      return "failed";
    case StudentStatus::diverged:
      return "diverged";
  }
  return "status " + std::to_string(static_cast<int>(status));
}

inline void to_json(nlohmann::json& j, StudentStatus status) {
  j = status_name(status);
}

// A name no status has is refused, never read as pending (nlohmann's enum mapping would).
inline void from_json(const nlohmann::json& j, StudentStatus& status) {
  const std::string name = j.get<std::string>();
  for (auto s : {StudentStatus::pending, StudentStatus::running, StudentStatus::ok,
                 StudentStatus::failed, StudentStatus::diverged}) {
    if (status_name(s) == name) {
      status = s;
      return;
    }
  }
  throw Error("unknown student status '" + name + "'");
}

/// A student of an iteration, or the long training of an iteration's argmax student.
struct StudentRecord {
  int64_t id = 0;  ///< student id; for an argmax training, the update's number (from 1)
  int64_t iteration = 0;
  Actions actions;
  StudentStatus status = StudentStatus::pending;
  std::string message;  ///< why it failed or diverged
  double val_auc = -1, val_accuracy = -1, val_sensitivity = -1, val_specificity = -1;
  int64_t epochs = 0, params = 0, macs = 0;
  double seconds = 0;
  int rank = -1;
  int attempts = 0;  ///< times handed to a worker
  int crashes = 0;   ///< times it was in flight when the search died without a checkpoint
  bool finished() const {
    return status == StudentStatus::ok || status == StudentStatus::failed ||
           status == StudentStatus::diverged;
  }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StudentRecord, id, iteration, actions, status, message, val_auc,
                                   val_accuracy, val_sensitivity, val_specificity, epochs, params,
                                   macs, seconds, rank, attempts, crashes)

struct SearchState {
  std::string job;    ///< the resolved job (INI)
  std::string space;  ///< SearchSpace::describe()
  int64_t iteration = 0;
  /// Why the search stops sampling (empty while it runs); finished when nothing is left to train.
  std::string stop_reason;
  bool finished = false;
  double seconds = 0;  ///< wall time over every run of the search
  int64_t runs = 0;    ///< starts plus resumes
  nlohmann::json controller, replay;
  std::vector<StudentRecord> students, argmax;
  /// Policy probabilities before the first update and after each: [update][key][choice].
  std::vector<std::vector<std::vector<double>>> policy;
};

// job and space are stored beside the state in search.h5, to compare before parsing it.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SearchState, iteration, stop_reason, finished, seconds, runs,
                                   controller, replay, students, argmax, policy)

/// The model a search ends with: of the argmax trainings that finished ok, the one with the
/// highest validation subject AUC, the later update on ties; nullptr while none has.
inline const StudentRecord* best_argmax(const SearchState& state) {
  const StudentRecord* best = nullptr;
  for (const auto& a : state.argmax) {
    if (a.status == StudentStatus::ok && (!best || a.val_auc >= best->val_auc)) best = &a;
  }
  return best;
}

}  // namespace cpnas
