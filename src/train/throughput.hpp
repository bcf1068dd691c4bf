#pragma once
// Times training steps or evaluation forwards of a student on random input of its shape.

#include <cstdint>
#include <string>

#include "model/precision.hpp"
#include "model/student.hpp"
#include "train/optimizer.hpp"

namespace cpnas {

struct ThroughputOptions {
  bool train = true;  ///< forward + backward + optimizer step; else a no-grad forward
  int64_t batch = 32;
  int64_t frames = 150;
  int64_t joints = 29;
  int warmup_steps = 2;
  int steps = 5;
  Precision precision = Precision::fp32;
  torch::Device device = torch::kCPU;  ///< the student must already be there
  /// Records one step as a CUDA graph after the warm-up and times its replays (GPU only; the
  /// optimizer's learning rate and step count stay those of the recorded step).
  bool cuda_graph = false;
  /// When set, LibTorch's profiler records every operator of the timed steps, forward and
  /// backward, into this Chrome trace file (chrome://tracing, Perfetto); the times then include
  /// the profiler's overhead.
  std::string trace;
};

struct Throughput {
  double windows_per_s = 0;
  double ms_per_step = 0;
};

Throughput measure_throughput(StudentImpl& student, const Hyper& hyper,
                              const ThroughputOptions& options);

}  // namespace cpnas
