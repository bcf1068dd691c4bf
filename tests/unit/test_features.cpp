// The feature plugins against values computed with numpy/scipy (tests/fixtures/make_features.py).
#include <gtest/gtest.h>

#include "cpnas/butterworth.hpp"
#include "data/feature_set.hpp"
#include "data/layout.hpp"
#include "io/h5.hpp"
#include "plugin/loader.hpp"

using namespace cpnas;

namespace {

const h5::File& fixture() {
  static const h5::File f =
      h5::File::open(std::string(CPNAS_SOURCE_DIR) + "/tests/fixtures/features.h5");
  return f;
}

}  // namespace

TEST(Butterworth, DesignMatchesScipy) {
  const auto expected = fixture().read_double("sos");
  const auto sections = butterworth_lowpass(8, 0.5).sections();
  ASSERT_EQ(expected.dims, (std::vector<hsize_t>{4, 6}));
  for (size_t s = 0; s < 4; ++s) {
    for (size_t k = 0; k < 6; ++k) {
      EXPECT_NEAR(sections[s][k], expected.data[s * 6 + k], 1e-12) << s << "," << k;
    }
  }
}

TEST(Butterworth, FiltfiltMatchesScipy) {
  const auto in = fixture().read_double("filtfilt_input").data;
  const auto expected = fixture().read_double("filtfilt_output").data;
  const auto out = butterworth_lowpass(8, 0.5).filtfilt(in);
  ASSERT_EQ(out.size(), expected.size());
  for (size_t t = 0; t < out.size(); ++t) EXPECT_NEAR(out[t], expected[t], 1e-10) << t;
}

TEST(Features, EveryBuiltinFeatureWithin1e5OfScipy) {
  const PluginRegistry plugins = load_plugins(plugin_search_path({}));
  const Skeleton& skeleton = find_layout("in-motion-2022");
  const auto xy = fixture().read_float("xy");
  ASSERT_EQ(xy.dims, (std::vector<hsize_t>{150, 29, 2}));
  for (const std::string name : {"position", "velocity", "bone", "acceleration"}) {
    const FeatureSet set(plugins, {name}, skeleton);
    std::vector<float> out(4 * 150 * 29, NAN);
    set.compute(xy.data.data(), 150, 29, out.data());
    const auto expected = fixture().read_float(name);
    ASSERT_EQ(expected.data.size(), out.size());
    double worst = 0;
    for (size_t k = 0; k < out.size(); ++k) {
      worst = std::max(worst, static_cast<double>(std::abs(out[k] - expected.data[k])));
    }
    EXPECT_LT(worst, 1e-5) << name;
  }
}
