#pragma once
// A student's architecture: the [arch] section of a job as a plain struct.

#include <string>

#include "cpnas/activation.hpp"
#include "io/job.hpp"

namespace cpnas {

struct StreamShape {
  int64_t blocks = 2, depth = 2, stride = 1, window = 3, graph_distance = 1;
  double scale = 1.0;
};

struct Arch {
  int64_t init_channels = 64;
  Activation activation = Activation::swish;
  std::string attention = "fa";
  std::string block = "sep";
  double dropout = 0.05;
  bool multi_gcn = false;
  double expand_ratio = 1.5, reduct_ratio = 1.5;
  StreamShape input, main;
  bool reference_main = false;  ///< main_stream = reference
};

/// Reads [arch] (values were range-checked when the job was loaded).
Arch arch_from_job(const Job& job);

Activation parse_activation(const std::string& name);

/// Channels of an input block: max(round_half_even(last * scale / 16) * 16, 32).
int64_t input_block_channels(int64_t last, double scale);
/// Channels of a main block that is not the last: min(round_half_even(last * scale / 16) * 16,
/// 128).
int64_t main_block_channels(int64_t last, double scale);
/// Channels of the last main block.
constexpr int64_t kLastMainChannels = 48;

}  // namespace cpnas
