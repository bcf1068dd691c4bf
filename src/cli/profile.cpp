// cpnas profile: parameters and MACs of a job's student, as JSON or a per-layer table.

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/layout.hpp"
#include "model/profile.hpp"
#include "plugin/job_plugins.hpp"

namespace cpnas::cli {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (auto d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

}  // namespace

int run_profile(const std::vector<std::string>& args) {
  CommandLine cl("profile --job FILE [options]",
                 "Builds the student of the job's [arch] for its [data] layout and features and\n"
                 "counts trainable parameters (params; params_paper without the edge-importance\n"
                 "masks, as the paper counts) and multiply-accumulates per window of 150 frames.",
                 true);
  int64_t time_batch = 0;
  cl.options().add_options()("time", po::value(&time_batch)->default_value(0),
                             "also time each layer's evaluation forward on this many windows");
  if (!cl.parse(args)) return 0;
  const Job job = cl.job();
  const PluginRegistry plugins = cl.plugins();
  check_job_plugins(job, plugins);
  Student student = student_from_job(job, plugins, 0);
  const auto joints = find_layout(job.get("data", "layout")).num_joints();
  if (time_batch > 0) {
    double total = 0;
    std::cout << fmt::format("{:<28} {:>10}   (forward, batch {}, {} threads)\n", "layer", "ms",
                             time_batch, torch::get_num_threads());
    for (const auto& t : time_layers(*student, joints, time_batch)) {
      std::cout << fmt::format("{:<28} {:>10.2f}\n", t.name, t.ms);
      total += t.ms;
    }
    std::cout << fmt::format("{:<28} {:>10.2f}\n\n", "total", total);
  }
  const ModelProfile p = profile_student(*student, joints);
  if (cl.json()) {
    std::cout << nlohmann::json{{"params", p.params},
                                {"params_paper", p.params_paper},
                                {"macs", p.macs},
                                {"graph_macs", p.graph_macs}}
                     .dump()
              << "\n";
    return 0;
  }
  const auto row = "{:<28} {:>14} {:>9} {:>12} {:>12}\n";
  std::cout << fmt::format(fmt::runtime(row), "layer", "output", "params", "MACs", "graph MACs");
  for (const auto& l : p.layers) {
    std::cout << fmt::format(fmt::runtime(row), l.name, shape_text(l.output_shape), l.params,
                             l.macs, l.graph_macs);
  }
  std::cout << fmt::format(
      "\nparams {} ({:.3f} M), params_paper {} ({:.3f} M, without edge-importance masks)\n"
      "MACs {} ({:.3f} G, convolutions and BatchNorm as the paper counts), graph aggregation "
      "{} ({:.3f} G) more\n",
      p.params, p.params / 1e6, p.params_paper, p.params_paper / 1e6, p.macs, p.macs / 1e9,
      p.graph_macs, p.graph_macs / 1e9);
  return 0;
}

}  // namespace cpnas::cli
