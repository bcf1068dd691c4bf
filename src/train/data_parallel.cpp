#include "train/data_parallel.hpp"

#include "train/stop.hpp"

namespace cpnas {
namespace {

// Runs `collective` on `tensors` as one flat float tensor: one message rather than one per tensor.
template <class F>
void as_one_message(const std::vector<torch::Tensor>& tensors, F collective) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.detach().reshape(-1).to(torch::kFloat));
  auto all = torch::cat(flat);
  collective(all);
  torch::NoGradGuard no_grad;
  int64_t at = 0;
  for (const auto& t : tensors) {
    t.detach().copy_(all.slice(0, at, at + t.numel()).view_as(t));
    at += t.numel();
  }
}

}  // namespace

void agree(Collective* group, const std::string& error) {
  const std::string agreed = group ? group->agree(error) : error;
  if (!agreed.empty()) throw AgreedError(agreed);
}

void align_with_root(StudentImpl& student, Collective& group) {
  std::vector<torch::Tensor> tensors = student.parameters();
  for (const auto& t : student.buffers()) {
    if (t.is_floating_point()) tensors.push_back(t);
  }
  as_one_message(tensors, [&](torch::Tensor& all) { broadcast_from_root(group, all); });
}

void sum_gradients(StudentImpl& student, Collective& group) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : student.parameters()) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  as_one_message(grads, [&](torch::Tensor& all) { group.sum(all); });
}

bool stop_agreed(Collective* group) {
  if (!group || group->size() == 1) return stop_requested();
  auto flag = torch::tensor({stop_requested() ? 1.0 : 0.0}, torch::kDouble);
  group->sum(flag);
  return flag.item<double>() > 0;
}

}  // namespace cpnas
