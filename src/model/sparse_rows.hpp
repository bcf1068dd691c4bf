#pragma once
// A small matrix's non-zeros, row by row: the evaluation kernels multiply by skeleton graphs,
// whose subsets hold ~5 % non-zeros, from such lists (testing each entry instead cost a
// mispredicted branch per non-zero).

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace cpnas {

struct SparseRows {
  std::vector<int64_t> start;  ///< row r's entries are [start[r], start[r + 1])
  std::vector<int64_t> column;
  std::vector<float> value;

  int64_t rows() const { return static_cast<int64_t>(start.size()) - 1; }
};

/// The non-zeros of fp32 matrix m [R, J] (a NaN counts as non-zero, as the dense product would
/// spread it).
SparseRows sparse_rows(const torch::Tensor& m);

}  // namespace cpnas
