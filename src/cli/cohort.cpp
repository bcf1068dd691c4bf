// cpnas cohort info: what a cohort file holds, the first look after an import.

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/cohort_info.hpp"
#include "io/error.hpp"

namespace cpnas::cli {
namespace {

const char* label_name(int label) {
  return label == 1 ? "cp" : label == 0 ? "no_cp" : "unknown";
}

nlohmann::json info_json(const std::string& file, const CohortInfo& info) {
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& [split, labels] : info.counts) {
    for (const auto& [label, n] : labels) splits[split][label_name(label)] = n;
  }
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& [joint, share] : info.missing)
    missing.push_back({{"joint", joint}, {"share", share}});
  return {{"file", file},
          {"layout", info.layout},
          {"fps", info.fps},
          {"recordings", info.recordings},
          {"splits", splits},
          {"seconds",
           {{"min", info.min_seconds}, {"median", info.median_seconds}, {"max", info.max_seconds}}},
          {"missing", missing}};
}

void print_info(const std::string& file, const CohortInfo& info) {
  std::cout << fmt::format("{}: {} recordings, layout {} ({} joints), {} fps\n", file,
                           info.recordings, info.layout, info.missing.size(), info.fps);
  std::cout << fmt::format("length (s): min {:.1f}, median {:.1f}, max {:.1f}\n\n",
                           info.min_seconds, info.median_seconds, info.max_seconds);
  std::cout << fmt::format("{:<8} {:>6} {:>6} {:>8} {:>6}\n", "split", "CP", "no CP", "unknown",
                           "all");
  for (const char* split : {"train", "val", "test"}) {
    if (!info.counts.count(split)) continue;
    const auto& c = info.counts.at(split);
    const auto n = [&](int label) { return c.count(label) ? c.at(label) : 0; };
    std::cout << fmt::format("{:<8} {:>6} {:>6} {:>8} {:>6}\n", split, n(1), n(0), n(-1),
                             n(1) + n(0) + n(-1));
  }
  std::cout << "\nmissing (share of frames within the recordings):\n";
  for (const auto& [joint, share] : info.missing) {
    std::cout << fmt::format("  {:<20} {:5.1f} %\n", joint, 100 * share);
  }
}

int run_info(const std::vector<std::string>& args) {
  CommandLine cl("cohort info FILE [options]",
                 "Recordings per split and label, length in seconds (min, median, max), the\n"
                 "share of frames in which each joint is missing, frame rate and layout\n"
                 "(cpnas cohort has this one subcommand).",
                 false);
  std::string file;
  cl.options().add_options()("cohort", po::value(&file), "cohort file (HDF5)");
  cl.positional("cohort", 1);
  if (!cl.parse(args)) return 0;
  if (file.empty())
    throw UsageError("cohort info: give the cohort file, e.g. cpnas cohort info cohort.h5");
  const CohortInfo info = cohort_info(read_cohort(file));
  if (cl.json()) {
    std::cout << info_json(file, info).dump() << "\n";
  } else {
    print_info(file, info);
  }
  return 0;
}

}  // namespace

int run_cohort(const std::vector<std::string>& args) {
  if (args.empty()) {
    throw UsageError("cohort: give a subcommand, e.g. cpnas cohort info cohort.h5");
  }
  if (args[0] == "--help" || args[0] == "-h") return run_info(args);  // its only subcommand
  if (args[0] == "info") return run_info({args.begin() + 1, args.end()});
  throw UsageError("unknown subcommand 'cohort " + args[0] + "' (known: info)");
}

}  // namespace cpnas::cli
