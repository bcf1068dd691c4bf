#pragma once
// Collectives over MPI. Tensors on a GPU travel through host memory (NCCL does better; see
// nccl_collective.hpp).

#include "dist/collective.hpp"
#include "dist/world.hpp"

namespace cpnas {

class MpiCollective : public Collective {
 public:
  explicit MpiCollective(const World& world) : world_(world) {}
  int rank() const override { return world_.rank(); }
  int size() const override { return world_.size(); }
  void sum(torch::Tensor& values) override;
  std::string agree(const std::string& error) override { return world_.agree(error); }
  [[noreturn]] void abort(const std::string& message) override;

 private:
  const World& world_;
};

/// NCCL when cpnas was built with it and `device` is a GPU, MPI otherwise.
std::unique_ptr<Collective> make_collective(const World& world, const torch::Device& device);

}  // namespace cpnas
