#pragma once
/// @file feature.hpp
/// Input features: each turns a window of joint positions into 4 channels.

#include <cstdint>
#include <memory>

#include "cpnas/skeleton.hpp"

namespace cpnas {

/// Number of channels every feature produces.
constexpr int kFeatureChannels = 4;

/// Computes one feature for one window. Called concurrently from data-loader threads, so
/// `compute` must not modify shared state.
class Feature {
 public:
  virtual ~Feature() = default;
  /// `xy`: frames x joints x 2 floats (row-major, finite; missing joints are 0).
  /// `out`: 4 x frames x joints floats, fully written.
  virtual void compute(const float* xy, int64_t frames, int64_t joints, float* out) const = 0;
};

using FeatureFactory = std::unique_ptr<Feature> (*)(const Skeleton&);

/// Factory for a feature class constructible from a Skeleton.
template <class T>
std::unique_ptr<Feature> feature_factory(const Skeleton& skeleton) {
  return std::make_unique<T>(skeleton);
}

}  // namespace cpnas
