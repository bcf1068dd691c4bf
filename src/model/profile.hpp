#pragma once
// Size and cost of a student: parameters and multiply-accumulates per layer.

#include <cstdint>
#include <string>
#include <vector>

#include "model/student.hpp"

namespace cpnas {

struct LayerProfile {
  std::string name;
  std::vector<int64_t> output_shape;
  int64_t params = 0;
  int64_t macs = 0;
  int64_t graph_macs = 0;
};

struct ModelProfile {
  int64_t params = 0;        ///< all parameters (the untrained ConvBN biases too: student.cpp)
  int64_t params_paper = 0;  ///< without the edge-importance masks (the paper's convention)
  int64_t macs = 0;          ///< per window, convolutions and BatchNorm (the paper's convention)
  int64_t graph_macs = 0;    ///< per window, matrix products (graph aggregation), not in macs
  std::vector<LayerProfile> layers;
};

struct ParameterCount {
  int64_t params = 0;        ///< all parameters (the untrained ConvBN biases too: student.cpp)
  int64_t params_paper = 0;  ///< without the edge-importance masks (the paper's convention)
};

/// Counts without running anything.
ParameterCount count_parameters(const torch::nn::Module& module);

/// Runs one window of `frames` frames through `student` (eval mode, no gradients) and counts.
/// MACs follow the convention of the published figures (PyTorch-OpCounter): a convolution costs
/// output elements x (input channels per group x kernel size, + 1 with a bias), a BatchNorm 2 per
/// element, activations and pooling nothing; the graph aggregation's matrix products, which that
/// convention misses, are reported apart as graph_macs.
ModelProfile profile_student(StudentImpl& student, int64_t joints, int64_t frames = 150);

struct LayerTime {
  std::string name;
  double ms = 0;
};

/// Wall time of each layer in an evaluation forward of `batch` random windows (after one untimed
/// forward), to see where the time goes.
std::vector<LayerTime> time_layers(StudentImpl& student, int64_t joints, int64_t batch,
                                   int64_t frames = 150);

}  // namespace cpnas
