#pragma once
// Collectives between GPUs with NCCL (built with CPNAS_WITH_NCCL). The communicator's unique id
// travels from rank 0 over MPI; sums run on the device's default stream, the one LibTorch uses,
// so they are ordered after the kernels that produced the values.

#include <nccl.h>

#include "dist/mpi_collective.hpp"

namespace cpnas {

/// GPU tensors through NCCL, CPU tensors through MPI.
class NcclCollective : public MpiCollective {
 public:
  NcclCollective(const World& world, int device_index);
  ~NcclCollective() override;
  NcclCollective(const NcclCollective&) = delete;
  NcclCollective& operator=(const NcclCollective&) = delete;

  void sum(torch::Tensor& values) override;
  [[noreturn]] void abort(const std::string& message) override;

 private:
  ncclComm_t comm_ = nullptr;
};

}  // namespace cpnas
