#include "model/graph_layer.hpp"

#include "model/batch_norm_training.hpp"
#include "model/convolution_training.hpp"
#include "model/frame_product.hpp"
#include "model/narrow_graph.hpp"

namespace cpnas {
namespace {

ConvBN residual_for(int64_t in, int64_t out) {
  return in == out ? ConvBN(nullptr) : ConvBN(pointwise_conv(in, out));
}

// y in x's layout: the aggregation's matrix products return contiguous tensors, and the layers
// after a graph layer get its input's layout (channels-last in a student on the CPU).
torch::Tensor in_layout_of(const torch::Tensor& y, const torch::Tensor& x) {
  return y.contiguous(x.suggest_memory_format());
}

// Multiplies every frame of channels-last x [N, C*B, T, V], read as a [V*B, C] matrix (joints
// outermost, then B blocks of C channels, as channels-last stores it), by `left` [R, V*B]:
// channels-last [N, C, T, R]. One batched product straight on the layout, where reading the
// joints as the last dimension would cost two layout copies of x's size (3x slower in total).
torch::Tensor aggregate_frames(const torch::Tensor& left, const torch::Tensor& support,
                               const torch::Tensor& x, int64_t channels, const Epilogue* end) {
  const int64_t n = x.size(0), t = x.size(2);
  return product_per_frame(left, x.permute({0, 2, 3, 1}).reshape({n * t, -1, channels}), end,
                           support)
      .view({n, t, left.size(0), channels})
      .permute({0, 3, 1, 2});
}

// The residual ConvBN (1x1, not training) as one affine map.
Projection folded_projection(const ConvBNImpl& residual) {
  const auto [weight, bias] = residual.folded();
  return {weight.flatten(1), bias};
}

bool channels_last(const torch::Tensor& x) {
  return x.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
}

}  // namespace

SpatialGraphLayerImpl::SpatialGraphLayerImpl(const GraphLayerOptions& o)
    : subsets_(o.graph_distance + 1),
      in_channels_(o.in_channels),
      out_channels_(o.out_channels),
      act_(o.activation) {
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
  const auto graph = adjacency_ * edge_importance_;  // [K, V, V]
  const auto identity = residual_ ? torch::Tensor() : x;
  if (!is_training() && in_channels_ <= kNarrowGraphChannels && vectorised(x, identity)) {
    // One kernel per frame, which also computes a residual convolution itself.
    const Epilogue end = running_epilogue(*bn_, act_, identity);
    const auto weight = conv_->weight.flatten(1);
    if (!residual_) return narrow_graph_layer(x, graph, weight, conv_->bias, end);
    const Projection projection = folded_projection(*residual_);
    return narrow_graph_layer(x, graph, weight, conv_->bias, end, &projection);
  }
  const auto residual = residual_ ? residual_(x) : x;
  // Both orders compute sum_k (W_k x + b_k) G_k. Where the layer widens, aggregating the narrower
  // input first moves and multiplies fewer channels (a stem's 4 -> 64: 4x faster forward, 5x
  // faster training step); elsewhere the convolution goes first.
  const bool widens = in_channels_ < out_channels_;
  if (!is_training() && vectorised(x, residual)) {
    // The kernels end the layer as they store each value.
    const Epilogue end = running_epilogue(*bn_, act_, residual);
    return widens ? apply_epilogue_(aggregate_then_convolve(x, graph), end)
                  : convolve_then_aggregate(x, graph, &end);
  }
  const auto y = widens ? aggregate_then_convolve(x, graph) : convolve_then_aggregate(x, graph);
  return batch_norm_activate_add(*bn_, in_layout_of(y, x), act_, residual);
}

torch::Tensor SpatialGraphLayerImpl::convolve_then_aggregate(const torch::Tensor& x,
                                                             const torch::Tensor& graph,
                                                             const Epilogue* end) {
  const int64_t n = x.size(0), t = x.size(2), v = x.size(3);
  if (channels_last(x)) {
    // A frame of the convolution's output is [V*K, C]; left[w, (v, k)] = G_k[v, w]. Its
    // entries are the adjacency's: an edge whose importance is trained to 0 keeps its gradient.
    const auto as_left = [&](const torch::Tensor& g) {
      return g.permute({2, 1, 0}).reshape({v, v * subsets_});
    };
    return aggregate_frames(as_left(graph), as_left(adjacency_), conv2d_training(*conv_, x),
                            out_channels_, end);
  }
  // [N, K*C, T, V] -> [N*C*T, K*V] so that all K subsets aggregate in one matrix product.
  auto y =
      conv2d_training(*conv_, x).view({n, subsets_, out_channels_, t, v}).permute({0, 2, 3, 1, 4});
  return y.reshape({n * out_channels_ * t, subsets_ * v})
      .mm(graph.reshape({subsets_ * v, v}))
      .view({n, out_channels_, t, v});
}

torch::Tensor SpatialGraphLayerImpl::aggregate_then_convolve(const torch::Tensor& x,
                                                             const torch::Tensor& graph) {
  const int64_t n = x.size(0), t = x.size(2), v = x.size(3);
  // All K subsets in one matrix product: [N*C_in*T, V] x [V, K*V] -> [N, C_in, T, K, V]. The
  // input is the narrower side (a stem's 4 channels), so for a channels-last input two layout
  // copies of the narrow tensors cost less than 4800 products of 4-column frames (1.5 vs 11 ms).
  const auto aggregated = x.contiguous()
                              .view({n * in_channels_ * t, v})
                              .mm(graph.permute({1, 0, 2}).reshape({v, subsets_ * v}))
                              .view({n, in_channels_, t, subsets_ * v});
  // The 1x1 convolution's subset k reads joint block k of the width: a (1, K) kernel dilated by V.
  const auto weight = conv_->weight.view({subsets_, out_channels_, in_channels_})
                          .permute({1, 2, 0})
                          .reshape({out_channels_, in_channels_, 1, subsets_});
  const auto y =
      conv2d_training(in_layout_of(aggregated, x), weight, {}, {1, 1}, {0, 0}, {1, v}, 1);
  // The bias, aggregated: b_k times the column sums of G_k, per output channel and joint [C, V].
  const auto bias = conv_->bias.view({subsets_, out_channels_}).t().mm(graph.sum(1));
  if (channels_last(y)) {
    // Added in y's memory order [N, T, V, C], so that the bias's gradient sums contiguous rows:
    // LibTorch 1.13 sums a channels-last [N, C, T, V] over N and T ten times slower (19 against
    // 1.9 ms for [32, 64, 150, 29] on one thread; a stem's four streams: 80 ms of a step).
    return add_into(y.permute({0, 2, 3, 1}), bias.t()).permute({0, 3, 1, 2});
  }
  return add_into(y, bias.view({1, out_channels_, 1, v}));
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
    auto q = conv2d_training(*u.query, x).mean(2);  // [N, m, V]
    auto key = conv2d_training(*u.key, x).mean(2);
    auto pairwise = activate(act_, q.unsqueeze(-1) - key.unsqueeze(-2));          // [N, m, V, V]
    auto graph = conv2d_training(*u.refine, pairwise) * u.alpha + adjacency_[k];  // [N, C, V, V]
    // out[u] = sum_v G[u, v] z[v], the reference's einsum 'ncuv,nctv->nctu'.
    auto term = conv2d_training(*u.value, x).matmul(graph.transpose(-1, -2));  // [N, C, T, V]
    y = y.defined() ? y + term : term;
  }
  y = in_layout_of(y, x);
  // The reference ends this layer with act(y) + BN(y) + residual (not act(BN(y)) + residual as
  // the plain graph layer does).
  return add_into(add_into(activate(act_, y), bn_(y)), residual_ ? residual_(x) : x);
}

}  // namespace cpnas
