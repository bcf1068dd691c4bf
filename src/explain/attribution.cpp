#include "explain/attribution.hpp"

#include "io/error.hpp"
#include "model/eval_scope.hpp"

namespace cpnas {
namespace {

torch::Tensor class_activation_map(StudentImpl& student, const torch::Tensor& x,
                                   torch::Tensor& log_odds) {
  torch::NoGradGuard no_grad;
  const torch::Tensor main = student.main_stream(x);  // [N, C, T', V]
  log_odds = log_odds_of(student.classify(main));
  const torch::Tensor weights = student.class_weights();
  const torch::Tensor toward_cp = weights[1] - weights[0];
  const torch::Tensor cam = torch::einsum("nctv,c->ntv", {main, toward_cp});
  const int64_t frames = x.size(3), steps = cam.size(1);
  std::vector<int64_t> step_of_frame(frames);
  for (int64_t t = 0; t < frames; ++t) step_of_frame[t] = t * steps / frames;
  return cam.index_select(1, torch::tensor(step_of_frame, torch::kLong).to(cam.device()));
}

// df/dx at each of `points` [N, F, 4, T, V]: one gradient of the summed log-odds gives every
// point its own, as points do not interact in evaluation mode. Only the input's gradient is
// computed; the weights' .grad stay untouched.
torch::Tensor gradient_at(StudentImpl& student, const torch::Tensor& points,
                          torch::Tensor* log_odds = nullptr) {
  torch::AutoGradMode with_gradients(true);
  const torch::Tensor input = points.detach().requires_grad_(true);
  const torch::Tensor f = log_odds_of(student.forward(input));
  torch::Tensor gradient = torch::autograd::grad({f.sum()}, {input})[0];
  if (log_odds) *log_odds = f.detach();
  return gradient;
}

torch::Tensor integrated_gradients(StudentImpl& student, const torch::Tensor& x,
                                   const torch::Tensor& baseline, int64_t steps, int64_t batch) {
  auto attribution =
      torch::zeros({x.size(0), x.size(3), x.size(4)}, x.options().dtype(torch::kDouble));
  const torch::Tensor alphas =
      (torch::arange(steps, torch::kDouble) + 0.5) / static_cast<double>(steps);
  for (int64_t n = 0; n < x.size(0); ++n) {
    const torch::Tensor from = baseline[n], delta = x[n] - baseline[n];
    torch::Tensor gradient_sum = torch::zeros_like(delta, delta.options().dtype(torch::kDouble));
    for (int64_t begin = 0; begin < steps; begin += batch) {
      const int64_t end = std::min(steps, begin + batch);
      const torch::Tensor a =
          alphas.slice(0, begin, end).to(x.device(), torch::kFloat).view({-1, 1, 1, 1, 1});
      const torch::Tensor points = from.unsqueeze(0) + a * delta.unsqueeze(0);
      gradient_sum += gradient_at(student, points).to(torch::kDouble).sum(0);
    }
    attribution[n] = (delta.to(torch::kDouble) * gradient_sum / static_cast<double>(steps))
                         .sum(at::IntArrayRef{0, 1});
  }
  return attribution;
}

torch::Tensor log_odds_without_gradients(StudentImpl& student, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return log_odds_of(student.forward(x));
}

}  // namespace

ExplainMethod parse_explain_method(const std::string& name) {
  for (auto m :
       {ExplainMethod::cam, ExplainMethod::gradients, ExplainMethod::integrated_gradients}) {
    if (method_name(m) == name) return m;
  }
  throw Error("unknown explanation method '" + name +
              "' (choose cam, gradients or integrated-gradients)");
}

std::string method_name(ExplainMethod method) {
  switch (method) {
    case ExplainMethod::cam:
      return "cam";
    case ExplainMethod::gradients:
      return "gradients";
    case ExplainMethod::integrated_gradients:
      return "integrated-gradients";
  }
  return "?";
}

torch::Tensor log_odds_of(const torch::Tensor& logits) {
  const torch::Tensor l = logits.to(torch::kDouble);
  return l.select(1, 1) - l.select(1, 0);
}

WindowAttribution attribute_windows(StudentImpl& student, const torch::Tensor& x,
                                    const torch::Tensor& baseline, const AttributionOptions& o) {
  if (o.steps < 1 || o.batch < 1) throw Error("explain: --steps and the batch must be positive");
  EvalScope eval(student);
  WindowAttribution out;
  std::vector<torch::Tensor> maps, log_odds;
  for (int64_t begin = 0; begin < x.size(0); begin += o.batch) {
    const torch::Tensor part = x.slice(0, begin, std::min(x.size(0), begin + o.batch));
    torch::Tensor f;
    switch (o.method) {
      case ExplainMethod::cam:
        maps.push_back(class_activation_map(student, part, f).to(torch::kDouble));
        break;
      case ExplainMethod::gradients:
        maps.push_back((part * gradient_at(student, part, &f)).sum({1, 2}).to(torch::kDouble));
        break;
      case ExplainMethod::integrated_gradients:
        maps.push_back(integrated_gradients(
            student, part, baseline.slice(0, begin, begin + part.size(0)), o.steps, o.batch));
        f = log_odds_without_gradients(student, part);
        break;
    }
    log_odds.push_back(f);
  }
  out.map = torch::cat(maps).cpu();
  out.log_odds = torch::cat(log_odds).cpu();
  if (o.method == ExplainMethod::integrated_gradients) {
    std::vector<torch::Tensor> base;
    for (int64_t begin = 0; begin < x.size(0); begin += o.batch) {
      base.push_back(log_odds_without_gradients(
          student, baseline.slice(0, begin, std::min(x.size(0), begin + o.batch))));
    }
    out.baseline_log_odds = torch::cat(base).cpu();
  }
  return out;
}

}  // namespace cpnas
