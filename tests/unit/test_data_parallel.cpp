// The pieces of data-parallel training that keep R ranks equal to one process, checked with ranks
// simulated by threads of this process: synchronised BatchNorm (forward, backward, running
// statistics), dropout rows of the global mask, and the refusal of unsynchronisable BatchNorm.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "cpnas/batch_norm.hpp"
#include "dist/batch_shard.hpp"
#include "dist/sync_batch_norm.hpp"

using namespace cpnas;

namespace {

// Ranks as threads: sum() waits until every rank has contributed, then hands each the total.
class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size) {}

  void sum(torch::Tensor& values) {
    std::unique_lock<std::mutex> lock(mutex_);
    const int64_t round = round_;
    total_ = arrived_ == 0 ? values.clone() : total_ + values;
    if (++arrived_ == size_) {
      result_ = total_;
      arrived_ = 0;
      ++round_;
      done_.notify_all();
    } else {
      done_.wait(lock, [&] { return round_ != round; });
    }
    values.copy_(result_);
  }
  // The lowest failing rank's error, prefixed with its rank on the others (as World::agree).
  std::string agree(int rank, const std::string& error) {
    auto failed = torch::zeros({size_}, torch::kDouble);
    if (!error.empty()) failed[rank] = 1;
    std::unique_lock<std::mutex> lock(mutex_);
    if (!error.empty()) errors_[rank] = error;
    lock.unlock();
    sum(failed);
    for (int r = 0; r < size_; ++r) {
      if (failed[r].item<double>() == 0) continue;
      lock.lock();
      const std::string first = errors_[r];
      lock.unlock();
      return r == rank ? first : "rank " + std::to_string(r) + ": " + first;
    }
    return "";
  }
  int size() const { return size_; }

 private:
  std::map<int, std::string> errors_;
  int size_, arrived_ = 0;
  int64_t round_ = 0;
  torch::Tensor total_, result_;
  std::mutex mutex_;
  std::condition_variable done_;
};

class ThreadRank : public Collective {
 public:
  ThreadRank(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  void sum(torch::Tensor& values) override { group_.sum(values); }
  std::string agree(const std::string& error) override { return group_.agree(rank_, error); }
  void abort(const std::string& message) override { throw std::runtime_error(message); }

 private:
  ThreadGroup& group_;
  int rank_;
};

struct Pass {
  torch::Tensor y, dx, dweight, dbias, running_mean, running_var;
};

// One training forward and backward of a fresh BatchNorm on `x` (swish after it where asked), the
// loss weighting each output element by `w` (so that gradients differ from element to element).
Pass train_step(const torch::Tensor& x, const torch::Tensor& w, bool swish = false) {
  BatchNorm bn(x.size(1));
  bn->weight.data().copy_(torch::linspace(0.5, 2, x.size(1)));
  bn->bias.data().copy_(torch::linspace(-1, 1, x.size(1)));
  auto input = x.clone().requires_grad_(true);
  auto y = swish ? bn->forward_activated(input, Activation::swish) : bn(input);
  (y * w).sum().backward();
  return {y.detach(),      input.grad(),     bn->weight.grad(),
          bn->bias.grad(), bn->running_mean, bn->running_var};
}

}  // namespace

TEST(BatchNorm, ComputesWhatTorchBatchNorm2dComputesUnderTheSameNames) {
  torch::manual_seed(3);
  BatchNorm ours(5);
  torch::nn::BatchNorm2d theirs(5);
  std::vector<std::string> a, b;
  for (const auto& p : ours->named_parameters()) a.push_back(p.key());
  for (const auto& p : ours->named_buffers()) a.push_back(p.key());
  for (const auto& p : theirs->named_parameters()) b.push_back(p.key());
  for (const auto& p : theirs->named_buffers()) b.push_back(p.key());
  EXPECT_EQ(a, b);
  for (int step = 0; step < 3; ++step) {
    const auto x = torch::randn({4, 5, 7, 3}) * 3 + 2;
    EXPECT_TRUE(torch::allclose(ours(x), theirs(x), 1e-5, 1e-6)) << step;
  }
  EXPECT_TRUE(torch::allclose(ours->running_mean, theirs->running_mean));
  EXPECT_TRUE(torch::allclose(ours->running_var, theirs->running_var));
  EXPECT_EQ(ours->num_batches_tracked.item<int64_t>(), 3);
  ours->eval();
  theirs->eval();
  const auto x = torch::randn({2, 5, 7, 3});
  EXPECT_TRUE(torch::allclose(ours(x), theirs(x), 1e-5, 1e-6));
}

