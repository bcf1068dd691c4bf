#include "dist/mpi_collective.hpp"

#include <spdlog/spdlog.h>

#include "config.hpp"
#if CPNAS_WITH_NCCL
#include "dist/nccl_collective.hpp"
#endif

namespace cpnas {

void MpiCollective::sum(torch::Tensor& values) {
  check_summable(values);
  torch::Tensor host = values.device().is_cpu() ? values : values.to(torch::kCPU);
  world_.sum(host.data_ptr(), host.numel(), host.scalar_type() == torch::kDouble);
  if (!values.device().is_cpu()) values.copy_(host);
}

void MpiCollective::abort(const std::string& message) {
  spdlog::critical("{}; ending all ranks", message);
  spdlog::default_logger()->flush();
  world_.abort(1);
}

std::unique_ptr<Collective> make_collective(const World& world, const torch::Device& device) {
#if CPNAS_WITH_NCCL
  if (device.is_cuda()) return std::make_unique<NcclCollective>(world, device.index());
#else
  (void)device;
#endif
  return std::make_unique<MpiCollective>(world);
}

}  // namespace cpnas
