#pragma once
// A step recorded once as a CUDA graph and replayed as one launch. At batch 32 a small student's
// GPU training step is bound by its hundreds of kernel launches (~30 ms whatever the batch on an
// H200), not by their work; a replay launches them all at once.

#include <functional>
#include <memory>

#include <torch/torch.h>

namespace cpnas {

/// Runs `step` `warmup` times (at least once) on a side stream of `device`, so that the
/// optimizer's state, the gradients and cuDNN's workspaces exist, then records one more call as
/// a CUDA graph; that recorded call does not run. Each replay() repeats the recorded kernels on
/// the same memory: `step` must read and write only tensors that outlive this object (a fixed
/// input batch, the parameters, their gradients, the optimizer's state), and whatever it
/// computes on the host (LibTorch's optimizers: the step count, the learning rate and Adam's
/// bias corrections) stays what it was when recorded. Throws cpnas::Error for a CPU device or a
/// build without CUDA, and LibTorch's error when `step` does what a recording cannot (a copy to
/// the host, a synchronisation).
class CapturedStep {
 public:
  CapturedStep(const std::function<void()>& step, torch::Device device, int warmup);
  ~CapturedStep();
  CapturedStep(const CapturedStep&) = delete;
  CapturedStep& operator=(const CapturedStep&) = delete;

  /// Queues the recorded step on the device's current stream.
  void replay();

 private:
  struct Graph;
  std::unique_ptr<Graph> graph_;
};

}  // namespace cpnas
