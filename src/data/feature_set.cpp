#include "data/feature_set.hpp"

#include "io/error.hpp"

namespace cpnas {

FeatureSet::FeatureSet(const PluginRegistry& plugins, const std::vector<std::string>& names,
                       const Skeleton& skeleton)
    : names_(names) {
  if (names.empty()) throw Error("[data] features: at least one feature is needed");
  for (const auto& name : names) features_.push_back(plugins.feature(name)(skeleton));
}

void FeatureSet::compute(const float* xy, int64_t frames, int64_t joints, float* out) const {
  const int64_t per_feature = kFeatureChannels * frames * joints;
  for (size_t f = 0; f < features_.size(); ++f) {
    features_[f]->compute(xy, frames, joints, out + f * per_feature);
  }
}

}  // namespace cpnas
