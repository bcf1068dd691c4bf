#include "dist/sync_batch_norm.hpp"

#include "cpnas/batch_norm.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

torch::Tensor per_channel(const torch::Tensor& v) {
  return v.view({1, -1, 1, 1});
}

struct SynchronisedBatchNorm : torch::autograd::Function<SynchronisedBatchNorm> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               BatchNormImpl* bn, Collective* group) {
    const auto xf = x.to(torch::kFloat).contiguous();
    const int64_t channels = xf.size(1);
    const int64_t n = channels > 0 ? xf.numel() / channels : 0;
    // Sum of values and of squares, from each rank's own mean and squared deviations (accurate
    // two-pass statistics), combined in double precision.
    auto stats = torch::zeros({2 * channels + 1}, xf.options().dtype(torch::kDouble));
    if (n > 0) {
      const auto mean = xf.mean({0, 2, 3});
      const auto m2 = (xf - per_channel(mean)).square().sum({0, 2, 3});
      const auto mean_d = mean.to(torch::kDouble);
      stats.slice(0, 0, channels).copy_(mean_d * static_cast<double>(n));
      stats.slice(0, channels, 2 * channels)
          .copy_(m2.to(torch::kDouble) + mean_d.square() * static_cast<double>(n));
      stats[2 * channels].fill_(static_cast<double>(n));
    }
    group->sum(stats);
    const auto [mean, var] = finish_batch_statistics(*bn, stats);
    const double count = stats[2 * channels].item<double>();
    const auto invstd = (var + BatchNormImpl::kEps).rsqrt().to(torch::kFloat);
    const auto xhat = (xf - per_channel(mean.to(torch::kFloat))) * per_channel(invstd);
    auto y = xhat;
    if (weight.defined()) y = y * per_channel(weight.to(torch::kFloat));
    if (bias.defined()) y = y + per_channel(bias.to(torch::kFloat));
    ctx->save_for_backward({xhat, weight, invstd});
    ctx->saved_data["count"] = count;
    ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
    ctx->saved_data["dtype"] = static_cast<int64_t>(x.scalar_type());
    ctx->saved_data["bias"] = bias.defined();
    return y.to(x.scalar_type());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& xhat = saved[0];
    const auto& weight = saved[1];
    const auto& invstd = saved[2];
    const double count = ctx->saved_data["count"].toDouble();
    auto* group = reinterpret_cast<Collective*>(ctx->saved_data["group"].toInt());
    const auto dtype = static_cast<torch::ScalarType>(ctx->saved_data["dtype"].toInt());
    const auto dy = grad_outputs[0].to(torch::kFloat);
    const int64_t channels = xhat.size(1);
    const auto sum_dy = dy.sum({0, 2, 3});
    const auto sum_dy_xhat = (dy * xhat).sum({0, 2, 3});
    auto sums = torch::cat({sum_dy, sum_dy_xhat}).to(torch::kDouble);
    group->sum(sums);
    const auto mean_dy = (sums.slice(0, 0, channels) / count).to(torch::kFloat);
    const auto mean_dy_xhat = (sums.slice(0, channels, 2 * channels) / count).to(torch::kFloat);
    auto scale = invstd;
    if (weight.defined()) scale = scale * weight.to(torch::kFloat);
    const auto dx =
        (dy - per_channel(mean_dy) - xhat * per_channel(mean_dy_xhat)) * per_channel(scale);
    torch::Tensor dweight, dbias;
    if (weight.defined()) dweight = sum_dy_xhat.to(weight.scalar_type());
    if (ctx->saved_data["bias"].toBool()) dbias = sum_dy;
    return {dx.to(dtype), dweight, dbias, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

std::pair<torch::Tensor, torch::Tensor> finish_batch_statistics(BatchNormImpl& bn,
                                                                const torch::Tensor& stats) {
  const int64_t channels = (stats.size(0) - 1) / 2;
  const double count = stats[2 * channels].item<double>();
  if (count < 2) {
    throw Error("BatchNorm needs more than one value per channel in a training batch, got " +
                std::to_string(static_cast<int64_t>(count)));
  }
  const auto mean = stats.slice(0, 0, channels) / count;
  const auto var = (stats.slice(0, channels, 2 * channels) / count - mean.square()).clamp_min(0);
  torch::NoGradGuard no_grad;
  bn.num_batches_tracked += 1;
  const double factor = BatchNormImpl::kMomentum;
  const auto unbiased = var * (count / (count - 1));
  bn.running_mean.mul_(1 - factor).add_(mean.to(bn.running_mean.dtype()) * factor);
  bn.running_var.mul_(1 - factor).add_(unbiased.to(bn.running_var.dtype()) * factor);
  return {mean, var};
}

torch::Tensor synchronised_batch_norm(BatchNormImpl& bn, const torch::Tensor& x,
                                      Collective& group) {
  TORCH_CHECK(x.dim() == 4, "BatchNorm expects [N, C, T, V], got ", x.sizes());
  return SynchronisedBatchNorm::apply(x, bn.weight, bn.bias, &bn, &group);
}

std::vector<std::string> unsynchronised_batch_norms(torch::nn::Module& module) {
  std::vector<std::string> found;
  for (const auto& item : module.named_modules()) {
    const auto& m = item.value();
    if (m->as<torch::nn::BatchNorm1d>() || m->as<torch::nn::BatchNorm2d>() ||
        m->as<torch::nn::BatchNorm3d>()) {
      found.push_back(item.key() + " (" + m->name() + ")");
    }
  }
  return found;
}

}  // namespace cpnas
