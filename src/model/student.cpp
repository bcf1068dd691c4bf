#include "model/student.hpp"

#include "cpnas/basic_block.hpp"
#include "cpnas/feature.hpp"
#include "data/layout.hpp"
#include "dist/batch_shard.hpp"
#include "io/error.hpp"
#include "model/graph.hpp"

namespace cpnas {
namespace {

constexpr int64_t kClasses = 2;

StageOptions stage_options(const Arch& arch, const StreamShape& shape, int64_t in, int64_t out,
                           const torch::Tensor& adjacency, const Skeleton& skeleton) {
  StageOptions o;
  o.in_channels = in;
  o.out_channels = out;
  o.graph_distance = shape.graph_distance;
  o.multi_gcn = arch.multi_gcn;
  o.depth = shape.depth;
  o.stride = shape.stride;
  o.window = shape.window;
  o.block = arch.block;
  o.attention = arch.attention;
  o.expand_ratio = arch.expand_ratio;
  o.reduct_ratio = arch.reduct_ratio;
  o.activation = arch.activation;
  o.adjacency = adjacency;
  o.skeleton = skeleton;
  return o;
}

}  // namespace

InputStreamImpl::InputStreamImpl(const Arch& arch, const torch::Tensor& adjacency,
                                 const Skeleton& skeleton, const PluginRegistry& plugins) {
  bn_ = register_module("bn", BatchNorm(kFeatureChannels));
  stem_graph_ = register_module(
      "stem_graph",
      SpatialGraphLayer(GraphLayerOptions{kFeatureChannels, arch.init_channels,
                                          arch.input.graph_distance, arch.activation, adjacency}));
  BlockOptions stem{arch.init_channels, arch.input.window, 1,
                    arch.expand_ratio,  arch.reduct_ratio, arch.activation};
  stem_temporal_ = register_module("stem_temporal", std::make_shared<BasicBlockImpl>(stem));
  int64_t channels = arch.init_channels;
  for (int64_t b = 0; b < arch.input.blocks; ++b) {
    const int64_t out = input_block_channels(channels, arch.input.scale);
    blocks_.push_back(register_module(
        "block" + std::to_string(b),
        Stage(stage_options(arch, arch.input, channels, out, adjacency, skeleton), plugins)));
    channels = out;
  }
  out_channels_ = channels;
}

torch::Tensor InputStreamImpl::forward(const torch::Tensor& x, LayerObserver* observer,
                                       const std::string& name) {
  auto y = observed(observer, name + ".bn", *bn_, bn_(x));
  // oneDNN convolves channels-last tensors without reordering them to its blocked layout and
  // back: paper-best evaluates 14 % faster on one CPU thread, and trains 1.5x faster (LibTorch
  // 1.13's channels-first depthwise convolution backward and BatchNorm are several times slower).
  // The input's BatchNorm runs before: over 4 channels it is 5x slower channels-last.
  if (y.is_cpu()) y = y.contiguous(torch::MemoryFormat::ChannelsLast);
  y = observed(observer, name + ".stem_graph", *stem_graph_, stem_graph_(y));
  y = observed(observer, name + ".stem_temporal", *stem_temporal_, stem_temporal_->forward(y));
  for (size_t b = 0; b < blocks_.size(); ++b) {
    y = blocks_[b]->forward(y, observer, name + ".block" + std::to_string(b));
  }
  return y;
}

StudentImpl::StudentImpl(const Arch& arch, const Skeleton& skeleton, int64_t num_features,
                         const PluginRegistry& plugins) {
  if (num_features < 1) throw Error("a student needs at least one input feature");
  const torch::Tensor adjacency = distance_adjacency(skeleton);
  int64_t channels = 0;
  for (int64_t f = 0; f < num_features; ++f) {
    streams_.push_back(register_module("stream" + std::to_string(f),
                                       InputStream(arch, adjacency, skeleton, plugins)));
    channels += streams_.back()->out_channels();
  }
  // The reference main stream reproduces the published code: one basic temporal layer per
  // block whatever the searched block type. That code registers its `main_depth` layers under one
  // name, so only the last survives: its stride is main_stride only when it is also the first.
  StreamShape main_shape = arch.main;
  Arch main_arch = arch;
  BlockFactory main_blocks = nullptr;
  if (arch.reference_main) {
    main_shape.depth = 1;
    main_shape.stride = arch.main.depth == 1 ? arch.main.stride : 1;
    main_arch.block = "basic";
    main_blocks = block_factory<BasicBlockImpl>;
  }
  for (int64_t b = 0; b < arch.main.blocks; ++b) {
    const bool last = b + 1 == arch.main.blocks;
    const int64_t out = last ? kLastMainChannels : main_block_channels(channels, arch.main.scale);
    if (out < 1) {
      throw Error("[arch] main_scale " + std::to_string(arch.main.scale) + " gives main block " +
                  std::to_string(b) + " no channels (" + std::to_string(channels) + " x " +
                  std::to_string(arch.main.scale) + ", rounded to a multiple of 16)");
    }
    StageOptions stage = stage_options(main_arch, main_shape, channels, out, adjacency, skeleton);
    stage.block_factory = main_blocks;
    main_.push_back(register_module("main" + std::to_string(b), Stage(stage, plugins)));
    channels = out;
  }
  dropout_ = arch.dropout;
  classifier_ = register_module("classifier",
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, kClasses, 1)));
  // A convolution's bias right before a BatchNorm (every ConvBN) cancels in the batch's mean, and
  // again in evaluation against the running mean that it shifts: its gradient is exactly 0, and
  // what autograd would compute is rounding noise, which Adam scales to lr-sized steps (its update
  // is m / sqrt(v)) that differ between memory layouts, thread counts and ranks. Initialised to 0,
  // such a bias stays 0 under the exact gradient whatever the weight decay, so it is not trained:
  // the convolutions' backward then skips its gradient (a fifth of their time on the CPU).
  for (const auto& module : modules(/*include_self=*/false)) {
    auto* layer = module->as<ConvBNImpl>();
    if (layer && layer->conv->bias.defined()) layer->conv->bias.requires_grad_(false);
  }
  auto global = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(global.mutex());
  generator_ = global.clone();
}

