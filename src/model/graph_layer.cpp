#include "model/graph_layer.hpp"

namespace cpnas {
namespace {

ConvBN residual_for(int64_t in, int64_t out) {
  return in == out ? ConvBN(nullptr) : ConvBN(pointwise_conv(in, out));
}

}  // namespace

SpatialGraphLayerImpl::SpatialGraphLayerImpl(const GraphLayerOptions& o)
    : subsets_(o.graph_distance + 1), out_channels_(o.out_channels), act_(o.activation) {
  const int64_t v = o.adjacency.size(1);
  conv_ = register_module(
      "conv", torch::nn::Conv2d(pointwise_conv(o.in_channels, out_channels_ * subsets_)));
  adjacency_ = register_buffer("adjacency", o.adjacency.slice(0, 0, subsets_).clone());
  edge_importance_ = register_parameter("edge_importance", torch::ones({subsets_, v, v}));
  bn_ = register_module("bn", BatchNorm(out_channels_));
  residual_ = residual_for(o.in_channels, o.out_channels);
  if (residual_) register_module("residual", residual_);
}

torch::Tensor SpatialGraphLayerImpl::forward(const torch::Tensor& x) {
  const int64_t n = x.size(0), t = x.size(2), v = x.size(3);
  // [N, K*C, T, V] -> [N*C*T, K*V] so that all K subsets aggregate in one matrix product.
  auto y = conv_(x).view({n, subsets_, out_channels_, t, v}).permute({0, 2, 3, 1, 4});
  auto graph = (adjacency_ * edge_importance_).reshape({subsets_ * v, v});
  y = y.reshape({n * out_channels_ * t, subsets_ * v}).mm(graph).view({n, out_channels_, t, v});
  return activate(act_, bn_(y)) + (residual_ ? residual_(x) : x);
}

MultiScaleGraphLayerImpl::MultiScaleGraphLayerImpl(const GraphLayerOptions& o)
    : act_(o.activation) {
  const int64_t in = o.in_channels, out = o.out_channels;
  const int64_t inner = (in == 3 || in == 9) ? 8 : in / 2;
  adjacency_ = register_buffer("adjacency", o.adjacency.clone());
  for (int64_t k = 0; k < o.adjacency.size(0); ++k) {
    const std::string p = "unit" + std::to_string(k) + "_";
    Unit u;
    u.query = register_module(p + "query", torch::nn::Conv2d(pointwise_conv(in, inner)));
    u.key = register_module(p + "key", torch::nn::Conv2d(pointwise_conv(in, inner)));
    u.value = register_module(p + "value", torch::nn::Conv2d(pointwise_conv(in, out)));
    u.refine = register_module(p + "refine", torch::nn::Conv2d(pointwise_conv(inner, out)));
    u.alpha = register_parameter(p + "alpha", torch::zeros({1}));
    units_.push_back(u);
  }
  bn_ = register_module("bn", BatchNorm(out));
  residual_ = residual_for(in, out);
  if (residual_) register_module("residual", residual_);
}

torch::Tensor MultiScaleGraphLayerImpl::forward(const torch::Tensor& x) {
  torch::Tensor y;
  for (size_t k = 0; k < units_.size(); ++k) {
    Unit& u = units_[k];
    auto q = u.query(x).mean(2);  // [N, m, V]
    auto key = u.key(x).mean(2);
    auto pairwise = activate(act_, q.unsqueeze(-1) - key.unsqueeze(-2));  // [N, m, V, V]
    auto graph = u.refine(pairwise) * u.alpha + adjacency_[k];            // [N, C, V, V]
    auto term = u.value(x).matmul(graph);                                 // [N, C, T, V]
    y = y.defined() ? y + term : term;
  }
  return activate(act_, bn_(y)) + (residual_ ? residual_(x) : x);
}

}  // namespace cpnas
