#include <gtest/gtest.h>

#include <cmath>

#include "data/layout.hpp"
#include "io/error.hpp"
#include "model/frame_product.hpp"
#include "model/graph.hpp"
#include "model/graph_layer.hpp"

using namespace cpnas;

namespace {

Skeleton chain(int joints) {
  Skeleton s;
  for (int j = 0; j < joints; ++j) s.joints.push_back("j" + std::to_string(j));
  for (int j = 1; j < joints; ++j) s.edges.push_back({j, j - 1});
  return s;
}

}  // namespace

TEST(Graph, HopDistancesOfAChain) {
  const auto d = hop_distance(chain(5), 3);
  const auto expected =
      torch::tensor({0, 1, 2, 3, -1, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, -1, 3, 2, 1, 0},
                    torch::kLong)
          .view({5, 5});
  EXPECT_TRUE(torch::equal(d, expected)) << d;
}

TEST(Graph, DistancePartitionIsColumnNormalisedOverAllSubsets) {
  // Chain 0-1-2-3-4: columns 0 and 4 reach 4 joints within 3 hops, columns 1-3 reach all 5.
  const auto a = distance_adjacency(chain(5));
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{4, 5, 5}));
  EXPECT_FLOAT_EQ(a[0][0][0].item<float>(), 1.f / 4);
  EXPECT_FLOAT_EQ(a[0][2][2].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[1][0][1].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[1][1][0].item<float>(), 1.f / 4);
  EXPECT_FLOAT_EQ(a[2][0][2].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[3][0][3].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[3][4][1].item<float>(), 1.f / 5);
  EXPECT_EQ(a.select(1, 0).select(1, 4).abs().sum().item<float>(), 0.f);  // 0 and 4: 4 hops
  EXPECT_EQ(a[1][0][2].item<float>(), 0.f);                               // 2 hops, not 1
  // Every column sums to 1 over the four subsets.
  EXPECT_TRUE(torch::allclose(a.sum(torch::IntArrayRef{0, 1}), torch::ones({5})));
}

// The layer's defining formula, sum_k (W_k x + b_k) G_k, then BN, act, + residual, written out
// with the layer's own parameters: a layer that widens aggregates first, one that does not
// convolves first, and both must compute it, forward and backward, on channels-first input
// (training) and channels-last input (evaluation on the CPU), keeping the input's layout.
TEST(SpatialGraphLayer, BothAggregationOrdersComputeTheDefiningFormulaInBothLayouts) {
  torch::manual_seed(3);
  for (const auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast})
    for (const auto& [in, out] : {std::pair<int64_t, int64_t>{3, 8}, {8, 8}, {8, 5}}) {
      GraphLayerOptions o;
      o.in_channels = in;
      o.out_channels = out;
      o.graph_distance = 2;
      o.activation = Activation::swish;
      o.adjacency = distance_adjacency(chain(6));
      SpatialGraphLayer layer(o);
      layer->eval();  // BatchNorm with its initial statistics: y / sqrt(1 + eps)
      {
        torch::NoGradGuard no_grad;
        layer->named_parameters()["edge_importance"].uniform_(0.5, 1.5);
        layer->named_parameters()["conv.bias"].normal_();
      }
      const auto x = torch::randn({2, in, 7, 6}).contiguous(format).requires_grad_();
      const auto params = layer->named_parameters();
      const auto graph = layer->named_buffers()["adjacency"] * params["edge_importance"];
      const auto y =
          torch::conv2d(x, params["conv.weight"], params["conv.bias"]).view({2, 3, out, 7, 6});
      const auto aggregated = torch::einsum("nkctv,kvw->nctw", {y, graph});
      auto residual = x;
      if (in != out) {
        residual = layer->named_children()["residual"]->as<ConvBNImpl>()->forward(x);
      }
      const auto expected = torch::silu(aggregated / std::sqrt(1 + 1e-5)) + residual;
      const auto got = layer->forward(x);
      EXPECT_EQ(got.suggest_memory_format(), format) << in << " -> " << out;
      EXPECT_TRUE(torch::allclose(got, expected, 1e-4, 1e-5)) << in << " -> " << out;
      const auto grads = [&](const torch::Tensor& output) {
        return torch::autograd::grad({output.square().sum()},
                                     {x, params["conv.weight"], params["edge_importance"]});
      };
      const auto g = grads(got), e = grads(expected);
      for (size_t i = 0; i < g.size(); ++i) {
        EXPECT_TRUE(torch::allclose(g[i], e[i], 1e-4, 1e-4))
            << in << " -> " << out << ", grad " << i << ", " << format;
      }
    }
}

