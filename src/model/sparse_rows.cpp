#include "model/sparse_rows.hpp"

namespace cpnas {

SparseRows sparse_rows(const torch::Tensor& m, const torch::Tensor& support) {
  const auto c = m.contiguous();
  const auto where = (support.defined() ? support : m).to(torch::kFloat).contiguous();
  TORCH_INTERNAL_ASSERT(where.sizes() == c.sizes());
  const float* p = c.data_ptr<float>();
  const float* w = where.data_ptr<float>();
  const int64_t rows = c.size(0), columns = c.size(1);
  SparseRows s;
  s.start.push_back(0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < columns; ++j) {
      if (w[r * columns + j] != 0.0f) {
        s.column.push_back(j);
        s.value.push_back(p[r * columns + j]);
      }
    }
    s.start.push_back(static_cast<int64_t>(s.column.size()));
  }
  return s;
}

}  // namespace cpnas
