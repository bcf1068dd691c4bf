#include "train/throughput.hpp"

#include <chrono>

namespace cpnas {

Throughput measure_throughput(StudentImpl& student, const Hyper& hyper,
                              const ThroughputOptions& o) {
  const auto x = torch::randn({o.batch, student.num_features(), 4, o.frames, o.joints});
  const auto labels = torch::randint(0, 2, {o.batch}, torch::kLong);
  auto optimizer = make_optimizer(hyper, student.parameters());
  student.train(o.train);
  const torch::Device cpu(torch::kCPU);

  auto step = [&] {
    if (o.train) {
      torch::Tensor loss;
      {
        AutocastScope autocast(o.precision, cpu);
        loss = torch::nn::functional::cross_entropy(student.forward(x), labels);
      }
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
    } else {
      torch::NoGradGuard no_grad;
      AutocastScope autocast(o.precision, cpu);
      student.forward(x);
    }
  };

  for (int i = 0; i < o.warmup_steps; ++i) step();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < o.steps; ++i) step();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {o.batch * o.steps / seconds, 1000.0 * seconds / o.steps};
}

}  // namespace cpnas
