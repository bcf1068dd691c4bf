#include "train/throughput.hpp"

#include <chrono>
#include <fstream>
#include <optional>

#include <torch/csrc/autograd/profiler_legacy.h>

#include "io/error.hpp"
#include "train/captured_step.hpp"

namespace cpnas {

Throughput measure_throughput(StudentImpl& student, const Hyper& hyper,
                              const ThroughputOptions& o) {
  const auto x = torch::randn({o.batch, student.num_features(), 4, o.frames, o.joints}, o.device);
  const auto labels =
      torch::randint(0, 2, {o.batch}, torch::TensorOptions(torch::kLong).device(o.device));
  auto optimizer = make_optimizer(hyper, student.parameters());
  student.train(o.train);
  // GPU work is queued: the clock is read only once the device has finished it.
  auto finish = [&] {
    if (o.device.is_cuda()) torch::cuda::synchronize(o.device.index());
  };

  auto step = [&] {
    if (o.train) {
      torch::Tensor loss;
      {
        AutocastScope autocast(o.precision, o.device);
        loss = torch::nn::functional::cross_entropy(student.forward(x), labels);
      }
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
    } else {
      torch::NoGradGuard no_grad;
      AutocastScope autocast(o.precision, o.device);
      student.forward(x);
    }
  };

  std::optional<CapturedStep> captured;
  if (o.cuda_graph) {
    captured.emplace(step, o.device, o.warmup_steps);
  } else {
    for (int i = 0; i < o.warmup_steps; ++i) step();
  }
  finish();
  std::ofstream trace_file;
  std::optional<torch::autograd::profiler::RecordProfile> profile;
  if (!o.trace.empty()) {
    trace_file.open(o.trace);
    if (!trace_file) throw Error("cannot write the trace '" + o.trace + "'");
    profile.emplace(trace_file);
  }
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < o.steps; ++i) {
    if (captured) {
      captured->replay();
    } else {
      step();
    }
  }
  finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  profile.reset();  // writes the trace
  if (trace_file.is_open() && !trace_file.flush()) {
    throw Error("cannot write the trace '" + o.trace + "'");
  }
  return {o.batch * o.steps / seconds, 1000.0 * seconds / o.steps};
}

}  // namespace cpnas
