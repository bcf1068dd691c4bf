#pragma once
// A search small enough for integration tests (7 students of 1 epoch, 2 argmax trainings on a
// 16-infant cohort, seconds each) and small helpers to read what it leaves in its run directory.

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

inline const char* kTinySearchJob = R"([data]
features = position
[arch]
init_channels = 4
input_blocks = 1
input_depth = 1
input_stride = 2
main_blocks = 1
main_depth = 1
main_stride = 2
[hyper]
batch_size = 16
[train]
warmup_epochs = 0
validate_every = 1
early_stop_epoch = 0
[space]
activation = relu,swish
block = basic,sep
lr = 0.005,0.001
[search]
warmup_rollouts = 4
rollouts = 3
max_iterations = 2
student_epochs = 1
argmax_epochs = 1
controller_lr = 0.1
)";

/// `cpnas synth` options of the tiny cohort (both classes in every split).
inline const char* kTinyCohortOptions = "--infants 16 --seconds 10 --cp-fraction 0.4";

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Rows of RUN/students.csv (0 when it does not exist yet).
inline int finished_students(const std::string& run) {
  std::ifstream in(run + "/students.csv");
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines > 0 ? lines - 1 : 0;
}

/// Lets Open MPI run as root (CI containers) and oversubscribe the test machine.
inline void allow_mpirun_as_root() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
}
