// The input gradient of a stride-1 convolution as a forward convolution: for y = x * w (stride 1,
// padding p), dL/dx is dL/dy convolved with w flipped in time and joints and with its input and
// output channels swapped, at padding k - 1 - p, which returns x's size exactly.
#include "model/convolution_training.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include <ATen/record_function.h>

#include "model/cpu_features.hpp"
#include "model/precision.hpp"

namespace cpnas {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Whether oneDNN runs its AVX-512 code: the CPU has AVX-512 (F, BW, VL, DQ) and neither
// ONEDNN_MAX_CPU_ISA nor DNNL_MAX_CPU_ISA, which oneDNN reads, caps it below (as bench/ does to
// time AVX2 code on an AVX-512 machine).
bool onednn_avx512() {
  static const bool yes = [] {
#if defined(__x86_64__)
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq")) {
      return false;
    }
    for (const char* name : {"ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"}) {
      const char* value = std::getenv(name);
      if (value == nullptr || *value == '\0') continue;
      std::string isa(value);
      for (auto& c : isa) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return isa == "ALL" || isa.rfind("AVX512", 0) == 0 || isa.rfind("AVX10", 0) == 0;
    }
    return true;
#else
    return false;
#endif
  }();
  return yes;
}

// A short temporal kernel's (2 or 3 x 1) weight gradient over channels-last memory: oneDNN's
// AVX2 code takes 1.1-1.4x the time of LibTorch's batched products (OpenBLAS), a product per tap
// (bench/conv_shapes.py: a 3x1 kernel over 64 channels at 150 frames 68 against 47 ms); from 5
// taps on the two are even, from 7 oneDNN's wins, and its AVX-512 code wins on every kernel
// (1.6-2x). 1x1 kernels' weight gradients are a product for oneDNN too and stay its own.
bool weight_gradient_as_products_wins(const torch::Tensor& x, const torch::Tensor& dy,
                                      const torch::Tensor& weight,
                                      const std::vector<int64_t>& padding) {
  return weight.size(2) > 1 && weight.size(2) <= 3 && weight.size(3) == 1 && padding[1] == 0 &&
         !onednn_avx512() && x.is_contiguous(at::MemoryFormat::ChannelsLast) &&
         dy.is_contiguous(at::MemoryFormat::ChannelsLast);
}

struct InputGradientAsForward : torch::autograd::Function<InputGradientAsForward> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight,
                               const c10::optional<torch::Tensor>& bias,
                               std::vector<int64_t> padding) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["padding"] = padding;
    // LibTorch 1.13's custom functions take no undefined tensors; its edges then skip the bias.
    ctx->saved_data["bias"] = bias.has_value();
    return at::conv2d(x, weight, bias, {1, 1}, padding, {1, 1}, 1);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const auto padding = ctx->saved_data["padding"].toIntVector();
    const auto& dy = grads[0];
    torch::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) {
      RECORD_FUNCTION("cpnas::conv_input_gradient_as_forward", std::vector<c10::IValue>());
      const auto kernel =
          weight.flip({2, 3}).transpose(0, 1).contiguous(weight.suggest_memory_format());
      std::vector<int64_t> full(2);
      for (size_t i = 0; i < 2; ++i) full[i] = weight.size(2 + i) - 1 - padding[i];
      dx = at::conv2d(dy, kernel, {}, {1, 1}, full, {1, 1}, 1);
    }
    const bool bias = ctx->saved_data["bias"].toBool();
    const bool weights = ctx->needs_input_grad(1), biases = bias && ctx->needs_input_grad(2);
    if (weights && weight_gradient_as_products_wins(x, dy, weight, padding)) {
      dw = weight_gradient_as_products(x, dy, weight, padding[0]);
      if (biases) db = dy.sum({0, 2, 3});
    } else if (weights || biases) {
      std::tie(std::ignore, dw, db) = at::convolution_backward(
          dy, x, weight,
          bias ? c10::optional<at::IntArrayRef>(weight.sizes().slice(0, 1)) : c10::nullopt, {1, 1},
          padding, {1, 1}, false, {0, 0}, 1, {false, weights, biases});
    }
    return {dx, dw, db, torch::Tensor()};
  }
};

