// cpnas bench train|eval: training-step and evaluation throughput of a job's student.

#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/batches.hpp"
#include "data/layout.hpp"
#include "io/error.hpp"
#include "train/throughput.hpp"

namespace cpnas::cli {
namespace {

int print_data_rate(const CommandLine& cl, const Job& job, const std::string& data, int threads,
                    int64_t batch, int steps, int warmup) {
  const Cohort cohort = read_cohort(data);
  const FeatureSet features(cl.plugins(), job.get_list("data", "features"),
                            find_layout(cohort.layout));
  TrainingBatches batches(cohort, cohort.indices("train"), features, batch, 1, threads);
  int64_t epoch = 0, windows = 0;
  auto take = [&] {
    auto b = batches.next();
    while (!b) {
      batches.start_epoch(epoch++);
      b = batches.next();
    }
    return b->x.size(0);
  };
  batches.start_epoch(epoch++);
  for (int i = 0; i < warmup; ++i) take();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) windows += take();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nlohmann::json out{{"mode", "data"},
                           {"windows_per_s", windows / seconds},
                           {"ms_per_step", 1000 * seconds / steps},
                           {"threads", threads},
                           {"features", job.get("data", "features")},
                           {"batch", batch}};
  if (cl.json()) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << fmt::format("data: {:.0f} windows/s (loader threads: {}, batch {})\n",
                             windows / seconds, threads, batch);
  }
  return 0;
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  CommandLine cl("bench train|eval|data --job FILE [options]",
                 "train, eval: times training steps (forward, backward, optimizer) or evaluation\n"
                 "forwards of the job's student on random windows of 150 frames, after a warm-up.\n"
                 "data: times the production of augmented training batches with the job's\n"
                 "features from the cohort given by --data, on --threads loader threads.",
                 true);
  std::string mode, data;
  ThroughputOptions o;
  int threads = 0, steps = 5, warmup = 2;
  int64_t batch = 0;
  cl.options().add_options()("mode", po::value(&mode)->required(), "train or eval")(
      "threads", po::value(&threads)->default_value(0), "intra-op threads (0: LibTorch default)")(
      "batch", po::value(&batch)->default_value(0), "windows per step (0: [hyper] batch_size)")(
      "steps", po::value(&steps)->default_value(5), "timed steps")(
      "warmup", po::value(&warmup)->default_value(2), "untimed steps first")(
      "data", po::value(&data), "cohort file (bench data)")(
      "trace", po::value(&o.trace),
      "train, eval: write a Chrome trace (chrome://tracing, Perfetto) of every operator of the "
      "timed steps, forward and backward; bench/trace_summary.py sums it per operator")(
      "cuda-graph", po::bool_switch(&o.cuda_graph),
      "train, eval on a GPU: record one step as a CUDA graph after the warm-up and time its "
      "replays, one launch per step (the learning rate and the optimizer's step count stay "
      "those of the recorded step)");
  cl.add_device_option();
  cl.positional("mode", 1);
  if (!cl.parse(args)) return 0;
  if (mode != "train" && mode != "eval" && mode != "data") {
    throw UsageError("bench: mode must be train, eval or data");
  }
  if (mode == "data" && data.empty()) throw UsageError("bench data needs --data COHORT");
  if (mode == "data" && !o.trace.empty()) throw UsageError("bench: --trace is for train and eval");
  if (mode == "data" && o.cuda_graph) throw UsageError("bench: --cuda-graph is for train and eval");
  require_in_range("threads", threads, 0, 4096);
  require_in_range("batch", static_cast<double>(batch), 0, 65536);
  require_in_range("steps", steps, 1, 1e6);
  require_in_range("warmup", warmup, 0, 1e6);
  if (threads > 0) torch::set_num_threads(threads);

  const Job job = cl.job();
  const Hyper hyper = hyper_from_job(job);
  if (mode == "data") {
    return print_data_rate(cl, job, data, std::max(threads, 1),
                           batch > 0 ? batch : hyper.batch_size, steps, warmup);
  }
  o.train = mode == "train";
  o.batch = batch > 0 ? batch : hyper.batch_size;
  o.joints = find_layout(job.get("data", "layout")).num_joints();
  o.steps = steps;
  o.warmup_steps = warmup;
  o.device = cl.device();
  // What the run will use: bf16 where the CPU has no native bf16 runs (and is reported) as fp32.
  o.precision = usable_precision(parse_precision(job.get("train", "precision")), o.device);
  Student student = student_from_job(job, cl.plugins(), 0);
  student->to(o.device);
  const Throughput t = measure_throughput(*student, hyper, o);
  const nlohmann::json out{{"mode", mode},
                           {"windows_per_s", t.windows_per_s},
                           {"ms_per_step", t.ms_per_step},
                           {"threads", torch::get_num_threads()},
                           {"precision", precision_name(o.precision)},
                           {"device", o.device.str()},
                           {"cuda_graph", o.cuda_graph},
                           {"batch", o.batch}};
  if (cl.json()) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << fmt::format(
        "{} {}: {:.2f} windows/s, {:.1f} ms/step (batch {}, {}{}, {} threads)\n", mode,
        precision_name(o.precision), t.windows_per_s, t.ms_per_step, o.batch, o.device.str(),
        o.cuda_graph ? ", CUDA graph" : "", torch::get_num_threads());
  }
  return 0;
}

}  // namespace cpnas::cli
