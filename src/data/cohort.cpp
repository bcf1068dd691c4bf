#include "data/cohort.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "data/layout.hpp"
#include "data/preprocess.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"

namespace cpnas {

bool is_split_name(const std::string& split) {
  return split == "train" || split == "val" || split == "test";
}

std::vector<int64_t> Cohort::indices(const std::string& split) const {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < size(); ++i) {
    if (splits[i] == split) out.push_back(i);
  }
  return out;
}

std::vector<int64_t> Cohort::labelled(const std::string& split) const {
  std::vector<int64_t> out;
  for (int64_t i : indices(split)) {
    if (labels[i] >= 0) out.push_back(i);
  }
  return out;
}

std::vector<int64_t> Cohort::indices() const {
  std::vector<int64_t> out(size());
  std::iota(out.begin(), out.end(), 0);
  return out;
}

void pack_recordings(Cohort& c, const std::vector<std::vector<float>>& recordings) {
  const int64_t row = c.joints * 2;
  c.lengths.clear();
  c.max_frames = 0;
  for (const auto& r : recordings) {
    c.lengths.push_back(static_cast<int32_t>(static_cast<int64_t>(r.size()) / row));
    c.max_frames = std::max<int64_t>(c.max_frames, c.lengths.back());
  }
  const int64_t stride = c.max_frames * row;
  c.coords.assign(recordings.size() * stride, NAN);
  for (size_t i = 0; i < recordings.size(); ++i) {
    std::copy(recordings[i].begin(), recordings[i].end(), c.coords.begin() + i * stride);
  }
}

void validate_cohort(const Cohort& c, const std::string& where) {
  auto fail = [&](const std::string& what) { throw Error("cohort '" + where + "': " + what); };
  const int64_t n = c.size();
  if (n == 0) fail("no recordings");
  const Skeleton* layout = nullptr;
  try {
    layout = &find_layout(c.layout);
  } catch (const Error& e) {
    fail(e.what());
  }
  if (c.joints != layout->num_joints()) {
    fail("joint count " + std::to_string(c.joints) + " does not match layout '" + c.layout + "' (" +
         std::to_string(layout->num_joints()) + " joints)");
  }
  if (c.fps != kCohortFps) {
    fail("fps " + std::to_string(c.fps) +
         ": a cohort file is 30 fps by definition (cpnas import resamples to 30 Hz)");
  }
  int64_t values = 0;
  if (static_cast<int64_t>(c.lengths.size()) != n || static_cast<int64_t>(c.labels.size()) != n ||
      static_cast<int64_t>(c.splits.size()) != n || c.max_frames < 0 ||
      __builtin_mul_overflow(n * c.joints * 2, c.max_frames, &values) ||
      static_cast<int64_t>(c.coords.size()) != values) {
    fail("datasets disagree on the number of recordings (/ids has " + std::to_string(n) + ")");
  }
  std::set<std::string> seen;
  for (int64_t i = 0; i < n; ++i) {
    const std::string rec = "recording '" + c.ids[i] + "'";
    if (c.ids[i].empty()) fail("recording " + std::to_string(i) + " has an empty id");
    if (!seen.insert(c.ids[i]).second) fail("duplicate id '" + c.ids[i] + "'");
    if (c.lengths[i] < 1 || c.lengths[i] > c.max_frames) {
      fail(rec + ": length " + std::to_string(c.lengths[i]) + " outside 1.." +
           std::to_string(c.max_frames));
    }
    if (c.labels[i] < -1 || c.labels[i] > 1) {
      fail(rec + ": label " + std::to_string(c.labels[i]) + " (expected 1, 0 or -1)");
    }
    if (!is_split_name(c.splits[i])) {
      fail(rec + ": split '" + c.splits[i] + "' (expected train, val or test)");
    }
    const float* x = c.recording(i);
    bool observed = false;
    for (int64_t k = 0; k < c.lengths[i] * c.joints * 2; ++k) {
      if (std::abs(x[k]) > kMaxCohortCoordinate) {
        fail(rec + ": coordinate " + std::to_string(x[k]) + " in frame " +
             std::to_string(k / (c.joints * 2)) + " is beyond +-" +
             std::to_string(static_cast<int64_t>(kMaxCohortCoordinate)) +
             " (cohort coordinates are centred and scaled by the trunk length)");
      }
      observed = observed || !std::isnan(x[k]);
    }
    if (!observed) fail(rec + ": all joints missing in every frame");
  }
}

void write_cohort(const std::string& path, const Cohort& c) {
  validate_cohort(c, path);
  h5::write_atomically(path, "cohort", [&](h5::File& f) {
    const auto n = static_cast<hsize_t>(c.size());
    f.write("coords", {n, static_cast<hsize_t>(c.max_frames), static_cast<hsize_t>(c.joints), 2},
            c.coords.data());
    f.write("lengths", {n}, c.lengths.data());
    f.write("labels", {n}, c.labels.data());
    f.write_strings("ids", c.ids);
    f.write_strings("splits", c.splits);
    f.set_attribute("layout", c.layout);
    f.set_attribute("fps", c.fps);
    f.set_attribute("format_version", kCohortFormatVersion);
  });
}

Cohort read_cohort(const std::string& path) {
  return with_file_kind("cohort", [&] {
    const auto f = h5::File::open(path);
    const int64_t version = f.int_attribute("format_version");
    if (version != kCohortFormatVersion) {
      throw Error("'" + path + "': format_version " + std::to_string(version) +
                  ", this cpnas reads " + std::to_string(kCohortFormatVersion));
    }
    Cohort c;
    c.layout = f.string_attribute("layout");
    c.fps = f.double_attribute("fps");
    auto coords = f.read_float("coords");
    if (coords.dims.size() != 4 || coords.dims[3] != 2) {
      throw Error("'" + path + "': /coords must be [N, Tmax, V, 2]");
    }
    c.max_frames = static_cast<int64_t>(coords.dims[1]);
    c.joints = static_cast<int64_t>(coords.dims[2]);
    c.coords = std::move(coords.data);
    c.lengths = f.read_int32("lengths").data;
    c.labels = f.read_int8("labels").data;
    c.ids = f.read_strings("ids");
    c.splits = f.read_strings("splits");
    if (static_cast<hsize_t>(c.ids.size()) != coords.dims[0]) {
      throw Error("'" + path + "': /ids has " + std::to_string(c.ids.size()) +
                  " entries, /coords " + std::to_string(coords.dims[0]));
    }
    validate_cohort(c, path);
    return c;
  });
}

}  // namespace cpnas
