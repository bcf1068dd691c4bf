#pragma once
// The cohort manifest: which recordings, with which label, split and frame rate, make a cohort.
// `cpnas import` reads one, builds one from a folder and a label table, assigns missing splits,
// and writes the one it used next to the cohort so that the split is on record.

#include <cstdint>
#include <string>
#include <vector>

#include "cpnas/skeleton.hpp"
#include "data/cohort.hpp"
#include "data/pose_import.hpp"
#include "data/preprocess.hpp"
#include "data/split.hpp"

namespace cpnas {

struct ManifestEntry {
  std::string id;
  int8_t label = -1;  ///< 1 CP, 0 no CP, -1 unknown
  std::string split;  ///< train, val, test, or empty before a split is assigned
  std::string path;   ///< the pose file or folder, absolute or relative to the working directory
  double fps = 0;
};

/// Reads `id,label,split,path,fps` (split may be absent or empty: assign_splits fills it); paths
/// relative to the manifest. Throws cpnas::Error "manifest '<path>:<line>': <problem>".
std::vector<ManifestEntry> read_manifest(const std::string& path);

/// One entry per row of `labels` (`id,label`), its pose data `ID.csv`, `ID.json` or the folder
/// `ID/` in `dir`, all at `fps`. Throws cpnas::Error naming the file and the id.
std::vector<ManifestEntry> manifest_from_recordings(const std::string& dir,
                                                    const std::string& labels, double fps);

/// Gives every entry a split, stratified by label (stratified_splits) from `seed` alone. Throws
/// cpnas::Error when an entry has a split already: assigned and given splits do not mix.
void assign_splits(std::vector<ManifestEntry>& entries, const SplitFractions& fractions,
                   uint64_t seed, const std::string& where);

/// Writes the entries as a manifest `read_manifest` reads back (paths relative to it where they
/// can be), atomically.
void write_manifest(const std::string& path, const std::vector<ManifestEntry>& entries);

struct ImportOptions {
  PoseReadOptions read;
  PreprocessOptions preprocess;
};

/// Reads and preprocesses every entry's recording into a cohort; every entry needs a split.
/// `where` names the manifest in errors.
Cohort import_entries(const std::vector<ManifestEntry>& entries, const Skeleton& layout,
                      const ImportOptions& options, const std::string& where);

}  // namespace cpnas