TEST(Layouts, MatchTheDesign) {
  const Skeleton& full = find_layout("in-motion-2022");
  EXPECT_EQ(full.num_joints(), 29);
  EXPECT_EQ(full.edges.size(), 28u);
  EXPECT_EQ(full.centre, 8);
  EXPECT_EQ(full.parents.size(), 29u);
  const Skeleton& small = find_layout("in-motion");
  EXPECT_EQ(small.num_joints(), 19);
  EXPECT_EQ(small.edges.size(), 18u);
  EXPECT_EQ(find_layout("coco-18").num_joints(), 18);
  for (const auto& name : layout_names()) {
    const Skeleton& s = find_layout(name);
    // A tree over all joints: connected, every joint in exactly one part, parents in range.
    EXPECT_EQ(s.edges.size() + 1, static_cast<size_t>(s.num_joints())) << name;
    EXPECT_FALSE((hop_distance(s, 1000) < 0).any().item<bool>()) << name;
    std::vector<int> seen(s.num_joints(), 0);
    for (const auto& part : s.parts)
      for (int j : part) ++seen[j];
    for (int j = 0; j < s.num_joints(); ++j) {
      EXPECT_EQ(seen[j], 1) << name << " joint " << j;
      EXPECT_GE(s.parents[j], 0);
      EXPECT_LT(s.parents[j], s.num_joints());
    }
  }
  EXPECT_THROW(find_layout("kinect"), Error);
}

// Evaluation's kernel (no gradients, fp32) against at::bmm: channel counts that use every
// vector width and the scalar tail, a left factor with zeros that it skips, and a NaN in a
// frame, which a zero of left does not spread.
TEST(ProductPerFrame, EqualsABatchedMatrixProduct) {
  torch::manual_seed(11);
  for (const int64_t channels : {64, 45, 3}) {
    const auto left = torch::randn({7, 12}) * (torch::rand({7, 12}) < 0.3);
    const auto frames = torch::randn({40, 12, channels});
    const auto expected = at::bmm(left.expand({40, 7, 12}), frames);
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(product_per_frame(left, frames), expected, 1e-5, 1e-5)) << channels;
  }
  auto left = torch::zeros({2, 3});
  left[0][0] = 2.0f;
  left[1][2] = 1.0f;
  auto frames = torch::ones({1, 3, 8});
  frames[0][1][0] = std::nanf("");
  torch::NoGradGuard no_grad;
  const auto out = product_per_frame(left, frames);
  EXPECT_TRUE(
      torch::equal(out, torch::stack({torch::full({8}, 2.0f), torch::ones({8})}).unsqueeze(0)));
}

// Training's kernel against at::bmm, forward and backward: the frames' gradient, and left's at
// the support's entries (zero elsewhere, also where left itself is 0 on the support, as an edge
// whose importance was trained to 0 is), on 1 and 2 threads, the same sums on both.
TEST(ProductPerFrame, TrainsAsABatchedMatrixProductOnItsSupport) {
  torch::manual_seed(12);
  const auto support = (torch::rand({7, 12}) < 0.3).to(torch::kFloat);
  support[3][4] = 1.0f;
  const int threads_before = torch::get_num_threads();
  for (const int64_t channels : {64, 45, 3}) {
    auto left_values = torch::randn({7, 12}) * support;
    left_values[3][4] = 0.0f;  // on the support, but 0
    const auto frame_values = torch::randn({150, 12, channels});
    const auto grad = torch::randn({150, 7, channels});
    std::vector<torch::Tensor> left_grads;
    for (const int threads : {1, 2}) {
      torch::set_num_threads(threads);
      const auto left = left_values.clone().requires_grad_();
      const auto frames = frame_values.clone().requires_grad_();
      const auto out = product_per_frame(left, frames, nullptr, support);
      out.backward(grad);
      const auto left_ref = left.detach().clone().requires_grad_();
      const auto frames_ref = frames.detach().clone().requires_grad_();
      const auto expected = at::bmm(left_ref.expand({150, 7, 12}), frames_ref);
      expected.backward(grad);
      EXPECT_TRUE(torch::allclose(out, expected, 1e-5, 1e-5)) << channels;
      EXPECT_TRUE(torch::allclose(frames.grad(), frames_ref.grad(), 1e-5, 1e-5)) << channels;
      EXPECT_TRUE(torch::allclose(left.grad(), left_ref.grad() * support, 1e-4, 1e-4)) << channels;
      EXPECT_NE(left.grad()[3][4].item<float>(), 0.0f);
      EXPECT_TRUE(torch::equal(left.grad() * (1 - support), torch::zeros({7, 12})));
      left_grads.push_back(left.grad().clone());
    }
    EXPECT_TRUE(torch::equal(left_grads[0], left_grads[1])) << channels;
  }
  torch::set_num_threads(threads_before);
  // bf16 frames (a convolution's output under autocast) are read as fp32; the gradient is bf16.
  const auto left = (torch::randn({7, 12}) * support).requires_grad_();
  const auto frames = torch::randn({150, 12, 64}).to(torch::kBFloat16).requires_grad_();
  const auto out = product_per_frame(left, frames, nullptr, support);
  EXPECT_EQ(out.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(
      out, at::bmm(left.detach().expand({150, 7, 12}), frames.detach().to(torch::kFloat)), 1e-5,
      1e-5));
  out.sum().backward();
  EXPECT_EQ(frames.grad().scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(left.grad().defined());
}