bool input_gradient_as_forward(const torch::Tensor& x, const torch::Tensor& weight,
                               at::IntArrayRef stride, at::IntArrayRef padding,
                               at::IntArrayRef dilation, int64_t groups) {
  if (!torch::GradMode::is_enabled() || !x.requires_grad() || !x.is_cpu() || x.dim() != 4 ||
      weight.dim() != 4 || x.scalar_type() != torch::kFloat ||
      weight.scalar_type() != torch::kFloat || groups != 1 || stride.size() != 2 ||
      padding.size() != 2 || dilation.size() != 2 || !use_cpu_kernels() ||
      autocast_enabled(/*cuda=*/false)) {
    return false;
  }
  for (size_t i = 0; i < 2; ++i) {
    // A padding beyond the kernel's reach would make an output larger than the full convolution.
    // Dilated kernels stay oneDNN's: the graph layer's (1, K) kernel dilated by V, as a forward
    // convolution padded by V (K - 1), took 36-78 ms against 9-13 ms for oneDNN's whole backward
    // on AVX2 code paths (bench/conv_shapes.py's shapes, [32, 4, 150, K V]).
    if (stride[i] != 1 || dilation[i] != 1 || padding[i] < 0 ||
        padding[i] > weight.size(2 + i) - 1) {
      return false;
    }
  }
  return true;
}

}  // namespace

torch::Tensor weight_gradient_as_products(const torch::Tensor& x, const torch::Tensor& dy,
                                          const torch::Tensor& weight, int64_t padding) {
  RECORD_FUNCTION("cpnas::conv_weight_gradient_as_products", std::vector<c10::IValue>());
  const int64_t n = x.size(0), frames = x.size(2), joints = x.size(3), out_frames = dy.size(2);
  // [N, frames x joints, channels]: views of channels-last memory.
  const auto rows = [n](const torch::Tensor& t) {
    return t.permute({0, 2, 3, 1}).reshape({n, -1, t.size(1)});
  };
  const auto in = rows(x), out = rows(dy);
  auto dw = at::zeros({weight.size(0), weight.size(1), weight.size(2)}, weight.options());
  for (int64_t tap = 0; tap < weight.size(2); ++tap) {
    // Output frame t reads input frame t + shift.
    const int64_t shift = tap - padding;
    const int64_t first = std::max<int64_t>(0, -shift);
    const int64_t last = std::min(out_frames, frames - shift);
    if (first >= last) continue;
    const auto products = at::bmm(out.slice(1, first * joints, last * joints).transpose(1, 2),
                                  in.slice(1, (first + shift) * joints, (last + shift) * joints));
    dw.select(2, tap).copy_(products.sum(0));
  }
  return dw.unsqueeze(3).contiguous(weight.suggest_memory_format());
}

torch::Tensor conv2d_training(const torch::Tensor& x, const torch::Tensor& weight,
                              const torch::Tensor& bias, at::IntArrayRef stride,
                              at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (input_gradient_as_forward(x, weight, stride, padding, dilation, groups)) {
    return InputGradientAsForward::apply(
        x, weight, bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt,
        padding.vec());
  }
  // at::conv2d, not at::convolution: autocast casts the former to bf16.
  return at::conv2d(x, weight, bias, stride, padding, dilation, groups);
}

torch::Tensor conv2d_training(torch::nn::Conv2dImpl& conv, const torch::Tensor& x) {
  const auto& o = conv.options;
  // LibTorch 1.13 holds the padding in a c10::variant, 2.x in a std::variant: the unqualified
  // call finds either's get_if.
  using std::get_if;
  const auto* padding = get_if<torch::ExpandingArray<2>>(&o.padding());
  if (padding == nullptr || torch::enumtype::get_enum_name(o.padding_mode()) != "kZeros") {
    return conv.forward(x);
  }
  return conv2d_training(x, conv.weight, conv.bias, *o.stride(), **padding, *o.dilation(),
                         o.groups());
}

namespace host {

torch::Tensor conv2d(torch::nn::Conv2dImpl& conv, const torch::Tensor& x) {
  return conv2d_training(conv, x);
}

}  // namespace host
}  // namespace cpnas
