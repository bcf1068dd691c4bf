#include "model/profile.hpp"

#include <ATen/record_function.h>

#include <chrono>
#include <cstring>

#include "io/error.hpp"

namespace cpnas {
namespace {

// Operator-level counting through RecordFunction callbacks, so plugin layers are counted without
// their cooperation. Only outermost operators count: aten::conv2d dispatches to further
// convolution operators that would otherwise be counted again.
//
// The convention is that of the published figures (PyTorch-OpCounter): a convolution costs
// output elements x (input channels per group x kernel size + 1 when it has a bias), a BatchNorm
// 2 per element; matrix products (the graph aggregation) are counted apart.
//
// An operator's inputs can be read only in the start callback (LibTorch 2.x keeps them on the
// caller's stack, gone by the end callback), its outputs only in the end callback: the start
// notes the MACs per output element, the end multiplies.
thread_local int op_depth = 0;
thread_local int64_t counted_macs = 0;
thread_local int64_t counted_graph_macs = 0;

struct OpCost : at::ObserverContext {
  int64_t macs_per_output = 0;
  bool graph = false;
};

bool is(const char* name, const char* op) {
  return std::strcmp(name, op) == 0;
}

std::unique_ptr<at::ObserverContext> cost_of(const at::RecordFunction& fn) {
  const char* name = fn.name();
  const auto inputs = fn.inputs();
  const auto needs = [&](size_t count) {
    if (inputs.size() < count) {
      throw Error(std::string("profile: LibTorch recorded no inputs of ") + name);
    }
  };
  auto cost = std::make_unique<OpCost>();
  if (is(name, "aten::conv2d") || is(name, "aten::convolution")) {
    needs(3);
    const auto w = inputs[1].toTensor();
    const int64_t bias = inputs[2].isTensor() && inputs[2].toTensor().defined() ? 1 : 0;
    cost->macs_per_output = w.size(1) * w.size(2) * w.size(3) + bias;
  } else if (is(name, "aten::batch_norm")) {
    cost->macs_per_output = 2;
  } else if (is(name, "cpnas::product_per_frame")) {
    // Not an operator: LibTorch records no outputs of it. Its output is [B, R, C] of left [R, J]
    // and frames [B, J, C], counted as the dense product at::bmm would compute.
    needs(2);
    const auto left = inputs[0].toTensor(), frames = inputs[1].toTensor();
    counted_graph_macs += frames.size(0) * left.size(0) * frames.size(2) * left.size(1);
    return nullptr;
  } else if (is(name, "aten::mm") || is(name, "aten::matmul") || is(name, "aten::bmm")) {
    needs(1);
    cost->macs_per_output = inputs[0].toTensor().size(-1);
    cost->graph = true;
  } else {
    return nullptr;
  }
  return cost;
}

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction& fn) {
  return op_depth++ == 0 ? cost_of(fn) : nullptr;
}

void on_exit(const at::RecordFunction& fn, at::ObserverContext* context) {
  --op_depth;
  const auto* cost = static_cast<const OpCost*>(context);
  const auto& outputs = fn.outputs();
  if (!cost || outputs.empty() || !outputs[0].isTensor()) return;
  (cost->graph ? counted_graph_macs : counted_macs) +=
      outputs[0].toTensor().numel() * cost->macs_per_output;
}

class Profiler : public LayerObserver {
 public:
  void layer(const std::string& name, const torch::nn::Module& module,
             const torch::Tensor& output) override {
    LayerProfile p;
    p.name = name;
    p.output_shape = output.sizes().vec();
    for (const auto& param : module.parameters()) p.params += param.numel();
    p.macs = counted_macs - macs_at_last_layer_;
    p.graph_macs = counted_graph_macs - graph_macs_at_last_layer_;
    macs_at_last_layer_ = counted_macs;
    graph_macs_at_last_layer_ = counted_graph_macs;
    layers.push_back(std::move(p));
  }
  std::vector<LayerProfile> layers;

 private:
  int64_t macs_at_last_layer_ = 0, graph_macs_at_last_layer_ = 0;
};

// Layers run one after another, so the time between two observations is the later layer's.
class Timer : public LayerObserver {
 public:
  void layer(const std::string& name, const torch::nn::Module&, const torch::Tensor&) override {
    const auto now = std::chrono::steady_clock::now();
    times.push_back({name, std::chrono::duration<double, std::milli>(now - last).count()});
    last = now;
  }
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  std::vector<LayerTime> times;
};

}  // namespace

std::vector<LayerTime> time_layers(StudentImpl& student, int64_t joints, int64_t batch,
                                   int64_t frames) {
  const bool was_training = student.is_training();
  student.eval();
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({batch, student.num_features(), 4, frames, joints});
  student.forward(input);
  Timer timer;
  student.forward(input, &timer);
  student.train(was_training);
  return timer.times;
}

ParameterCount count_parameters(const torch::nn::Module& module) {
  ParameterCount count;
  for (const auto& item : module.named_parameters()) {
    count.params += item.value().numel();
    if (item.key().find("edge_importance") == std::string::npos) {
      count.params_paper += item.value().numel();
    }
  }
  return count;
}

ModelProfile profile_student(StudentImpl& student, int64_t joints, int64_t frames) {
  ModelProfile result;
  const ParameterCount count = count_parameters(student);
  result.params = count.params;
  result.params_paper = count.params_paper;

  const bool was_training = student.is_training();
  student.eval();
  // Recording gradients keeps every layer on its defining operators: without them evaluation
  // folds BatchNorm into convolutions and fuses layer ends, and the count would follow that.
  torch::AutoGradMode with_gradients(true);
  const auto input = torch::zeros({1, student.num_features(), 4, frames, joints});
  Profiler profiler;
  op_depth = 0;
  counted_macs = 0;
  counted_graph_macs = 0;
  const auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_enter, on_exit).needsInputs(true).needsOutputs(true));
  try {
    student.forward(input, &profiler);
  } catch (...) {
    at::removeCallback(handle);
    throw;
  }
  at::removeCallback(handle);
  student.train(was_training);

  result.macs = counted_macs;
  result.graph_macs = counted_graph_macs;
  result.layers = std::move(profiler.layers);
  return result;
}

}  // namespace cpnas
