// cpnas bench train|eval: training-step and evaluation throughput of a job's student.

#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "data/layout.hpp"
#include "error.hpp"
#include "train/throughput.hpp"

namespace cpnas::cli {

int run_bench(const std::vector<std::string>& args) {
  CommandLine cl("bench train|eval --job FILE [options]",
                 "Times training steps (forward, backward, optimizer) or evaluation forwards of\n"
                 "the job's student on random windows of 150 frames, after a warm-up.",
                 true);
  std::string mode;
  int threads = 0, steps = 5, warmup = 2;
  int64_t batch = 0;
  cl.options().add_options()("mode", po::value(&mode)->required(), "train or eval")(
      "threads", po::value(&threads)->default_value(0), "intra-op threads (0: LibTorch default)")(
      "batch", po::value(&batch)->default_value(0), "windows per step (0: [hyper] batch_size)")(
      "steps", po::value(&steps)->default_value(5), "timed steps")(
      "warmup", po::value(&warmup)->default_value(2), "untimed steps first");
  cl.positional("mode", 1);
  if (!cl.parse(args)) return 0;
  if (mode != "train" && mode != "eval") throw UsageError("bench: mode must be train or eval");
  if (threads < 0 || batch < 0 || steps < 1 || warmup < 0) {
    throw UsageError("bench: --threads, --batch, --warmup must be >= 0 and --steps >= 1");
  }
  if (threads > 0) torch::set_num_threads(threads);

  const Job job = cl.job();
  const Hyper hyper = hyper_from_job(job);
  ThroughputOptions o;
  o.train = mode == "train";
  o.batch = batch > 0 ? batch : hyper.batch_size;
  o.joints = find_layout(job.get("data", "layout")).num_joints();
  o.steps = steps;
  o.warmup_steps = warmup;
  o.precision = parse_precision(job.get("train", "precision"));
  if (o.precision == Precision::bf16 && !cpu_has_native_bf16()) {
    spdlog::warn("this CPU has no native bf16 (AVX-512 BF16 or AMX): bf16 is emulated and slow");
  }
  Student student = student_from_job(job, cl.plugins(), 0);
  const Throughput t = measure_throughput(*student, hyper, o);
  const nlohmann::json out{{"mode", mode},
                           {"windows_per_s", t.windows_per_s},
                           {"ms_per_step", t.ms_per_step},
                           {"threads", torch::get_num_threads()},
                           {"precision", precision_name(o.precision)},
                           {"batch", o.batch}};
  if (cl.json()) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << fmt::format("{} {}: {:.2f} windows/s, {:.1f} ms/step (batch {}, {} threads)\n",
                             mode, precision_name(o.precision), t.windows_per_s, t.ms_per_step,
                             o.batch, torch::get_num_threads());
  }
  return 0;
}

}  // namespace cpnas::cli
