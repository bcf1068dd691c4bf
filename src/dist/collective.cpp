#include "dist/collective.hpp"

#include "io/error.hpp"

namespace cpnas {

void check_summable(const torch::Tensor& values) {
  if (!values.is_contiguous() ||
      (values.scalar_type() != torch::kFloat && values.scalar_type() != torch::kDouble)) {
    throw Error("internal: a collective sum needs a contiguous float or double tensor, got " +
                std::string(c10::toString(values.scalar_type())));
  }
}

void broadcast_from_root(Collective& group, torch::Tensor& values) {
  if (group.rank() != 0) values.zero_();
  group.sum(values);
}

}  // namespace cpnas
