#include "data/synth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "data/layout.hpp"
#include "data/preprocess.hpp"
#include "data/split.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegree = kPi / 180;

// Degrees of freedom of the body model; limbs come in right/left pairs.
enum Dof {
  kTrunk,
  kNeck,
  kHeadYaw,
  kShoulderR,
  kElbowR,
  kWristR,
  kHipR,
  kKneeR,
  kAnkleR,
  kShoulderL,
  kElbowL,
  kWristL,
  kHipL,
  kKneeL,
  kAnkleL,
  kDofs
};
constexpr int kRightToLeft = kShoulderL - kShoulderR;
constexpr int kLimbDofs = kRightToLeft;

struct Site {
  double fps, pixels_per_unit, rotation_deg, jitter_px;
};
constexpr std::array<Site, 3> kSites{{{30, 150, 0, 1.5}, {25, 110, 90, 2.0}, {50, 200, -8, 1.2}}};

struct Wave {
  double amplitude, frequency, phase;
};

using Rng = std::mt19937_64;

double uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
double normal(Rng& rng, double mean, double sd) {
  return std::normal_distribution<double>(mean, sd)(rng);
}

std::vector<Wave> waves(Rng& rng, int count, double f_lo, double f_hi, double amplitude) {
  std::vector<Wave> w;
  for (int i = 0; i < count; ++i) {
    w.push_back(
        {amplitude * uniform(rng, 0.5, 1.0), uniform(rng, f_lo, f_hi), uniform(rng, 0, 2 * kPi)});
  }
  return w;
}

double sum_waves(const std::vector<Wave>& w, double t) {
  double v = 0;
  for (const auto& x : w) v += x.amplitude * std::sin(2 * kPi * x.frequency * t + x.phase);
  return v;
}

// What an infant's movements look like: 0 = typical, 1 = the clearest CP picture.
struct Infant {
  double impairment;
  bool unilateral;
  int weak_side;  // 0 right, 1 left
  std::array<double, kDofs> posture;
  std::array<std::vector<Wave>, kDofs> writhing, fidgety;
  std::vector<Wave> shared_writhing;  // the cramped-synchronised component of the limbs
  std::vector<std::pair<double, double>> fidgety_bursts;  // sporadic fidgety: on intervals
  double body_scale;
};

Infant make_infant(Rng& rng, bool cp, double difficulty, double seconds) {
  Infant in{};
  const double spread = 0.15 + 0.35 * difficulty;
  const double centre = cp ? 1.0 - 0.5 * difficulty : 0.0;
  in.impairment = std::clamp(normal(rng, centre, spread), 0.0, 1.0);
  const double z = in.impairment;
  in.unilateral = cp && uniform(rng, 0, 1) < 0.3;
  in.weak_side = uniform(rng, 0, 1) < 0.5 ? 0 : 1;
  in.body_scale = uniform(rng, 0.9, 1.1);
  const std::array<double, kLimbDofs> limb_posture{50, 60, 10, 20, 40, 10};  // deg
  in.posture[kTrunk] = normal(rng, 0, 3);
  in.posture[kNeck] = normal(rng, 0, 5);
  in.posture[kHeadYaw] = normal(rng, 0, 20);
  for (int d = 0; d < kLimbDofs; ++d) {
    in.posture[kShoulderR + d] = limb_posture[d] + normal(rng, 0, 8);
    in.posture[kShoulderL + d] = limb_posture[d] + normal(rng, 0, 8);
  }
  // A poorer repertoire: fewer, slower components of less variable amplitude.
  const int writhing_components = z > 0.6 ? 2 : 4;
  const double fidgety_amplitude = 5.0 * (1.0 - z);
  for (int d = 0; d < kDofs; ++d) {
    const double writhing_amplitude = d < kShoulderR ? 4.0 : 18.0 * (1.0 - 0.4 * z);
    in.writhing[d] = waves(rng, writhing_components, 0.15, 1.0, writhing_amplitude);
    in.fidgety[d] = waves(rng, 4, 2.0, 5.0, (d < kShoulderR ? 0.5 : 1.0) * fidgety_amplitude);
  }
  in.shared_writhing = waves(rng, 2, 0.2, 0.8, 18.0);
  // Sporadic fidgety movements (between absent and continuous) for the middle of the range.
  if (z > 0.35) {
    for (double t = uniform(rng, 0, 8); t < seconds; t += uniform(rng, 5, 12)) {
      in.fidgety_bursts.push_back({t, t + uniform(rng, 0.5, 2.0)});
    }
  }
  return in;
}

