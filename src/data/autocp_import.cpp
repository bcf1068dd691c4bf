#include "data/autocp_import.hpp"

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "data/cohort.hpp"
#include "data/layout.hpp"
#include "data/preprocess.hpp"
#include "io/error.hpp"
#include "io/npy.hpp"

namespace cpnas {
namespace fs = std::filesystem;
namespace {

const Skeleton& layout_with_joints(int64_t joints, const std::string& file) {
  std::string known;
  for (const auto& name : layout_names()) {
    const Skeleton& layout = find_layout(name);
    if (layout.num_joints() == joints) return layout;
    known += (known.empty() ? "" : ", ") + name + " " + std::to_string(layout.num_joints());
  }
  throw Error("'" + file + "': " + std::to_string(joints) +
              " joints (V), no layout has that many (" + known + ")");
}

std::string file_sets_in(const std::string& dir) {
  std::set<std::string> sets;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const std::string suffix = "_coords.npy";
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      sets.insert(name.substr(0, name.size() - suffix.size()));
    }
  }
  std::string list;
  for (const auto& s : sets) list += (list.empty() ? "" : ", ") + s;
  return list.empty() ? "none" : list;
}

std::vector<std::string> ids_of(const NpyArray& ids) {
  if (!ids.strings.empty() || ids.size() == 0) return ids.strings;
  if (ids.integers.empty()) return {};
  std::vector<std::string> out;
  for (const int64_t id : ids.integers) out.push_back(std::to_string(id));
  return out;
}

int8_t label_of(const NpyArray& labels, int64_t i, const std::string& file) {
  const double value = !labels.integers.empty() ? static_cast<double>(labels.integers[i])
                       : !labels.floats.empty() ? labels.floats[i]
                                                : NAN;
  if (value != 0 && value != 1) {
    throw Error("'" + file + "': label " + std::to_string(value) + " at index " +
                std::to_string(i) + " (expected 0 or 1)");
  }
  return static_cast<int8_t>(value);
}

// Appends one file set's recordings, as [frames, V, 2] arrays, to `cohort` and `recordings`.
void read_set(const fs::path& dir, const std::string& set, const std::string& split, double fps,
              Cohort& cohort, std::vector<std::vector<float>>& recordings) {
  const std::string coords_file = (dir / (set + "_coords.npy")).string();
  const std::string labels_file = (dir / (set + "_labels.npy")).string();
  const std::string ids_file = (dir / (set + "_ids.npy")).string();
  if (!fs::exists(coords_file)) {
    throw Error("'" + coords_file + "': no such file (file sets in '" + dir.string() +
                "': " + file_sets_in(dir.string()) + "; name them with --sets)");
  }
  const NpyArray coords = read_npy(coords_file);
  if (coords.shape.size() != 4 || coords.shape[1] != 2 || coords.floats.empty()) {
    std::string shape;
    for (const auto s : coords.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(s);
    throw Error("'" + coords_file + "': shape [" + shape + "] of dtype " + coords.dtype +
                ", expected float [N, 2, T, V]");
  }
  const int64_t n = coords.shape[0], t = coords.shape[2], v = coords.shape[3];
  const Skeleton& layout = layout_with_joints(v, coords_file);
  if (cohort.layout.empty()) {
    cohort.layout = layout.name;
    cohort.joints = v;
  } else if (cohort.joints != v) {
    throw Error("'" + coords_file + "': " + std::to_string(v) + " joints, the other sets have " +
                std::to_string(cohort.joints));
  }
  const NpyArray labels = read_npy(labels_file);
  const NpyArray ids = read_npy(ids_file);
  if (labels.size() != n || labels.shape.size() != 1) {
    throw Error("'" + labels_file + "': " + std::to_string(labels.size()) + " labels for " +
                std::to_string(n) + " recordings in '" + coords_file + "'");
  }
  const auto names = ids_of(ids);
  if (static_cast<int64_t>(names.size()) != n || ids.shape.size() != 1) {
    throw Error("'" + ids_file + "': " + std::to_string(ids.size()) + " ids of dtype " + ids.dtype +
                " for " + std::to_string(n) + " recordings in '" + coords_file + "'");
  }
  int64_t cut_by_reference = 0;
  for (int64_t i = 0; i < n; ++i) {
    // [2, T, V] -> [T, V, 2]
    const float* src = coords.floats.data() + i * 2 * t * v;
    int64_t length = 0, first_gap = t;
    for (int64_t f = 0; f < t; ++f) {
      bool seen = false;
      for (int64_t j = 0; j < v; ++j)
        seen |= std::isfinite(src[f * v + j]) && std::isfinite(src[(t + f) * v + j]);
      if (seen) length = f + 1;
      if (first_gap == t && std::isnan(src[f * v])) first_gap = f;
    }
    if (length == 0) {
      throw Error("'" + coords_file + "': recording '" + names[i] + "' (index " +
                  std::to_string(i) + ") has no observed coordinate");
    }
    cut_by_reference += first_gap < length;
    std::vector<float> rec(length * v * 2);
    for (int64_t f = 0; f < length; ++f) {
      for (int64_t j = 0; j < v; ++j) {
        for (int64_t c = 0; c < 2; ++c) rec[(f * v + j) * 2 + c] = src[(c * t + f) * v + j];
      }
    }
    if (fps != kCohortFps) {
      int64_t frames = 0;
      rec = resample(rec, length, v * 2, fps, kCohortFps, frames);
    }
    recordings.push_back(std::move(rec));
    cohort.ids.push_back(names[i]);
    cohort.labels.push_back(label_of(labels, i, labels_file));
    cohort.splits.push_back(split);
  }
  if (cut_by_reference > 0) {
    spdlog::warn(
        "'{}': {} of {} recordings miss their first joint before their end; the published code "
        "would have ended them there, cpnas keeps their whole length",
        coords_file, cut_by_reference, n);
  }
}

}  // namespace

