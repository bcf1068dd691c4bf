#pragma once
// BatchNorm with statistics and affine parameters far from their initial values, so that an
// evaluation fast path that dropped any of them would show.

#include "cpnas/batch_norm.hpp"

namespace cpnas::test {

inline void randomise_batch_norm(BatchNormImpl& bn) {
  torch::NoGradGuard no_grad;
  bn.weight.uniform_(0.5, 2.0);
  bn.bias.normal_();
  bn.running_mean.normal_();
  bn.running_var.uniform_(0.2, 3.0);
}

}  // namespace cpnas::test
