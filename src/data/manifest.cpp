#include "data/manifest.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "data/cohort.hpp"
#include "data/csv.hpp"
#include "io/atomic_file.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace fs = std::filesystem;
namespace {

std::string at_line(const std::string& what, const std::string& path, int line) {
  return what + " '" + path + ":" + std::to_string(line) + "'";
}

int8_t parse_label(const std::string& text, const std::string& where) {
  if (text != "1" && text != "0" && text != "-1") {
    throw Error(where + ": label '" + text + "' (expected 1 CP, 0 no CP or -1 unknown)");
  }
  return static_cast<int8_t>(std::stoi(text));
}

// The id and label that every row of a manifest or label table has.
ManifestEntry labelled_entry(std::map<std::string, std::string>& row, const std::string& where) {
  ManifestEntry e;
  e.id = row["id"];
  if (e.id.empty()) throw Error(where + ": empty id");
  e.label = parse_label(row["label"], where);
  return e;
}

// Rows of a CSV file with a header naming `required` columns (and maybe `optional` ones), as
// column -> cell maps with their line numbers.
struct Rows {
  std::vector<std::map<std::string, std::string>> cells;
  std::vector<int> lines;
};

Rows read_rows(const std::string& path, const std::string& what,
               const std::vector<std::string>& required, const std::vector<std::string>& optional) {
  std::ifstream in(path);
  if (!in) throw Error(what + " '" + path + "': cannot open");
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  std::string expected;
  for (const auto& c : required) expected += (expected.empty() ? "" : ",") + c;
  for (const auto& name : required) {
    if (std::find(header.begin(), header.end(), name) == header.end()) {
      throw Error(at_line(what, path, 1) + ": missing column '" + name + "' (expected " + expected +
                  ")");
    }
  }
  for (const auto& name : header) {
    if (std::find(required.begin(), required.end(), name) == required.end() &&
        std::find(optional.begin(), optional.end(), name) == optional.end()) {
      throw Error(at_line(what, path, 1) + ": unknown column '" + name + "' (expected " + expected +
                  ")");
    }
  }
  Rows rows;
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (blank_line(line)) continue;
    const auto cells = split_csv_line(line);
    if (cells.size() != header.size()) {
      throw Error(at_line(what, path, number) + ": " + std::to_string(cells.size()) +
                  " cells, the header has " + std::to_string(header.size()));
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = cells[i];
    rows.cells.push_back(std::move(row));
    rows.lines.push_back(number);
  }
  if (rows.cells.empty()) throw Error(what + " '" + path + "': lists no recordings");
  return rows;
}

}  // namespace

std::vector<ManifestEntry> read_manifest(const std::string& path) {
  const Rows rows = read_rows(path, "manifest", {"id", "label", "path", "fps"}, {"split"});
  const fs::path base = fs::path(path).parent_path();
  std::vector<ManifestEntry> entries;
  for (size_t r = 0; r < rows.cells.size(); ++r) {
    auto row = rows.cells[r];
    const std::string where = at_line("manifest", path, rows.lines[r]);
    ManifestEntry e = labelled_entry(row, where);
    e.split = row["split"];
    if (!e.split.empty() && !is_split_name(e.split)) {
      throw Error(where + ": split '" + e.split + "' (expected train, val, test or empty)");
    }
    e.fps = parse_cell(row["fps"], where);
    if (!(e.fps >= 1 && e.fps <= kMaxFps)) {
      throw Error(where + ": fps '" + row["fps"] + "' is not in [1, " +
                  std::to_string(static_cast<int>(kMaxFps)) + "]");
    }
    fs::path file = row["path"];
    if (file.empty()) throw Error(where + ": empty path");
    e.path = (file.is_relative() ? base / file : file).string();
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<ManifestEntry> manifest_from_recordings(const std::string& dir,
                                                    const std::string& labels, double fps) {
  if (!fs::is_directory(dir)) throw Error("'" + dir + "': not a directory");
  const Rows rows = read_rows(labels, "labels", {"id", "label"}, {});
  std::vector<ManifestEntry> entries;
  for (size_t r = 0; r < rows.cells.size(); ++r) {
    auto row = rows.cells[r];
    const std::string where = at_line("labels", labels, rows.lines[r]);
    ManifestEntry e = labelled_entry(row, where);
    e.fps = fps;
    std::vector<std::string> found;
    for (const auto& candidate : {e.id + ".csv", e.id + ".json", e.id}) {
      const fs::path p = fs::path(dir) / candidate;
      if (candidate == e.id ? fs::is_directory(p) : fs::is_regular_file(p))
        found.push_back(p.string());
    }
    if (found.empty()) {
      throw Error(where + ": no '" + e.id + ".csv', '" + e.id + ".json' or folder '" + e.id +
                  "/' in '" + dir + "'");
    }
    if (found.size() > 1) {
      throw Error(where + ": both '" + found[0] + "' and '" + found[1] + "' could be recording '" +
                  e.id + "'");
    }
    e.path = found[0];
    entries.push_back(std::move(e));
  }
  return entries;
}

void assign_splits(std::vector<ManifestEntry>& entries, const SplitFractions& fractions,
                   uint64_t seed, const std::string& where) {
  std::vector<int8_t> labels;
  for (const auto& e : entries) {
    if (!e.split.empty()) {
      throw Error(where + ": recording '" + e.id + "' has split '" + e.split +
                  "' already; --split-auto assigns every split, so give none (or drop "
                  "--split-auto)");
    }
    labels.push_back(e.label);
  }
  std::mt19937_64 rng(seed);
  const auto splits = stratified_splits(labels, fractions, rng);
  for (size_t i = 0; i < entries.size(); ++i) entries[i].split = splits[i];
}

void write_manifest(const std::string& path, const std::vector<ManifestEntry>& entries) {
  const fs::path base = fs::absolute(path).parent_path();
  write_text_atomically(path, [&](std::ostream& out) {
    out << "id,label,split,path,fps\n";
    for (const auto& e : entries) {
      std::error_code ec;
      const auto relative = fs::relative(fs::absolute(e.path), base, ec);
      const std::string file =
          ec || relative.empty() ? fs::absolute(e.path).string() : relative.string();
      out << e.id << ',' << static_cast<int>(e.label) << ',' << e.split << ',' << file << ','
          << fmt::format("{}", e.fps) << '\n';
    }
  });
}

Cohort import_entries(const std::vector<ManifestEntry>& entries, const Skeleton& layout,
                      const ImportOptions& options, const std::string& where) {
  Cohort cohort;
  cohort.layout = layout.name;
  cohort.fps = kCohortFps;
  cohort.joints = layout.num_joints();
  std::vector<std::vector<float>> recordings;
  for (const auto& e : entries) {
    if (e.split.empty()) {
      throw Error(where + ": recording '" + e.id +
                  "' has no split (give every row one, or --split-auto train:val:test)");
    }
    const RawRecording raw = read_pose(e.path, layout, options.read);
    try {
      recordings.push_back(preprocess(raw.xy, raw.frames, e.fps, layout, options.preprocess));
    } catch (const Error& error) {
      throw Error("'" + e.path + "': " + error.what());
    }
    cohort.ids.push_back(e.id);
    cohort.labels.push_back(e.label);
    cohort.splits.push_back(e.split);
  }
  pack_recordings(cohort, recordings);
  validate_cohort(cohort, where);
  return cohort;
}

}  // namespace cpnas
