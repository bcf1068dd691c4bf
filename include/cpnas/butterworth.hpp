#pragma once
/// @file butterworth.hpp
/// Digital Butterworth low-pass filters as second-order sections, and zero-phase filtering,
/// matching scipy.signal's butter(N, Wn, output='sos') and sosfiltfilt(padtype='odd').

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace cpnas {

/// A cascade of second-order sections {b0, b1, b2, 1, a1, a2}.
class SosFilter {
 public:
  explicit SosFilter(std::vector<std::array<double, 6>> sections) : sos_(std::move(sections)) {
    compute_initial_state();
  }

  const std::vector<std::array<double, 6>>& sections() const { return sos_; }

  /// Default padding of scipy's sosfiltfilt: 3 * (2 * sections + 1 - trailing zeros).
  int padding() const {
    const auto zero_b = std::count_if(sos_.begin(), sos_.end(), [](auto& s) { return s[2] == 0; });
    const auto zero_a = std::count_if(sos_.begin(), sos_.end(), [](auto& s) { return s[5] == 0; });
    return 3 * static_cast<int>(2 * sos_.size() + 1 - std::min(zero_b, zero_a));
  }

  /// Forward-backward filtering with odd extension, as scipy.signal.sosfiltfilt.
  std::vector<double> filtfilt(const std::vector<double>& x) const {
    std::vector<double> y = x;
    filtfilt_columns(y.data(), static_cast<int64_t>(y.size()), 1);
    return y;
  }

  /// sosfiltfilt of each column of `x` [frames, columns] (time-major), in place. The columns are
  /// filtered side by side, which lets the compiler vectorise across them.
  template <class T>
  void filtfilt_columns(T* x, int64_t frames, int64_t columns) const {
    const int64_t pad = padding();
    if (frames <= pad) throw std::invalid_argument("filtfilt: series shorter than the padding");
    const int64_t n = frames + 2 * pad;
    std::vector<double> ext(n * columns);
    for (int64_t c = 0; c < columns; ++c) {
      const double first = x[c], last = x[(frames - 1) * columns + c];
      for (int64_t i = 0; i < pad; ++i) {
        ext[i * columns + c] = 2 * first - x[(pad - i) * columns + c];
        ext[(pad + frames + i) * columns + c] = 2 * last - x[(frames - 2 - i) * columns + c];
      }
      for (int64_t t = 0; t < frames; ++t) ext[(pad + t) * columns + c] = x[t * columns + c];
    }
    run(ext.data(), n, columns, /*reverse=*/false);
    run(ext.data(), n, columns, /*reverse=*/true);
    for (int64_t t = 0; t < frames; ++t) {
      for (int64_t c = 0; c < columns; ++c) {
        x[t * columns + c] = static_cast<T>(ext[(pad + t) * columns + c]);
      }
    }
  }

 private:
  // Transposed direct form II over time (forwards or backwards), each section starting in the
  // steady state of a step of the first sample's height (scipy's sosfilt_zi scaled by it).
  void run(double* x, int64_t n, int64_t columns, bool reverse) const {
    const size_t sections = sos_.size();
    std::vector<double> z0(sections * columns), z1(sections * columns);
    const double* start = x + (reverse ? (n - 1) * columns : 0);
    for (size_t s = 0; s < sections; ++s) {
      for (int64_t c = 0; c < columns; ++c) {
        z0[s * columns + c] = zi_[s][0] * start[c];
        z1[s * columns + c] = zi_[s][1] * start[c];
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      double* row = x + (reverse ? n - 1 - i : i) * columns;
      for (size_t s = 0; s < sections; ++s) {
        const auto& k = sos_[s];
        double* a = z0.data() + s * columns;
        double* b = z1.data() + s * columns;
        for (int64_t c = 0; c < columns; ++c) {
          const double v = row[c];
          const double y = k[0] * v + a[c];
          a[c] = k[1] * v - k[4] * y + b[c];
          b[c] = k[2] * v - k[5] * y;
          row[c] = y;
        }
      }
    }
  }

  void compute_initial_state() {
    double scale = 1.0;
    for (const auto& c : sos_) {
      // lfilter_zi: solve (I - companion(a)^T) zi = b[1:] - a[1:] * b0.
      const double a1 = c[4], a2 = c[5];
      const double r0 = c[1] - a1 * c[0], r1 = c[2] - a2 * c[0];
      // [[1 + a1, -1], [a2, 1]] zi = [r0, r1]
      const double det = (1 + a1) + a2;
      const double z0 = (r0 + r1) / det;
      const double z1 = r1 - a2 * z0;
      zi_.push_back({z0 * scale, z1 * scale});
      scale *= (c[0] + c[1] + c[2]) / (1 + a1 + a2);
    }
  }

  std::vector<std::array<double, 6>> sos_;
  std::vector<std::array<double, 2>> zi_;
};

/// Butterworth low-pass of even `order` at `cutoff` (fraction of the Nyquist frequency), designed
/// as scipy does: analog prototype, bilinear transform with pre-warping, poles paired into
/// conjugate sections ordered from farthest to closest to the unit circle, gain on the first.
inline SosFilter butterworth_lowpass(int order, double cutoff) {
  if (order < 2 || order % 2 != 0 || !(cutoff > 0 && cutoff < 1)) {
    throw std::invalid_argument("butterworth_lowpass: even order >= 2 and 0 < cutoff < 1");
  }
  using C = std::complex<double>;
  const double pi = std::acos(-1.0);
  const double fs2 = 4.0;  // 2 * fs with fs = 2 (frequencies as fractions of Nyquist)
  const double warped = fs2 * std::tan(pi * cutoff / 2.0);
  std::vector<C> poles;
  C denominator = 1.0;
  for (int k = 0; k < order; ++k) {
    const C analog = warped * std::exp(C(0, pi * (2.0 * k + order + 1) / (2.0 * order)));
    poles.push_back((fs2 + analog) / (fs2 - analog));
    denominator *= fs2 - analog;
  }
  const double gain = std::pow(warped, order) / denominator.real();
  // Keep one pole of each conjugate pair; sections run from the pole farthest from the unit
  // circle to the closest.
  std::vector<C> upper;
  for (const C& p : poles) {
    if (p.imag() > 0) upper.push_back(p);
  }
  std::sort(upper.begin(), upper.end(),
            [](const C& a, const C& b) { return std::abs(a) < std::abs(b); });
  std::vector<std::array<double, 6>> sections;
  for (size_t s = 0; s < upper.size(); ++s) {
    const double g = s == 0 ? gain : 1.0;
    // Zeros at z = -1 (twice): (1 + z^-1)^2.
    sections.push_back({g, 2 * g, g, 1.0, -2 * upper[s].real(), std::norm(upper[s])});
  }
  return SosFilter(std::move(sections));
}

}  // namespace cpnas
