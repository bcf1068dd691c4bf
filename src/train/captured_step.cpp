#include "train/captured_step.hpp"

#include <algorithm>

#include "config.hpp"
#include "io/error.hpp"

#if CPNAS_WITH_CUDA
// cuda.h first: LibTorch 1.13's CUDAGraph declares its graph members only when CUDA_VERSION is
// defined, and a layout other than the library's would corrupt memory.
#include <cuda.h>

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace cpnas {
namespace {

void require_gpu(torch::Device device) {
  if (!device.is_cuda()) {
    throw Error("a CUDA graph records GPU work; this step runs on " + device.str());
  }
}

}  // namespace

#if CPNAS_WITH_CUDA

struct CapturedStep::Graph {
  at::cuda::CUDAGraph graph;
};

CapturedStep::CapturedStep(const std::function<void()>& step, torch::Device device, int warmup) {
  require_gpu(device);
  graph_ = std::make_unique<Graph>();
  torch::cuda::synchronize(device.index());
  // A recording needs a stream other than the default one. The warm-up runs there too, so that
  // the buffers it leaves cached belong to the stream the recording allocates on.
  const auto stream = c10::cuda::getStreamFromPool(false, device.index());
  const c10::cuda::CUDAStreamGuard on_stream(stream);
  for (int i = 0; i < std::max(warmup, 1); ++i) step();
  stream.synchronize();
  graph_->graph.capture_begin();
  try {
    step();
  } catch (...) {
    // Leaves the stream's capture mode, or every later CUDA call of the process would fail; the
    // step's own error is the one to report.
    try {
      graph_->graph.capture_end();
    } catch (...) {
    }
    throw;
  }
  graph_->graph.capture_end();
  stream.synchronize();
}

void CapturedStep::replay() {
  graph_->graph.replay();
}

#else

struct CapturedStep::Graph {};

// Without CUDA no CapturedStep is ever made, so nothing can replay one.
CapturedStep::CapturedStep(const std::function<void()>&, torch::Device device, int) {
  require_gpu(device);
  throw Error("CUDA graphs need cpnas built with CUDA (cmake -DCPNAS_WITH_CUDA=ON)");
}

void CapturedStep::replay() {}

#endif

CapturedStep::~CapturedStep() = default;

}  // namespace cpnas