double fidgety_gate(const Infant& in, double t) {
  if (in.impairment <= 0.35) return 1.0;
  for (const auto& [from, to] : in.fidgety_bursts) {
    if (t >= from && t < to) return 1.0;
  }
  return 0.0;
}

std::array<double, kDofs> angles_at(const Infant& in, double t) {
  std::array<double, kDofs> a{};
  const double gate = fidgety_gate(in, t);
  const double sync = in.impairment;  // weight of the shared (synchronised) limb movement
  const double shared = sum_waves(in.shared_writhing, t);
  for (int d = 0; d < kDofs; ++d) {
    double own = sum_waves(in.writhing[d], t);
    if (d >= kShoulderR) own = (1 - sync) * own + sync * shared;
    double value = in.posture[d] + own + gate * sum_waves(in.fidgety[d], t);
    const int side = d >= kShoulderL ? 1 : 0;
    if (in.unilateral && d >= kShoulderR && side == in.weak_side) {
      value = in.posture[d] + (value - in.posture[d]) * (1.0 - 0.7 * in.impairment);
    }
    a[d] = value;
  }
  return a;
}

struct Vec {
  double x, y;
};
Vec operator+(Vec a, Vec b) {
  return {a.x + b.x, a.y + b.y};
}
Vec along(double length, double angle_deg) {
  return {length * std::cos(angle_deg * kDegree), length * std::sin(angle_deg * kDegree)};
}

// The in-motion-2022 joints of a supine infant in body units (trunk length 1), y down, head up.
std::array<Vec, 29> pose(const std::array<double, kDofs>& a, double s) {
  std::array<Vec, 29> p{};
  const double up = -90 + a[kTrunk];
  p[12] = {0, 0};                                // pelvis
  p[8] = p[12] + along(1.0 * s, up);             // thorax
  p[4] = p[8] + along(0.25 * s, up + a[kNeck]);  // upper neck
  const double head = up + a[kNeck];
  const double yaw = std::sin(a[kHeadYaw] * kDegree);
  p[1] = p[4] + along(0.22 * s, head) + along(0.08 * s * yaw, head + 90);  // nose
  p[0] = p[4] + along(0.45 * s, head);                                     // head top
  p[2] =
      p[4] + along(0.15 * s, head) + along(0.12 * s * std::cos(a[kHeadYaw] * kDegree), head + 90);
  p[3] =
      p[4] + along(0.15 * s, head) + along(0.12 * s * std::cos(a[kHeadYaw] * kDegree), head - 90);
  for (int side = 0; side < 2; ++side) {
    const double sign = side == 0 ? 1 : -1;  // right side towards +x
    const int o = side * kRightToLeft;
    const int shoulder = side == 0 ? 5 : 9, elbow = shoulder + 1, wrist = shoulder + 2;
    const int hand1 = side == 0 ? 19 : 21;
    p[shoulder] = p[8] + along(0.35 * s, up + 90 * sign);
    const double arm = up + sign * (90 + a[kShoulderR + o]);
    p[elbow] = p[shoulder] + along(0.45 * s, arm);
    const double forearm = arm - sign * a[kElbowR + o];
    p[wrist] = p[elbow] + along(0.40 * s, forearm);
    const double hand = forearm + sign * a[kWristR + o];
    p[hand1] = p[wrist] + along(0.12 * s, hand - 15 * sign);
    p[hand1 + 1] = p[wrist] + along(0.12 * s, hand + 15 * sign);
    const int hip = side == 0 ? 13 : 16, knee = hip + 1, ankle = hip + 2;
    const int foot = side == 0 ? 23 : 26;
    p[hip] = p[12] + along(0.2 * s, up + 90 * sign);
    const double thigh = up + 180 - sign * a[kHipR + o];
    p[knee] = p[hip] + along(0.5 * s, thigh);
    const double shank = thigh + sign * a[kKneeR + o];
    p[ankle] = p[knee] + along(0.45 * s, shank);
    const double sole = shank - sign * (90 - a[kAnkleR + o]);
    p[foot] = p[ankle] + along(0.06 * s, shank + 180);           // heel
    p[foot + 1] = p[ankle] + along(0.16 * s, sole);              // big toe
    p[foot + 2] = p[ankle] + along(0.13 * s, sole + 20 * sign);  // little toe
  }
  return p;
}

