// Evaluation's fused layer ends (BatchNorm with running statistics, activation, residual add in
// one pass, src/model/epilogue.hpp) compute what LibTorch's operators compute: on their own, in
// the graph aggregation's kernel, and at the end of graph and attention layers.
#include <gtest/gtest.h>

#include <cmath>

#include "cpnas/attention.hpp"
#include "model/epilogue.hpp"
#include "model/frame_product.hpp"
#include "model/graph.hpp"
#include "model/graph_layer.hpp"
#include "model/stage.hpp"
#include "random_batch_norm.hpp"

using namespace cpnas;
using cpnas::test::randomise_batch_norm;

namespace {

const Activation kActivations[] = {Activation::relu, Activation::relu6, Activation::hardswish,
                                   Activation::swish};

// What the fused end replaces: BatchNorm (running statistics), the activation, + residual.
torch::Tensor operators(BatchNormImpl& bn, Activation a, const torch::Tensor& y,
                        const torch::Tensor& residual) {
  const auto z = activate(a, bn.forward(y));
  return residual.defined() ? z + residual : z;
}

// Values across every activation's pieces (relu6's 6, hardswish's -3 and 3), and a NaN.
torch::Tensor spread_values(std::vector<int64_t> shape) {
  auto y = torch::randn(shape) * 4;
  y[0][0][0][5] = std::nanf("");
  return y;
}

Skeleton chain(int joints) {
  Skeleton s;
  for (int j = 0; j < joints; ++j) s.joints.push_back("j" + std::to_string(j));
  for (int j = 1; j < joints; ++j) s.edges.push_back({j, j - 1});
  return s;
}

// A gate that broadcasts over channels, as frame attention's does.
class MeanGateImpl : public Attention {
 public:
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::sigmoid(x.mean({1, 3}, /*keepdim=*/true));
  }
};

}  // namespace

// Channel counts that use the vector width and the scalar tail; with and without a residual;
// input in either layout (the result is channels-last); NaN stays NaN where LibTorch keeps it.
TEST(Epilogue, AppliedInPlaceComputesBatchNormActivationAndResidual) {
  torch::manual_seed(21);
  for (const int64_t channels : {64, 45, 3}) {
    BatchNorm bn(channels);
    randomise_batch_norm(*bn);
    bn->eval();
    for (const auto a : kActivations)
      for (const bool with_residual : {true, false})
        for (const auto format : {at::MemoryFormat::ChannelsLast, at::MemoryFormat::Contiguous}) {
          const auto y = spread_values({2, channels, 5, 7}).contiguous(format);
          const auto residual =
              with_residual
                  ? torch::randn({2, channels, 5, 7}).contiguous(at::MemoryFormat::ChannelsLast)
                  : torch::Tensor();
          const auto expected = operators(*bn, a, y, residual);
          torch::NoGradGuard no_grad;
          const Epilogue end = running_epilogue(*bn, a, residual);
          ASSERT_TRUE(vectorised(y.contiguous(at::MemoryFormat::ChannelsLast), residual));
          const auto got = apply_epilogue_(y.clone(), end);
          EXPECT_TRUE(got.is_contiguous(at::MemoryFormat::ChannelsLast));
          EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5, /*equal_nan=*/true))
              << channels << " channels, activation " << static_cast<int>(a) << ", residual "
              << with_residual;
          EXPECT_TRUE(std::isnan(got[0][0][0][5].item<float>()));
        }
  }
}

TEST(Epilogue, NotVectorisedWithGradientsOrOutsideChannelsLastFp32) {
  const auto x = torch::randn({2, 8, 3, 5}).contiguous(at::MemoryFormat::ChannelsLast);
  EXPECT_FALSE(vectorised(x, x));  // gradients are recorded here
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(vectorised(x, x));
  EXPECT_TRUE(vectorised(x, torch::Tensor()));
  EXPECT_FALSE(vectorised(x.contiguous(), x));
  EXPECT_FALSE(vectorised(x, x.contiguous()));
  EXPECT_FALSE(vectorised(x.to(torch::kDouble), x));
}

