#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "data/cohort.hpp"
#include "data/windows.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"

using namespace cpnas;

namespace {

Cohort small_cohort() {
  Cohort c;
  c.layout = "in-motion";
  c.fps = 30;
  c.max_frames = 40;
  c.joints = 19;
  const int n = 3;
  c.coords.assign(n * c.max_frames * c.joints * 2, NAN);
  c.lengths = {40, 25, 10};
  c.labels = {1, 0, -1};
  c.ids = {"a", "b", "c"};
  c.splits = {"train", "val", "test"};
  for (int i = 0; i < n; ++i) {
    float* x = c.recording(i);
    for (int k = 0; k < c.lengths[i] * c.joints * 2; ++k) x[k] = 0.01f * k + i;
  }
  c.recording(0)[5] = NAN;  // a missing joint stays missing
  return c;
}

std::string temp(const std::string& name) {
  return testing::TempDir() + name;
}

std::string read_error(const std::string& path) {
  try {
    read_cohort(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string write_error(const Cohort& c) {
  try {
    write_cohort(temp("bad.h5"), c);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Cohort, RoundTrip) {
  const Cohort c = small_cohort();
  write_cohort(temp("cohort.h5"), c);
  const Cohort r = read_cohort(temp("cohort.h5"));
  EXPECT_EQ(r.layout, "in-motion");
  EXPECT_EQ(r.fps, 30);
  EXPECT_EQ(r.max_frames, 40);
  EXPECT_EQ(r.joints, 19);
  EXPECT_EQ(r.lengths, c.lengths);
  EXPECT_EQ(r.labels, c.labels);
  EXPECT_EQ(r.ids, c.ids);
  EXPECT_EQ(r.splits, c.splits);
  ASSERT_EQ(r.coords.size(), c.coords.size());
  for (size_t k = 0; k < c.coords.size(); ++k) {
    ASSERT_TRUE(r.coords[k] == c.coords[k] || (std::isnan(r.coords[k]) && std::isnan(c.coords[k])))
        << k;
  }
  EXPECT_EQ(r.indices("val"), (std::vector<int64_t>{1}));
}

TEST(Cohort, BadContentsAreRefusedWithTheirReason) {
  const std::string where = "cohort '" + temp("bad.h5") + "': ";
  Cohort c = small_cohort();
  c.joints = 29;
  EXPECT_EQ(write_error(c), where + "joint count 29 does not match layout 'in-motion' (19 joints)");
  c = small_cohort();
  c.ids[2] = "a";
  EXPECT_EQ(write_error(c), where + "duplicate id 'a'");
  c = small_cohort();
  c.layout = "kinect";
  EXPECT_EQ(write_error(c),
            where + "unknown layout 'kinect' (layouts: in-motion-2022, in-motion, coco-18)");
  c = small_cohort();
  c.lengths[1] = 41;
  EXPECT_EQ(write_error(c), where + "recording 'b': length 41 outside 1..40");
  c = small_cohort();
  c.labels[0] = 2;
  EXPECT_EQ(write_error(c), where + "recording 'a': label 2 (expected 1, 0 or -1)");
  c = small_cohort();
  c.splits[0] = "training";
  EXPECT_EQ(write_error(c),
            where + "recording 'a': split 'training' (expected train, val or test)");
  c = small_cohort();
  std::fill(c.recording(2), c.recording(2) + c.max_frames * c.joints * 2, NAN);
  EXPECT_EQ(write_error(c), where + "recording 'c': all joints missing in every frame");
  c = small_cohort();
  c.fps = 0;
  EXPECT_EQ(write_error(c).rfind(where + "fps 0.000000: a cohort file is 30 fps by definition", 0),
            0u);
  c.fps = 25;
  EXPECT_EQ(write_error(c).rfind(where + "fps 25.000000: a cohort file is 30 fps", 0), 0u);
  c = small_cohort();
  c.recording(1)[7] = 3e38f;
  EXPECT_EQ(write_error(c).rfind(where + "recording 'b': coordinate 3000", 0), 0u);
}

TEST(Cohort, UnreadableFiles) {
  EXPECT_EQ(read_error(temp("absent.h5")), "cohort '" + temp("absent.h5") + "': no such file");
  std::ofstream(temp("text.h5")) << "id,label\n";
  EXPECT_EQ(read_error(temp("text.h5")),
            "cohort '" + temp("text.h5") + "': not an HDF5 file (truncated or another format)");
  write_cohort(temp("whole.h5"), small_cohort());
  std::ifstream whole(temp("whole.h5"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(whole)), {});
  std::ofstream(temp("truncated.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const std::string error = read_error(temp("truncated.h5"));
  EXPECT_EQ(error.rfind("cohort '" + temp("truncated.h5") + "': ", 0), 0u) << error;
  {
    auto f = h5::File::create(temp("other.h5"));
    const float x[2] = {1, 2};
    f.write("something", {2}, x);
    f.set_attribute("format_version", int64_t{1});
  }
  EXPECT_EQ(read_error(temp("other.h5")),
            "cohort '" + temp("other.h5") + "': missing attribute @layout");
}

TEST(Windows, EvaluationStartsEveryStepPlusOneEndAligned) {
  EXPECT_EQ(evaluation_starts(100), (std::vector<int64_t>{0}));
  EXPECT_EQ(evaluation_starts(150), (std::vector<int64_t>{0}));
  EXPECT_EQ(evaluation_starts(225), (std::vector<int64_t>{0, 75}));
  EXPECT_EQ(evaluation_starts(226), (std::vector<int64_t>{0, 75, 76}));
  EXPECT_EQ(evaluation_starts(300), (std::vector<int64_t>{0, 75, 150}));
  EXPECT_EQ(evaluation_starts(1800).size(), 23u);
  EXPECT_EQ(evaluation_starts(1800).back(), 1650);
}

TEST(Windows, MissingAndPastTheEndAreZero) {
  const Cohort c = small_cohort();
  std::vector<float> xy(150 * 19 * 2, -1.f);
  window_positions(c, 0, 0, xy.data());
  EXPECT_EQ(xy[5], 0.f);            // missing joint
  EXPECT_FLOAT_EQ(xy[6], 0.06f);    // observed
  EXPECT_EQ(xy[40 * 19 * 2], 0.f);  // past the end of a 40-frame recording
  EXPECT_EQ(xy.back(), 0.f);
}
