#pragma once
// The files of a search's run directory that people read: students.csv, argmax.csv and
// policy.csv. Each (re)start of a search rewrites them from the search state (atomically), so each
// finished student appears exactly once whatever crashed in between; then students.csv grows by a
// row per finished student and the others are rewritten as they change.

#include <string>

#include "search/history.hpp"
#include "search/space.hpp"

namespace cpnas {

/// Paths inside a run directory.
struct RunDir {
  std::string root;
  std::string job() const { return root + "/job.ini"; }
  std::string checkpoint() const { return root + "/search.h5"; }
  std::string students() const { return root + "/students.csv"; }
  std::string argmax_csv() const { return root + "/argmax.csv"; }
  std::string policy() const { return root + "/policy.csv"; }
  /// Present while the search is stopped on request with a checkpoint (record_stop()).
  std::string stop_record() const { return root + "/stopped"; }
  std::string log(int rank) const { return root + "/logs/rank-" + std::to_string(rank) + ".log"; }
  std::string argmax_model(int64_t update) const {
    return root + "/argmax/update-" + std::to_string(update) + ".h5";
  }
  /// A copy of the best argmax model (best_argmax()), written when the search finishes.
  std::string best_model() const { return root + "/best.h5"; }
  /// Creates the directory and its argmax/ and logs/ folders.
  void create() const;
};

/// students.csv (finished students, by id): id, iteration, status, val_auc, epochs, seconds,
/// rank, attempts, val_accuracy, val_sensitivity, val_specificity, params, macs, one column per
/// searched key, message. argmax.csv: the same for the argmax trainings, with the model file and
/// `best` (1 for best_argmax(), the model a finished search copies to best.h5).
void write_student_tables(const RunDir& dir, const SearchState& state, const SearchSpace& space);

/// Appends a finished student's row to students.csv.
void append_student_row(const RunDir& dir, const StudentRecord& student, const SearchSpace& space);

/// Rewrites argmax.csv alone.
void write_argmax_table(const RunDir& dir, const SearchState& state, const SearchSpace& space);

/// policy.csv: update, key, choice, probability (update 0 is the policy before any update).
void write_policy(const RunDir& dir, const SearchState& state, const SearchSpace& space);

}  // namespace cpnas
