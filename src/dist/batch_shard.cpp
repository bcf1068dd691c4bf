#include "dist/batch_shard.hpp"

namespace cpnas {
namespace {
thread_local const BatchShard* current = nullptr;
}  // namespace

BatchShardScope::BatchShardScope(const BatchShard& shard) : previous_(current) {
  current = &shard;
}

BatchShardScope::~BatchShardScope() {
  current = previous_;
}

const BatchShard* current_batch_shard() {
  return current;
}

torch::Tensor batch_dropout(const torch::Tensor& x, double p, at::Generator* generator) {
  if (p <= 0) return x;
  const int64_t n = x.size(0);
  const int64_t global = current ? current->global_size : n;
  const int64_t offset = current ? current->offset : 0;
  auto shape = x.sizes().vec();
  shape[0] = global;
  c10::optional<at::Generator> draws;
  if (generator && x.is_cpu()) draws = *generator;
  const auto keep = torch::empty(shape, x.options().dtype(torch::kFloat)).bernoulli_(1 - p, draws);
  return x * (keep.slice(0, offset, offset + n) / (1 - p)).to(x.scalar_type());
}

}  // namespace cpnas
