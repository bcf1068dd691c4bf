#include "model/stage.hpp"

#include "io/error.hpp"
#include "model/batch_norm_training.hpp"
#include "model/epilogue.hpp"
#include "model/torch_error.hpp"

namespace cpnas {

AttentionLayerImpl::AttentionLayerImpl(std::shared_ptr<Attention> attention, int64_t channels,
                                       Activation act)
    : attention_(register_module("gate", std::move(attention))),
      bn_(register_module("bn", BatchNorm(channels))),
      act_(act) {}

torch::Tensor AttentionLayerImpl::forward(const torch::Tensor& x) {
  auto gated = x * attention_->forward(x);
  if (!is_training() && vectorised(x, x)) {
    return apply_epilogue_(std::move(gated), running_epilogue(*bn_, act_, x));
  }
  return batch_norm_activate_add(*bn_, gated, act_, x);
}

namespace {

// Runs a plugin factory, turning its construction error into one that names the plugin.
template <class Factory, class Options>
auto construct(const char* kind, const std::string& name, Factory factory, const Options& options) {
  try {
    return factory(options);
  } catch (const std::exception& e) {
    throw Error(std::string(kind) + " '" + name + "' (" + std::to_string(options.channels) +
                " channels): " + one_line(e));
  }
}

std::shared_ptr<Attention> make_attention(const PluginRegistry& plugins, const std::string& name,
                                          const AttentionOptions& options) {
  return construct("attention", name, plugins.attention(name), options);
}

}  // namespace

StageImpl::StageImpl(const StageOptions& o, const PluginRegistry& plugins) {
  GraphLayerOptions graph{o.in_channels, o.out_channels, o.graph_distance, o.activation,
                          o.adjacency};
  if (o.multi_gcn) {
    multi_graph_ = register_module("graph", MultiScaleGraphLayer(graph));
  } else {
    graph_ = register_module("graph", SpatialGraphLayer(graph));
  }
  const BlockFactory block_factory = o.block_factory ? o.block_factory : plugins.block(o.block);
  for (int64_t i = 0; i < o.depth; ++i) {
    BlockOptions block{o.out_channels, o.window,       i == 0 ? o.stride : 1,
                       o.expand_ratio, o.reduct_ratio, o.activation};
    temporal_.push_back(register_module("temporal" + std::to_string(i),
                                        construct("block", o.block, block_factory, block)));
  }
  AttentionOptions attention{o.out_channels, o.reduct_ratio, o.activation, o.skeleton};
  attention_ =
      register_module("attention", AttentionLayer(make_attention(plugins, o.attention, attention),
                                                  o.out_channels, o.activation));
}

torch::Tensor StageImpl::forward(const torch::Tensor& x, LayerObserver* observer,
                                 const std::string& name) {
  torch::Tensor y = graph_ ? observed(observer, name + ".graph", *graph_, graph_(x))
                           : observed(observer, name + ".graph", *multi_graph_, multi_graph_(x));
  for (size_t i = 0; i < temporal_.size(); ++i) {
    y = observed(observer, name + ".temporal" + std::to_string(i), *temporal_[i],
                 temporal_[i]->forward(y));
  }
  return observed(observer, name + ".attention", *attention_, attention_(y));
}

}  // namespace cpnas
