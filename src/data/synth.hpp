#pragma once
// A synthetic cohort of supine infants, because the clinical recordings behind the method are
// private. Typical infants show fidgety movements (continuous small 2-5 Hz movements of neck,
// trunk and limbs over slower writhing); infants who develop CP show absent or sporadic fidgety
// movements, a poorer repertoire, cramped-synchronised limbs and, in some, a one-sided reduction.
// Recordings differ by site (camera distance, rotation, frame rate) and carry pose-estimator
// jitter and dropped joints; they go through the same preprocessing as imported data.

#include <cstdint>
#include <string>
#include <vector>

#include "data/cohort.hpp"

namespace cpnas {

struct SynthOptions {
  int64_t infants = 557;
  double cp_fraction = 0.15;              ///< about the paper's prevalence
  double seconds = 60;                    ///< recording length
  double difficulty = 0.5;                ///< 0: classes apart, 1: indistinguishable
  double test_fraction = 139.0 / 557.0;   ///< the paper's 139 test infants of 557
  double val_fraction = 0.2;              ///< of the rest
  std::string layout = "in-motion-2022";  ///< or coco-18, in-motion
  uint64_t seed = 1;
  /// When given, a test cohort with a known answer (explanations must point at these joints):
  /// both classes move alike (the same spread of typical-to-impaired movement), and CP infants'
  /// named joints alone add a slow circular movement of their own. The layout's centre and
  /// pelvis joints cannot be named: every position is measured from them.
  std::vector<std::string> signal_joints;
};

/// Generates the cohort; the same options give identical data. Throws cpnas::Error for options
/// out of range.
Cohort synthesize_cohort(const SynthOptions& options);

}  // namespace cpnas
