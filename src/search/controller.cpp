#include "search/controller.hpp"

#include <algorithm>
#include <cmath>

#include "io/error.hpp"

namespace cpnas {

Controller::Controller(const SearchSpace& space, ControllerOptions options) : options_(options) {
  for (const auto& key : space.keys) logits_.emplace_back(key.choices.size(), 0.0);
  m_ = v_ = logits_;
}

std::vector<double> Controller::probabilities(std::size_t k) const {
  const auto& z = logits_.at(k);
  const double top = *std::max_element(z.begin(), z.end());
  std::vector<double> p(z.size());
  double sum = 0;
  for (std::size_t j = 0; j < z.size(); ++j) sum += p[j] = std::exp(z[j] - top);
  for (auto& x : p) x /= sum;
  return p;
}

Actions Controller::sample(Rng& rng) const {
  Actions actions(logits_.size());
  for (std::size_t k = 0; k < logits_.size(); ++k) {
    const auto n = logits_[k].size();
    if (options_.random) {
      actions[k] = static_cast<int>(rng.below(n));
      continue;
    }
    const auto p = probabilities(k);
    double u = rng.uniform(), cumulative = 0;
    actions[k] = static_cast<int>(n - 1);  // guards against rounding leaving u above the sum
    for (std::size_t j = 0; j < n; ++j) {
      cumulative += p[j];
      if (u < cumulative) {
        actions[k] = static_cast<int>(j);
        break;
      }
    }
  }
  return actions;
}

Actions Controller::argmax() const {
  Actions actions(logits_.size());
  for (std::size_t k = 0; k < logits_.size(); ++k) {
    const auto& z = logits_[k];
    actions[k] = static_cast<int>(std::max_element(z.begin(), z.end()) - z.begin());
  }
  return actions;
}

void Controller::update(const std::vector<Rollout>& batch) {
  if (options_.random || batch.empty()) return;
  double baseline = 0;
  if (options_.baseline) {
    for (const auto& r : batch) baseline += r.reward;
    baseline /= static_cast<double>(batch.size());
  }
  // The loss is summed over the batch, -sum r * log pi(a), as the published code sums it.
  // d/dz_j of log softmax(z)_a is [a == j] - p_j, so the loss gradient needs no autograd.
  constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  ++step_;
  const double c1 = 1 - std::pow(beta1, static_cast<double>(step_));
  const double c2 = 1 - std::pow(beta2, static_cast<double>(step_));
  for (std::size_t k = 0; k < logits_.size(); ++k) {
    const auto p = probabilities(k);
    std::vector<double> grad(p.size(), 0.0);
    for (const auto& r : batch) {
      if (r.actions.size() != logits_.size()) throw Error("rollout does not fit the policy");
      const double advantage = r.reward - baseline;
      for (std::size_t j = 0; j < p.size(); ++j) {
        grad[j] -= advantage * ((r.actions[k] == static_cast<int>(j) ? 1.0 : 0.0) - p[j]);
      }
    }
    for (std::size_t j = 0; j < p.size(); ++j) {
      m_[k][j] = beta1 * m_[k][j] + (1 - beta1) * grad[j];
      v_[k][j] = beta2 * v_[k][j] + (1 - beta2) * grad[j] * grad[j];
      logits_[k][j] -= options_.lr * (m_[k][j] / c1) / (std::sqrt(v_[k][j] / c2) + eps);
    }
  }
}

nlohmann::json Controller::state() const {
  return {{"logits", logits_}, {"adam_m", m_}, {"adam_v", v_}, {"step", step_}};
}

void Controller::restore(const nlohmann::json& state) {
  auto logits = state.at("logits").get<std::vector<std::vector<double>>>();
  if (logits.size() != logits_.size()) throw Error("policy has a different number of keys");
  for (std::size_t k = 0; k < logits.size(); ++k) {
    if (logits[k].size() != logits_[k].size())
      throw Error("policy of key " + std::to_string(k) + " has a different number of choices");
  }
  logits_ = std::move(logits);
  m_ = state.at("adam_m").get<std::vector<std::vector<double>>>();
  v_ = state.at("adam_v").get<std::vector<std::vector<double>>>();
  step_ = state.at("step").get<int64_t>();
}

}  // namespace cpnas
