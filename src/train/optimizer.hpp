#pragma once
// Optimizers of the [hyper] section.

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace cpnas {

struct Hyper {
  std::string optimizer = "adam";  ///< sgd (Nesterov), adam (amsgrad), adamw (amsgrad)
  double lr = 0.005;
  double weight_decay = 0;
  double momentum = 0.9;  ///< SGD only
  int64_t batch_size = 32;
};

class Job;
Hyper hyper_from_job(const Job& job);

/// As the published code configures them: sgd with Nesterov momentum; adam with betas (0.9, 0.99)
/// and amsgrad; adamw with amsgrad and PyTorch's default betas (0.9, 0.999), decoupled decay.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Hyper& hyper,
                                                        const std::vector<torch::Tensor>& params);

/// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace cpnas
