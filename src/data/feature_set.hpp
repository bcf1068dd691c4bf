#pragma once
// The features a job asks for, in order, as one computation per window.

#include <memory>
#include <string>
#include <vector>

#include "cpnas/feature.hpp"
#include "plugin/registry.hpp"

namespace cpnas {

class FeatureSet {
 public:
  /// Throws cpnas::Error for a feature that is not loaded (listing those that are).
  FeatureSet(const PluginRegistry& plugins, const std::vector<std::string>& names,
             const Skeleton& skeleton);

  int64_t size() const { return static_cast<int64_t>(features_.size()); }
  const std::vector<std::string>& names() const { return names_; }

  /// `xy` [frames, V, 2] -> `out` [F, 4, frames, V].
  void compute(const float* xy, int64_t frames, int64_t joints, float* out) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Feature>> features_;
};

}  // namespace cpnas
