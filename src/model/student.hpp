#pragma once
// A student network: one input stream per feature, concatenated into the main stream, then the
// classifier.

#include <vector>

#include <torch/torch.h>

#include "cpnas/batch_norm.hpp"
#include "cpnas/skeleton.hpp"
#include "model/arch.hpp"
#include "model/observer.hpp"
#include "model/stage.hpp"
#include "plugin/registry.hpp"

namespace cpnas {

/// BatchNorm over the 4 feature channels, stem (graph layer + basic temporal layer), blocks.
class InputStreamImpl : public torch::nn::Module {
 public:
  InputStreamImpl(const Arch& arch, const torch::Tensor& adjacency, const Skeleton& skeleton,
                  const PluginRegistry& plugins);
  torch::Tensor forward(const torch::Tensor& x, LayerObserver* observer = nullptr,
                        const std::string& name = "");
  int64_t out_channels() const { return out_channels_; }

 private:
  BatchNorm bn_{nullptr};
  SpatialGraphLayer stem_graph_{nullptr};
  std::shared_ptr<Block> stem_temporal_;
  std::vector<Stage> blocks_;
  int64_t out_channels_ = 0;
};
TORCH_MODULE(InputStream);

class StudentImpl : public torch::nn::Module {
 public:
  /// Throws cpnas::Error for a block or attention that is not loaded or cannot be built.
  StudentImpl(const Arch& arch, const Skeleton& skeleton, int64_t num_features,
              const PluginRegistry& plugins);

  /// x: [N, F, 4, T, V] -> logits [N, 2].
  torch::Tensor forward(const torch::Tensor& x, LayerObserver* observer = nullptr);

  /// The main stream's output before pooling, [N, C, T', V]: what class activation maps weigh.
  torch::Tensor main_stream(const torch::Tensor& x, LayerObserver* observer = nullptr);
  /// Main-stream output -> logits [N, 2]: global average pool, dropout in training, classifier.
  torch::Tensor classify(const torch::Tensor& main, LayerObserver* observer = nullptr);
  /// The classifier's weights as [2, C]: its logits are these times the pooled main stream.
  torch::Tensor class_weights() const { return classifier_->weight.flatten(1); }

  int64_t num_features() const { return static_cast<int64_t>(streams_.size()); }

  /// The student's own random stream for training (dropout on the CPU), so that students trained
  /// or loaded in one process do not draw from each other's. build_student() seeds it; a student
  /// constructed directly continues torch's global stream.
  at::Generator& generator() { return generator_; }

 private:
  std::vector<InputStream> streams_;
  std::vector<Stage> main_;
  double dropout_ = 0;
  torch::nn::Conv2d classifier_{nullptr};
  at::Generator generator_;
};
TORCH_MODULE(Student);

/// Initialisation as specified: convolutions Kaiming-normal (fan-out), bias 0; BatchNorm weight
/// 1, bias 0; the classifier normal(0, 0.001). Draws from torch's global generator.
void initialise_student(StudentImpl& student);

/// Builds and initialises from `seed`: same seed, same weights, same training draws. The global
/// generator that LibTorch's initialisers use is seeded for the build and then given back its
/// state, so building (or loading) a student leaves the rest of the process's draws alone.
Student build_student(const Arch& arch, const Skeleton& skeleton, int64_t num_features,
                      const PluginRegistry& plugins, uint64_t seed);

}  // namespace cpnas

namespace cpnas {

/// The student of a job: [arch], the layout of [data] and one stream per [data] feature.
Student student_from_job(const Job& job, const PluginRegistry& plugins, uint64_t seed);

}  // namespace cpnas
