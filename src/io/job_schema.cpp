#include "io/job_schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace cpnas {
namespace {

KeySpec spec(std::string section, std::string key, ValueType type, std::string dflt,
             std::string help) {
  KeySpec s;
  s.section = std::move(section);
  s.key = std::move(key);
  s.type = type;
  s.default_value = std::move(dflt);
  s.help = std::move(help);
  return s;
}

KeySpec integer(std::string section, std::string key, long dflt, double min, double max,
                std::string help) {
  KeySpec s = spec(std::move(section), std::move(key), ValueType::integer, std::to_string(dflt),
                   std::move(help));
  s.min = min;
  s.max = max;
  return s;
}

KeySpec window(std::string section, std::string key, std::string help) {
  KeySpec s = integer(std::move(section), std::move(key), 3, 1, 15, std::move(help));
  s.odd = true;
  return s;
}

KeySpec real(std::string section, std::string key, std::string dflt, double min, double max,
             bool min_exclusive, std::string help) {
  KeySpec s =
      spec(std::move(section), std::move(key), ValueType::real, std::move(dflt), std::move(help));
  s.min = min;
  s.max = max;
  s.min_exclusive = min_exclusive;
  return s;
}

KeySpec choice(std::string section, std::string key, std::string dflt,
               std::vector<std::string> choices, std::string help) {
  KeySpec s =
      spec(std::move(section), std::move(key), ValueType::choice, std::move(dflt), std::move(help));
  s.choices = std::move(choices);
  return s;
}

KeySpec text(std::string section, std::string key, std::string dflt, std::string help) {
  return spec(std::move(section), std::move(key), ValueType::text, std::move(dflt),
              std::move(help));
}

KeySpec boolean(std::string section, std::string key, std::string dflt, std::string help) {
  return spec(std::move(section), std::move(key), ValueType::boolean, std::move(dflt),
              std::move(help));
}

KeySpec list(std::string section, std::string key, std::string dflt, std::string help) {
  return spec(std::move(section), std::move(key), ValueType::list, std::move(dflt),
              std::move(help));
}

// [space]: one list of choices per [arch] and [hyper] key; empty means not searched.
void add_space(std::vector<KeySpec>& schema) {
  std::vector<KeySpec> space;
  for (const auto& s : schema) {
    if (s.section != "arch" && s.section != "hyper") continue;
    KeySpec k = list("space", s.key, "", "choices of [" + s.section + "] " + s.key);
    k.element_section = s.section;
    space.push_back(std::move(k));
  }
  schema.insert(schema.end(), space.begin(), space.end());
}

std::vector<KeySpec> make_schema() {
  std::vector<KeySpec> schema{
      // [data]
      text("data", "cohort", "", "cohort file (HDF5) written by `cpnas synth` or `cpnas import`"),
      choice("data", "layout", "in-motion-2022", {"in-motion-2022", "in-motion", "coco-18"},
             "skeleton layout of the cohort"),
      list("data", "features", "position,velocity,bone,acceleration",
           "feature plugins, one input stream each, in order"),
      integer("data", "eval_window", 150, 30, 100000,
              "frames of a validation and evaluation window (training windows are 150)"),
      integer("data", "eval_step", 75, 1, 100000, "frames between evaluation window starts"),
      // [arch]
      integer("arch", "init_channels", 64, 1, 1024, "channels of the stem"),
      choice("arch", "activation", "swish", {"relu", "relu6", "hardswish", "swish"},
             "activation function"),
      text("arch", "attention", "fa", "attention plugin name"),
      text("arch", "block", "sep", "temporal block plugin name"),
      real("arch", "dropout", "0.05", 0, 0.95, false, "dropout before the classifier"),
      boolean("arch", "multi_gcn", "false", "multi-scale graph layers in the input streams"),
      real("arch", "expand_ratio", "1.5", 0, 8, true, "inner channels = floor(C * e)"),
      real("arch", "reduct_ratio", "1.5", 0, 8, true, "inner channels = floor(C / r)"),
      integer("arch", "input_blocks", 2, 0, 8, "blocks per input stream"),
      integer("arch", "input_depth", 2, 1, 8, "temporal blocks per input block"),
      integer("arch", "input_stride", 3, 1, 4, "temporal stride of the first temporal block"),
      real("arch", "input_scale", "1", 0, 4, true, "channel scale per input block"),
      window("arch", "input_window", "temporal window of input blocks (odd)"),
      integer("arch", "input_graph_distance", 1, 0, 3, "adjacency hops of input graph layers"),
      integer("arch", "main_blocks", 2, 1, 8, "blocks of the main stream"),
      integer("arch", "main_depth", 2, 1, 8, "temporal blocks per main block"),
      integer("arch", "main_stride", 1, 1, 4, "temporal stride of the first temporal block"),
      real("arch", "main_scale", "1", 0, 4, true, "channel scale per main block"),
      window("arch", "main_window", "temporal window of main blocks (odd)"),
      integer("arch", "main_graph_distance", 1, 0, 3, "adjacency hops of main graph layers"),
      choice("arch", "main_stream", "full", {"full", "reference"},
             "reference reproduces the published main stream exactly"),
      // [hyper]
      choice("hyper", "optimizer", "adam", {"sgd", "adam", "adamw"}, "optimizer"),
      real("hyper", "lr", "0.005", 0, 10, true, "learning rate"),
      real("hyper", "weight_decay", "0", 0, 1, false, "weight decay"),
      real("hyper", "momentum", "0.9", 0, 1, false, "SGD momentum (Nesterov)"),
      integer("hyper", "batch_size", 32, 1, 65536, "global batch size"),
      // [train]
      choice("train", "precision", "fp32", {"fp32", "bf16"},
             "bf16 autocast (CPUs with AVX-512 BF16, CUDA) or fp32"),
      integer("train", "epochs", 50, 1, 100000, "training epochs"),
      integer("train", "warmup_epochs", 10, 0, 100000, "linear learning-rate warm-up epochs"),
      real("train", "warmup_factor", "0.25", 0, 1, true, "warm-up starts at this fraction of lr"),
      list("train", "lr_steps", "200,250", "epochs at which the learning rate is multiplied"),
      real("train", "lr_factor", "0.5", 0, 1, true, "learning-rate multiplier at each step"),
      integer("train", "validate_every", 5, 1, 100000, "validate every this many epochs"),
      integer("train", "early_stop_epoch", 6, 0, 100000,
              "from this epoch on, stop when the best validation AUC is below early_stop_auc "
              "(0: never)"),
      real("train", "early_stop_auc", "0.5", 0, 1, false, "see early_stop_epoch"),
      integer("train", "accuracy_fall_epochs", 0, 0, 100000,
              "stop when training accuracy fell more than this many epochs in a row (0: never)"),
      integer("train", "seed", 1234, 0, 4294967295.0, "seed of weights, windows and augmentation"),
      integer("train", "loader_threads", 1, 1, 64, "background threads preparing batches"),
      // [search]
      choice("search", "strategy", "reinforce", {"reinforce", "random"},
             "REINFORCE controller, or uniform random sampling (the baseline)"),
      integer("search", "warmup_rollouts", 20, 1, 100000, "students of the first iteration"),
      integer("search", "rollouts", 30, 1, 100000, "students of every later iteration"),
      integer("search", "max_iterations", 51, 1, 100000,
              "iterations, each ending in a controller update (the published max_iter 50 ran 51)"),
      integer("search", "student_epochs", 50, 1, 100000, "training epochs of each student"),
      integer("search", "argmax_epochs", 300, 0, 100000,
              "epochs of the argmax student's long training after each update (0: none)"),
      integer("search", "seed", 1234, 0, 4294967295.0, "seed of the controller and students"),
      real("search", "budget_hours", "0", 0, 1e6, false,
           "stop at the end of the iteration that exceeds this wall-clock time (0: none)"),
      real("search", "target_accuracy", "0.97", 0, 1, false,
           "stop when the argmax student's validation subject accuracy reaches this"),
      real("search", "controller_lr", "0.001", 0, 10, true, "Adam learning rate of the policy"),
      boolean("search", "baseline", "false", "subtract the mean reward of the update"),
      real("search", "replay_threshold", "0.9", 0, 1, false,
           "students with at least this validation AUC enter the replay memory"),
      integer("search", "replay_capacity", 200, 0, 1000000, "replay memory size"),
      integer("search", "replay_sample", 10, 0, 1000000,
              "replayed students per update, doubling as the memory fills"),
      choice("search", "preemption_signal", "USR2", {"USR1", "USR2", "INT", "HUP", "XCPU"},
             "signal that, like SIGTERM, stops the search with a checkpoint (exit 99)"),
  };
  add_space(schema);
  return schema;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::optional<std::string> range_reason(const KeySpec& spec, double v) {
  if (spec.min > spec.max) return std::nullopt;
  const bool low = spec.min_exclusive ? v <= spec.min : v < spec.min;
  if (low || v > spec.max) {
    return std::string("out of range ") + (spec.min_exclusive ? "(" : "[") +
           format_number(spec.min) + ", " + format_number(spec.max) + "]";
  }
  return std::nullopt;
}

}  // namespace

const std::vector<KeySpec>& job_schema() {
  static const std::vector<KeySpec> schema = make_schema();
  return schema;
}

std::vector<std::string> job_sections() {
  std::vector<std::string> sections;
  for (const auto& spec : job_schema()) {
    if (std::find(sections.begin(), sections.end(), spec.section) == sections.end()) {
      sections.push_back(spec.section);
    }
  }
  return sections;
}

const KeySpec* find_key_spec(const std::string& section, const std::string& key) {
  for (const auto& spec : job_schema()) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    items.push_back(first == std::string::npos ? "" : item.substr(first, last - first + 1));
  }
  return items;
}