// in-motion-2022 joint for each coco-18 joint; eyes (-1, -2) lie between the nose and an ear.
constexpr std::array<int, 18> kCocoFromInMotion{1,  8,  5,  6,  7,  9,  10, 11, 13,
                                                14, 15, 16, 17, 18, -1, -2, 2,  3};

std::vector<Vec> to_layout(const std::array<Vec, 29>& p, const Skeleton& layout) {
  std::vector<Vec> out;
  if (layout.name == "coco-18") {
    for (int j : kCocoFromInMotion) {
      if (j >= 0) {
        out.push_back(p[j]);
      } else {
        const Vec ear = p[j == -1 ? 2 : 3];
        out.push_back({p[1].x + 0.4 * (ear.x - p[1].x), p[1].y + 0.4 * (ear.y - p[1].y)});
      }
    }
  } else {
    out.assign(p.begin(), p.begin() + layout.num_joints());
  }
  return out;
}

// The class signal of a --signal-joints cohort: a circular movement of each named joint.
struct Signal {
  std::vector<int> joints;
  std::vector<Wave> circles;  // per joint: radius (body units), frequency, phase
};

Signal make_signal(Rng& rng, const std::vector<int>& joints, double difficulty) {
  Signal s{joints, {}};
  const double radius = 0.25 * (1.0 - 0.7 * difficulty);
  for (size_t k = 0; k < joints.size(); ++k) {
    s.circles.push_back(
        {radius * uniform(rng, 0.8, 1.2), uniform(rng, 1.0, 2.0), uniform(rng, 0, 2 * kPi)});
  }
  return s;
}

void add_signal(const Signal& s, double t, std::vector<Vec>& joints) {
  for (size_t k = 0; k < s.joints.size(); ++k) {
    const Wave& c = s.circles[k];
    const double angle = 2 * kPi * c.frequency * t + c.phase;
    joints[s.joints[k]] =
        joints[s.joints[k]] + Vec{c.amplitude * std::cos(angle), c.amplitude * std::sin(angle)};
  }
}

std::vector<int> signal_joint_indices(const std::vector<std::string>& names,
                                      const Skeleton& layout) {
  std::vector<int> out;
  for (const auto& name : names) {
    const auto it = std::find(layout.joints.begin(), layout.joints.end(), name);
    if (it == layout.joints.end()) {
      std::string known;
      for (const auto& j : layout.joints) known += (known.empty() ? "" : ", ") + j;
      throw Error("synth: --signal-joints: " + layout.name + " has no joint '" + name +
                  "' (joints: " + known + ")");
    }
    const int j = static_cast<int>(it - layout.joints.begin());
    if (j == layout.centre ||
        std::find(layout.pelvis.begin(), layout.pelvis.end(), j) != layout.pelvis.end()) {
      throw Error("synth: --signal-joints: '" + name +
                  "' is a reference joint of the layout (every position is measured from it)");
    }
    if (std::find(out.begin(), out.end(), j) == out.end()) out.push_back(j);
  }
  return out;
}

