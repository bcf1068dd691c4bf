#pragma once
// Evaluation mode for a scope: scoring and explaining switch a student into evaluation mode and
// must give its mode back also when they leave by an exception (a non-finite score).

#include <torch/torch.h>

namespace cpnas {

/// Puts `module` in evaluation mode; its former mode is restored when the scope ends.
class EvalScope {
 public:
  explicit EvalScope(torch::nn::Module& module)
      : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalScope() { module_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace cpnas