std::map<std::string, std::string> autocp_default_sets() {
  return {{"train", "val13456"}, {"val", "val27"}, {"test", "test"}};
}

std::map<std::string, std::string> parse_autocp_sets(const std::string& text,
                                                     const std::string& option) {
  std::map<std::string, std::string> sets;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    const std::string split = item.substr(0, eq);
    if (eq == std::string::npos || eq + 1 == item.size() || !is_split_name(split) ||
        sets.count(split)) {
      throw Error(option + " '" + text +
                  "': expected split=set pairs, each of train, val, test at most once, e.g. "
                  "train=val13456,val=val27,test=test");
    }
    sets[split] = item.substr(eq + 1);
  }
  if (!sets.count("train")) throw Error(option + " '" + text + "': names no train set");
  return sets;
}

Cohort import_autocp(const std::string& dir, const std::map<std::string, std::string>& sets,
                     double fps) {
  if (!fs::is_directory(dir)) throw Error("'" + dir + "': not a directory");
  if (!(fps >= 1 && fps <= kMaxFps)) {
    throw Error("--fps " + std::to_string(fps) + " is not in [1, " +
                std::to_string(static_cast<int>(kMaxFps)) + "]");
  }
  Cohort cohort;
  cohort.fps = kCohortFps;
  std::vector<std::vector<float>> recordings;
  std::map<std::string, std::string> set_of_id;
  for (const auto& [split, set] : sets) {
    const auto before = cohort.ids.size();
    read_set(dir, set, split, fps, cohort, recordings);
    for (auto i = before; i < cohort.ids.size(); ++i) {
      const auto [it, fresh] = set_of_id.emplace(cohort.ids[i], set);
      if (!fresh) {
        throw Error("'" + (fs::path(dir) / (set + "_ids.npy")).string() + "': id '" +
                    cohort.ids[i] + "' is also in set " + it->second +
                    " (a recording must be in one split)");
      }
    }
  }
  pack_recordings(cohort, recordings);
  validate_cohort(cohort, dir);
  return cohort;
}

}  // namespace cpnas
