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
/// spread it). With `support` (a matrix of m's shape), the entries are where support is non-zero,
/// whatever m holds there: a trained graph keeps the adjacency's edges even where a weight is 0.
SparseRows sparse_rows(const torch::Tensor& m, const torch::Tensor& support = {});

}  // namespace cpnas
