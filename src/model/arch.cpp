#include "model/arch.hpp"

#include <algorithm>
#include <cmath>

#include "io/error.hpp"

namespace cpnas {
namespace {

StreamShape stream_from_job(const Job& job, const std::string& prefix) {
  StreamShape s;
  s.blocks = job.get_int("arch", prefix + "_blocks");
  s.depth = job.get_int("arch", prefix + "_depth");
  s.stride = job.get_int("arch", prefix + "_stride");
  s.window = job.get_int("arch", prefix + "_window");
  s.graph_distance = job.get_int("arch", prefix + "_graph_distance");
  s.scale = job.get_real("arch", prefix + "_scale");
  return s;
}

// std::nearbyint rounds half to even in the default rounding mode, as Python's round().
int64_t round_to_16(int64_t last, double scale) {
  return static_cast<int64_t>(std::nearbyint(static_cast<double>(last) * scale / 16.0)) * 16;
}

}  // namespace

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::relu;
  if (name == "relu6") return Activation::relu6;
  if (name == "hardswish") return Activation::hardswish;
  if (name == "swish") return Activation::swish;
  throw Error("unknown activation '" + name + "' (relu, relu6, hardswish, swish)");
}

Arch arch_from_job(const Job& job) {
  Arch a;
  a.init_channels = job.get_int("arch", "init_channels");
  a.activation = parse_activation(job.get("arch", "activation"));
  a.attention = job.get("arch", "attention");
  a.block = job.get("arch", "block");
  a.dropout = job.get_real("arch", "dropout");
  a.multi_gcn = job.get_bool("arch", "multi_gcn");
  a.expand_ratio = job.get_real("arch", "expand_ratio");
  a.reduct_ratio = job.get_real("arch", "reduct_ratio");
  a.input = stream_from_job(job, "input");
  a.main = stream_from_job(job, "main");
  a.reference_main = job.get("arch", "main_stream") == "reference";
  return a;
}

int64_t input_block_channels(int64_t last, double scale) {
  return std::max<int64_t>(round_to_16(last, scale), 32);
}

int64_t main_block_channels(int64_t last, double scale) {
  return std::min<int64_t>(round_to_16(last, scale), 128);
}

}  // namespace cpnas
