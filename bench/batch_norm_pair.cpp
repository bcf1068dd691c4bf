// BatchNorm in training with and without the swish after it, forward and forward + backward, on
// one thread: the core's kernels (cpnas::BatchNorm::forward_activated, bound to libcpnas's
// host::batch_norm_activate) against torch::nn::BatchNorm2d and torch::silu, channels-last, at
// paper-best's two largest shapes. Best of 8 runs each, in ms. Built and run by
// bench/batch_norm_pair.sh.
#include <chrono>
#include <functional>
#include <iostream>

#include "cpnas/batch_norm.hpp"

namespace {

double best_ms(const std::function<void()>& f) {
  double best = 1e30;
  for (int run = 0; run < 8; ++run) {
    const auto start = std::chrono::steady_clock::now();
    f();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

}  // namespace

int main() {
  if (cpnas::host::batch_norm_activate == nullptr) {
    std::cerr << "batch_norm_pair: libcpnas's host::batch_norm_activate is not bound\n";
    return 1;
  }
  at::set_num_threads(1);
  for (const std::vector<int64_t> shape :
       {std::vector<int64_t>{32, 96, 50, 29}, {32, 64, 150, 29}}) {
    const auto x =
        torch::randn(shape).contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_();
    const auto g = torch::randn(shape).contiguous(torch::MemoryFormat::ChannelsLast);
    cpnas::BatchNorm core(shape[1]);
    torch::nn::BatchNorm2d libtorch(shape[1]);
    for (const bool swish : {false, true}) {
      const auto core_forward = [&] {
        return swish ? core->forward_activated(x, cpnas::Activation::swish) : core(x);
      };
      const auto libtorch_forward = [&] {
        const auto y = libtorch(x);
        return swish ? torch::silu(y) : y;
      };
      const auto step = [&](const std::function<torch::Tensor()>& forward) {
        forward().backward(g);
        x.mutable_grad().reset();
      };
      const auto forward_only = [&](const std::function<torch::Tensor()>& forward) {
        torch::NoGradGuard no_grad;
        forward();
      };
      std::cout << "[" << shape[0] << ", " << shape[1] << ", " << shape[2] << ", " << shape[3]
                << "] BatchNorm" << (swish ? " + swish" : "") << ": core forward "
                << best_ms([&] { forward_only(core_forward); }) << " ms, forward + backward "
                << best_ms([&] { step(core_forward); }) << " ms; LibTorch forward "
                << best_ms([&] { forward_only(libtorch_forward); }) << " ms, forward + backward "
                << best_ms([&] { step(libtorch_forward); }) << " ms\n";
    }
  }
  return 0;
}
