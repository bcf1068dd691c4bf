#pragma once
// Attribution of a student's CP decision to its input windows, per frame and joint (issue 19):
// class activation maps, gradient x input and integrated gradients. Every method explains the
// same quantity, the log-odds of CP (logit CP - logit no CP): the probability saturates near 0
// and 1, where its gradients vanish, and the log-odds is what the classifier adds up.

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "model/student.hpp"

namespace cpnas {

enum class ExplainMethod { cam, gradients, integrated_gradients };

/// "cam", "gradients" or "integrated-gradients"; anything else is an Error listing them.
ExplainMethod parse_explain_method(const std::string& name);
std::string method_name(ExplainMethod method);

struct AttributionOptions {
  ExplainMethod method = ExplainMethod::cam;
  int64_t steps = 32;  ///< integrated gradients: points on the path from the baseline
  int64_t batch = 32;  ///< windows (or path points) per forward pass
};

struct WindowAttribution {
  torch::Tensor map;       ///< [N, T, V] double: contribution to the log-odds of CP
  torch::Tensor log_odds;  ///< [N] double: f(x)
  /// [N] double, integrated gradients only: f(baseline); the maps of a window sum to
  /// f(x) - f(baseline) up to the path integral's discretisation error.
  torch::Tensor baseline_log_odds;
};

/// The log-odds of CP from logits [N, 2].
torch::Tensor log_odds_of(const torch::Tensor& logits);

/// Attributes windows `x` [N, F, 4, T, V] (on the student's device, fp32). `baseline` (same
/// shape) is the start of integrated gradients' path and unused by the other methods. The student
/// is put in evaluation mode and given back its mode.
///  - cam: the classifier's CP-minus-no-CP weights applied to the main stream's last output,
///    [T', V] mapped back onto the window's T frames (each frame takes its output step's value).
///    Its mean over frames and joints is f(x) minus the classifier's bias, which belongs to no
///    joint or moment and is left out.
///  - gradients: x times df/dx, summed over features and channels.
///  - integrated gradients: (x - baseline) times the mean of df/dx at the midpoints of `steps`
///    equal segments of the straight path, summed over features and channels.
WindowAttribution attribute_windows(StudentImpl& student, const torch::Tensor& x,
                                    const torch::Tensor& baseline,
                                    const AttributionOptions& options);

}  // namespace cpnas