bool parse_integer(const std::string& text, int64_t& out) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, out);
  return !text.empty() && error == std::errc() && stop == end;
}

bool parse_real(const std::string& text, double& out) {
  // from_chars reads decimal and scientific notation only: no hex, no "inf" or "nan" accepted
  // as finite, no leading '+' or spaces, and no locale.
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, out);
  return !text.empty() && error == std::errc() && stop == end && std::isfinite(out);
}

std::optional<std::string> invalid_reason(const KeySpec& spec, const std::string& text) {
  switch (spec.type) {
    case ValueType::integer: {
      int64_t v = 0;
      if (!parse_integer(text, v)) return std::string("expected a decimal integer");
      if (auto reason = range_reason(spec, static_cast<double>(v))) return reason;
      if (spec.odd && v % 2 == 0) return std::string("expected an odd number");
      return std::nullopt;
    }
    case ValueType::real: {
      double v = 0;
      if (!parse_real(text, v)) return std::string("expected a decimal number");
      return range_reason(spec, v);
    }
    case ValueType::boolean:
      if (text == "true" || text == "false") return std::nullopt;
      return std::string("expected true or false");
    case ValueType::choice:
      if (std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end()) {
        return std::nullopt;
      }
      return "expected one of " + join(spec.choices);
    case ValueType::list: {
      const auto items = split_list(text);
      const KeySpec* element =
          spec.element_section.empty() ? nullptr : find_key_spec(spec.element_section, spec.key);
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].empty()) return std::string("empty element in the comma-separated list");
        if (std::find(items.begin(), items.begin() + i, items[i]) != items.begin() + i)
          return "'" + items[i] + "' listed twice";
        if (!element) continue;
        if (auto reason = invalid_reason(*element, items[i]))
          return "'" + items[i] + "': " + *reason;
      }
      return std::nullopt;
    }
    case ValueType::text:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace cpnas
