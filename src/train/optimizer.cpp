#include "train/optimizer.hpp"

#include "io/error.hpp"
#include "io/job.hpp"

namespace cpnas {

Hyper hyper_from_job(const Job& job) {
  Hyper h;
  h.optimizer = job.get("hyper", "optimizer");
  h.lr = job.get_real("hyper", "lr");
  h.weight_decay = job.get_real("hyper", "weight_decay");
  h.momentum = job.get_real("hyper", "momentum");
  h.batch_size = job.get_int("hyper", "batch_size");
  return h;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Hyper& h,
                                                        const std::vector<torch::Tensor>& params) {
  if (h.optimizer == "sgd") {
    // Nesterov needs a positive momentum; momentum 0 is plain SGD.
    return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(h.lr)
                                                           .momentum(h.momentum)
                                                           .nesterov(h.momentum > 0)
                                                           .weight_decay(h.weight_decay));
  }
  if (h.optimizer == "adam") {
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(h.lr)
                                                            .betas({0.9, 0.99})
                                                            .amsgrad(true)
                                                            .weight_decay(h.weight_decay));
  }
  if (h.optimizer == "adamw") {
    // The published code gives AdamW no betas, so PyTorch's defaults apply (Adam's are set).
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(h.lr)
                                                             .betas({0.9, 0.999})
                                                             .amsgrad(true)
                                                             .weight_decay(h.weight_decay));
  }
  throw Error("unknown optimizer '" + h.optimizer + "' (sgd, adam, adamw)");
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace cpnas
