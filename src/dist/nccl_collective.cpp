#include "dist/nccl_collective.hpp"

#include <cuda_runtime_api.h>

#include <spdlog/spdlog.h>

#include "io/error.hpp"

namespace cpnas {
namespace {

void check_nccl(ncclResult_t result, const char* what) {
  if (result != ncclSuccess) {
    throw Error(std::string("NCCL ") + what + ": " + ncclGetErrorString(result));
  }
}

void check_cuda(cudaError_t result, const char* what) {
  if (result != cudaSuccess) {
    throw Error(std::string("CUDA ") + what + ": " + cudaGetErrorString(result));
  }
}

}  // namespace

NcclCollective::NcclCollective(const World& world, int device_index) : MpiCollective(world) {
  ncclUniqueId id{};
  if (world.rank() == 0) check_nccl(ncclGetUniqueId(&id), "unique id");
  const std::string bytes =
      world.broadcast(std::string(reinterpret_cast<const char*>(&id), sizeof(id)));
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(&id));
  check_cuda(cudaSetDevice(device_index), "set device");
  check_nccl(ncclCommInitRank(&comm_, world.size(), id, world.rank()), "communicator");
  spdlog::info("NCCL communicator of {} ranks on cuda:{}", world.size(), device_index);
}

NcclCollective::~NcclCollective() {
  if (comm_) ncclCommDestroy(comm_);
}

void NcclCollective::sum(torch::Tensor& values) {
  check_summable(values);
  if (!values.is_cuda()) {
    MpiCollective::sum(values);
    return;
  }
  const bool doubles = values.scalar_type() == torch::kDouble;
  check_nccl(
      ncclAllReduce(values.data_ptr(), values.data_ptr(), static_cast<size_t>(values.numel()),
                    doubles ? ncclDouble : ncclFloat, ncclSum, comm_, cudaStreamLegacy),
      "all-reduce");
}

void NcclCollective::abort(const std::string& message) {
  if (comm_) ncclCommAbort(comm_);
  comm_ = nullptr;
  MpiCollective::abort(message);
}

}  // namespace cpnas