// The aggregation's kernel applies the end to each value it stores, the residual read in the
// channels-last layout of [N, C, T, R].
TEST(ProductPerFrame, AppliesTheEpilogueAsItStores) {
  torch::manual_seed(22);
  const int64_t n = 2, t = 5, rows = 7, joints = 12;
  for (const int64_t channels : {64, 45, 3}) {
    BatchNorm bn(channels);
    randomise_batch_norm(*bn);
    bn->eval();
    const auto left = torch::randn({rows, joints}) * (torch::rand({rows, joints}) < 0.3);
    const auto frames = torch::randn({n * t, joints, channels}) * 3;
    const auto residual =
        torch::randn({n, channels, t, rows}).contiguous(at::MemoryFormat::ChannelsLast);
    const auto product = at::bmm(left.expand({n * t, rows, joints}), frames)
                             .view({n, t, rows, channels})
                             .permute({0, 3, 1, 2});
    for (const auto a : kActivations)
      for (const bool with_residual : {true, false}) {
        const auto r = with_residual ? residual : torch::Tensor();
        const auto expected = operators(*bn, a, product, r);
        torch::NoGradGuard no_grad;
        const Epilogue end = running_epilogue(*bn, a, r);
        const auto got = product_per_frame(left, frames, &end)
                             .view({n, t, rows, channels})
                             .permute({0, 3, 1, 2});
        EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5))
            << channels << " channels, activation " << static_cast<int>(a) << ", residual "
            << with_residual;
      }
  }
}

// A layer evaluated without gradients on channels-last fp32 input runs the kernels; with
// gradients recorded it runs LibTorch's operators. Both must give the same output.
TEST(Epilogue, GraphAndAttentionLayersEndAsTheirOperatorsDo) {
  torch::manual_seed(23);
  const auto check = [](torch::nn::Module& layer, const std::function<torch::Tensor()>& forward,
                        const std::string& what) {
    for (auto& m : layer.modules()) {
      if (auto* bn = m->as<BatchNormImpl>()) randomise_batch_norm(*bn);
    }
    layer.eval();
    const auto expected = forward().detach();
    torch::NoGradGuard no_grad;
    const auto got = forward();
    EXPECT_TRUE(got.is_contiguous(at::MemoryFormat::ChannelsLast)) << what;
    EXPECT_TRUE(torch::allclose(got, expected, 1e-4, 1e-5)) << what;
  };
  for (const auto a : kActivations) {
    const std::string name = "activation " + std::to_string(static_cast<int>(a));
    // Up to 8 input channels the narrow layer's kernel; above, the aggregation's product (16 ->
    // 16, 16 -> 10) or a convolution after aggregating (12 -> 20) and the epilogue's kernel.
    for (const auto& [in, out] :
         {std::pair<int64_t, int64_t>{3, 8}, {8, 8}, {8, 5}, {16, 16}, {16, 10}, {12, 20}}) {
      GraphLayerOptions o{in, out, 2, a, distance_adjacency(chain(6))};
      const auto x = (torch::randn({2, in, 7, 6}) * 2).contiguous(at::MemoryFormat::ChannelsLast);
      SpatialGraphLayer spatial(o);
      {
        torch::NoGradGuard no_grad;
        spatial->named_parameters()["edge_importance"].uniform_(0.5, 1.5);
        spatial->named_parameters()["conv.bias"].normal_();
      }
      check(
          *spatial, [&] { return spatial->forward(x); },
          "spatial " + std::to_string(in) + " -> " + std::to_string(out) + ", " + name);
      MultiScaleGraphLayer multi(o);
      check(
          *multi, [&] { return multi->forward(x); },
          "multi-scale " + std::to_string(in) + " -> " + std::to_string(out) + ", " + name);
    }
    const auto x = (torch::randn({2, 16, 7, 6}) * 2).contiguous(at::MemoryFormat::ChannelsLast);
    AttentionLayer attention(std::make_shared<MeanGateImpl>(), 16, a);
    check(
        *attention, [&] { return attention->forward(x); }, "attention, " + name);
  }
}