// Pose-estimator output of one recording: pixels at the site's frame rate, jitter, gaps.
std::vector<float> record(const Infant& in, const Signal& signal, const Site& site,
                          const Skeleton& layout, double seconds, Rng& rng, int64_t& frames) {
  const int64_t v = layout.num_joints();
  frames = static_cast<int64_t>(std::round(seconds * site.fps));
  const double rotation = (site.rotation_deg + normal(rng, 0, 12)) * kDegree;
  const double scale = site.pixels_per_unit * uniform(rng, 0.85, 1.15);
  const Vec offset{uniform(rng, 250, 390), uniform(rng, 200, 280)};
  const double c = std::cos(rotation), sn = std::sin(rotation);
  std::vector<float> raw(frames * v * 2);
  for (int64_t t = 0; t < frames; ++t) {
    auto joints = to_layout(pose(angles_at(in, t / site.fps), in.body_scale), layout);
    add_signal(signal, t / site.fps, joints);
    for (int64_t j = 0; j < v; ++j) {
      const double x = joints[j].x * scale, y = joints[j].y * scale;
      raw[(t * v + j) * 2] =
          static_cast<float>(offset.x + c * x - sn * y + normal(rng, 0, site.jitter_px));
      raw[(t * v + j) * 2 + 1] =
          static_cast<float>(offset.y + sn * x + c * y + normal(rng, 0, site.jitter_px));
    }
  }
  // Dropped joints: short gaps everywhere, longer ones on hands and feet (occlusion).
  for (int64_t j = 0; j < v; ++j) {
    const bool distal = layout.name == "coco-18" ? (j == 4 || j == 7 || j == 10 || j == 13)
                                                 : (j >= 19 || j == 7 || j == 11);
    const double rate = distal ? 1.0 / 15 : 1.0 / 60;  // gaps per second
    for (double t = std::exponential_distribution<double>(rate)(rng); t < seconds;
         t += std::exponential_distribution<double>(rate)(rng)) {
      const double length = distal ? uniform(rng, 0.1, 1.5) : uniform(rng, 0.05, 0.3);
      const int64_t from = static_cast<int64_t>(t * site.fps);
      const int64_t to = std::min(frames, static_cast<int64_t>((t + length) * site.fps) + 1);
      for (int64_t f = from; f < to; ++f) raw[(f * v + j) * 2] = raw[(f * v + j) * 2 + 1] = NAN;
    }
  }
  return raw;
}

void check(bool ok, const std::string& what) {
  if (!ok) throw Error("synth: " + what);
}

}  // namespace

Cohort synthesize_cohort(const SynthOptions& o) {
  check(o.infants >= 4 && o.infants <= 1000000, "--infants must be in [4, 1000000]");
  check(o.cp_fraction > 0 && o.cp_fraction < 1, "--cp-fraction must be in (0, 1)");
  check(o.seconds >= 6 && o.seconds <= 3600,
        "--seconds must be in [6, 3600] (one window is 5 s; an hour is plenty)");
  check(o.difficulty >= 0 && o.difficulty <= 1, "--difficulty must be in [0, 1]");
  check(o.test_fraction >= 0 && o.test_fraction < 1, "--test-fraction must be in [0, 1)");
  check(o.val_fraction >= 0 && o.val_fraction < 1, "--val-fraction must be in [0, 1)");
  const Skeleton& layout = find_layout(o.layout);
  const std::vector<int> signal_joints = signal_joint_indices(o.signal_joints, layout);

  // Classes and splits first (stratified by class), from the seed alone.
  Rng split_rng(o.seed);
  const int64_t cp_count = std::max<int64_t>(2, std::llround(o.infants * o.cp_fraction));
  std::vector<bool> is_cp(o.infants, false);
  std::fill(is_cp.begin(), is_cp.begin() + cp_count, true);
  std::shuffle(is_cp.begin(), is_cp.end(), split_rng);
  const std::vector<int8_t> labels(is_cp.begin(), is_cp.end());
  const auto splits = stratified_splits(labels, {o.test_fraction, o.val_fraction}, split_rng);

  Cohort cohort;
  cohort.layout = layout.name;
  cohort.fps = kCohortFps;
  cohort.joints = layout.num_joints();
  std::vector<std::vector<float>> recordings(o.infants);
  for (int64_t i = 0; i < o.infants; ++i) {
    // Each infant draws from its own stream, derived from (seed, index).
    Rng rng(o.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i) + 1);
    const bool cp = is_cp[i];
    const Site& site = kSites[rng() % kSites.size()];
    const double seconds = o.seconds * uniform(rng, 0.9, 1.0);
    // With signal joints, the body's movement says nothing of the class.
    const Infant infant = make_infant(rng, signal_joints.empty() && cp, o.difficulty, seconds);
    const Signal signal = cp ? make_signal(rng, signal_joints, o.difficulty) : Signal{};
    int64_t frames = 0;
    const auto raw = record(infant, signal, site, layout, seconds, rng, frames);
    recordings[i] = preprocess(raw, frames, site.fps, layout, PreprocessOptions{});
    cohort.ids.push_back(fmt::format("infant-{:04d}", i));
    cohort.labels.push_back(cp ? 1 : 0);
    cohort.splits.push_back(splits[i]);
  }
  pack_recordings(cohort, recordings);
  return cohort;
}

}  // namespace cpnas
