// Blocks that go wrong, for the search's failure isolation: one throws in training, one turns
// everything into NaN (its students diverge); and one that data-parallel training must refuse.
#include <stdexcept>

#include "cpnas/plugin.hpp"

namespace {

// Keeps the shape contract of a temporal block (stride on the time axis, same channels).
torch::Tensor strided(const torch::Tensor& x, int64_t stride) {
  using torch::indexing::Slice;
  return x.index({Slice(), Slice(), Slice(torch::indexing::None, torch::indexing::None, stride)});
}

class ThrowingBlockImpl : public cpnas::Block {
 public:
  explicit ThrowingBlockImpl(const cpnas::BlockOptions& o) : stride_(o.stride) {
    weight_ = register_parameter("weight", torch::ones({1}));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    if (is_training()) throw std::runtime_error("test_throw: deliberate failure in training");
    return strided(x, stride_) * weight_;
  }

 private:
  int64_t stride_;
  torch::Tensor weight_;
};

class NanBlockImpl : public cpnas::Block {
 public:
  explicit NanBlockImpl(const cpnas::BlockOptions& o) : stride_(o.stride) {
    weight_ = register_parameter("weight", torch::ones({1}));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    return strided(x, stride_) * weight_ * std::numeric_limits<float>::quiet_NaN();
  }

 private:
  int64_t stride_;
  torch::Tensor weight_;
};

// Normalises with a plain torch::nn::BatchNorm2d, as plugins built before ABI 1.1 do.
class PlainBatchNormBlockImpl : public cpnas::Block {
 public:
  explicit PlainBatchNormBlockImpl(const cpnas::BlockOptions& o)
      : stride_(o.stride), bn_(register_module("bn", torch::nn::BatchNorm2d(o.channels))) {}
  torch::Tensor forward(const torch::Tensor& x) override { return bn_(strided(x, stride_)); }

 private:
  int64_t stride_;
  torch::nn::BatchNorm2d bn_;
};

}  // namespace

CPNAS_PLUGIN(CPNAS_BLOCK("test_throw", cpnas::block_factory<ThrowingBlockImpl>),
             CPNAS_BLOCK("test_plain_bn", cpnas::block_factory<PlainBatchNormBlockImpl>),
             CPNAS_BLOCK("test_nan", cpnas::block_factory<NanBlockImpl>))