namespace {

// Three ranks (simulated by threads) holding rows [0, 4), [4, 10) and none of x train as one
// process holding them all.
void expect_three_ranks_equal_one_batch(const torch::Tensor& x, bool swish) {
  const auto w = torch::randn(x.sizes());
  const Pass whole = train_step(x, w, swish);

  const std::vector<int64_t> bounds{0, 4, 10, 10};  // the last rank holds no rows
  ThreadGroup group(3);
  std::vector<Pass> parts(3);
  std::vector<std::thread> ranks;
  for (int r = 0; r < 3; ++r) {
    ranks.emplace_back([&, r] {
      ThreadRank rank(group, r);
      const BatchShard shard{10, bounds[r], &rank};
      BatchShardScope scope(shard);
      parts[r] = train_step(x.slice(0, bounds[r], bounds[r + 1]),
                            w.slice(0, bounds[r], bounds[r + 1]), swish);
    });
  }
  for (auto& t : ranks) t.join();

  EXPECT_TRUE(
      torch::allclose(torch::cat({parts[0].y, parts[1].y, parts[2].y}), whole.y, 1e-5, 1e-5));
  EXPECT_TRUE(
      torch::allclose(torch::cat({parts[0].dx, parts[1].dx, parts[2].dx}), whole.dx, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(parts[0].dweight + parts[1].dweight + parts[2].dweight, whole.dweight,
                              1e-4, 1e-4));
  EXPECT_TRUE(
      torch::allclose(parts[0].dbias + parts[1].dbias + parts[2].dbias, whole.dbias, 1e-4, 1e-4));
  for (const auto& p : parts) {
    EXPECT_TRUE(torch::allclose(p.running_mean, whole.running_mean, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(p.running_var, whole.running_var, 1e-5, 1e-6));
  }
  // A wrong formula would fail the checks above: the rows of one rank alone normalise otherwise.
  EXPECT_FALSE(torch::allclose(train_step(x.slice(0, 0, 4), w.slice(0, 0, 4), swish).y, parts[0].y,
                               1e-3, 1e-3));
}

}  // namespace

TEST(SynchronisedBatchNorm, ThreeRanksWithUnevenAndEmptySharesEqualOneBatch) {
  torch::manual_seed(11);
  expect_three_ranks_equal_one_batch(torch::randn({10, 3, 6, 5}) * 4 + 7, false);
}

// Channels-last, as the CPU trains: the core's kernels (batch_norm_training.cpp), with swish.
TEST(SynchronisedBatchNorm, TheCoresChannelsLastKernelsWithSwishEqualOneBatch) {
  torch::manual_seed(12);
  const auto x =
      (torch::randn({10, 19, 6, 5}) * 4 + 7).contiguous(torch::MemoryFormat::ChannelsLast);
  expect_three_ranks_equal_one_batch(x, true);
}

TEST(BatchDropout, EachRankKeepsItsRowsOfTheGlobalBatchMask) {
  const auto x = torch::ones({6, 4, 1, 1});
  at::Generator one_rank = at::detail::createCPUGenerator(5);
  at::Generator other_rank = at::detail::createCPUGenerator(5);
  const auto whole = batch_dropout(x, 0.5, &one_rank);
  EXPECT_TRUE((whole == 0).any().item<bool>());
  EXPECT_TRUE((whole == 2).any().item<bool>());
  const BatchShard shard{6, 2, nullptr};
  BatchShardScope scope(shard);
  EXPECT_TRUE(
      torch::equal(batch_dropout(x.slice(0, 2, 5), 0.5, &other_rank), whole.slice(0, 2, 5)));
}

TEST(DataParallel, PlainTorchBatchNormIsNamedAsUnsynchronisable) {
  torch::nn::Sequential net(BatchNorm(3), torch::nn::Conv2d(3, 3, 1), torch::nn::BatchNorm2d(3));
  const auto found = unsynchronised_batch_norms(*net);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "2 (torch::nn::BatchNorm2dImpl)");
}