torch::Tensor StudentImpl::forward(const torch::Tensor& x, LayerObserver* observer) {
  return classify(main_stream(x, observer), observer);
}

torch::Tensor StudentImpl::main_stream(const torch::Tensor& x, LayerObserver* observer) {
  TORCH_CHECK(x.dim() == 5 && x.size(1) == num_features() && x.size(2) == kFeatureChannels,
              "student input must be [N, ", num_features(), ", 4, T, V], got ", x.sizes());
  std::vector<torch::Tensor> outputs;
  for (int64_t f = 0; f < num_features(); ++f) {
    outputs.push_back(streams_[f]->forward(x.select(1, f), observer, "stream" + std::to_string(f)));
  }
  auto y = torch::cat(outputs, 1);
  for (size_t b = 0; b < main_.size(); ++b) {
    y = main_[b]->forward(y, observer, "main" + std::to_string(b));
  }
  return y;
}

torch::Tensor StudentImpl::classify(const torch::Tensor& main, LayerObserver* observer) {
  auto y = main.mean({2, 3}, /*keepdim=*/true);
  if (is_training()) y = batch_dropout(y, dropout_, &generator_);
  return observed(observer, "classifier", *classifier_, classifier_(y).flatten(1));
}

void initialise_student(StudentImpl& student) {
  torch::NoGradGuard no_grad;
  for (const auto& module : student.modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.fill_(1.0);
      bn->bias.zero_();
    }
  }
  for (const auto& item : student.named_parameters()) {
    if (item.key().rfind("classifier.", 0) != 0) continue;
    if (item.key() == "classifier.weight") {
      item.value().normal_(0.0, 0.001);
    } else {
      item.value().zero_();
    }
  }
}

Student build_student(const Arch& arch, const Skeleton& skeleton, int64_t num_features,
                      const PluginRegistry& plugins, uint64_t seed) {
  // One build at a time: the initialisers draw from the global generator.
  static std::mutex building;
  std::lock_guard<std::mutex> lock(building);
  auto global = at::detail::getDefaultCPUGenerator();
  at::Tensor before;
  {
    std::lock_guard<std::mutex> state(global.mutex());
    before = global.get_state();
  }
  torch::manual_seed(seed);
  Student student(arch, skeleton, num_features, plugins);
  initialise_student(*student);
  std::lock_guard<std::mutex> state(global.mutex());
  student->generator() = global.clone();
  global.set_state(before);
  return student;
}

}  // namespace cpnas

namespace cpnas {

Student student_from_job(const Job& job, const PluginRegistry& plugins, uint64_t seed) {
  return build_student(arch_from_job(job), find_layout(job.get("data", "layout")),
                       static_cast<int64_t>(job.get_list("data", "features").size()), plugins,
                       seed);
}

}  // namespace cpnas
