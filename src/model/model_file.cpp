#include "model/model_file.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "config.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"
#include "model/arch.hpp"

namespace cpnas {
namespace {

constexpr const char* kFormat = "cpnas-model";
constexpr int64_t kFormatVersion = 1;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

uint32_t kind_code(const std::string& name) {
  for (uint32_t kind : {CPNAS_KIND_BLOCK, CPNAS_KIND_ATTENTION, CPNAS_KIND_FEATURE}) {
    if (kind_name(kind) == name) return kind;
  }
  return 0;
}

std::string plugins_text(const std::vector<PluginUse>& uses) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& u : uses) {
    out.push_back(
        {{"kind", u.kind}, {"name", u.name}, {"file", u.file}, {"abi", u.abi}, {"hash", u.hash}});
  }
  return out.dump();
}

std::vector<PluginUse> plugins_from_text(const std::string& path, const std::string& text) {
  std::vector<PluginUse> uses;
  try {
    for (const auto& u : nlohmann::json::parse(text)) {
      uses.push_back({u.at("kind").get<std::string>(), u.at("name").get<std::string>(),
                      u.at("file").get<std::string>(), u.at("abi").get<std::string>(),
                      u.at("hash").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + path + "': @plugins is damaged (" + e.what() + ")");
  }
  return uses;
}

// A model needs the plugins that built it; a rebuilt one may compute something else.
void check_plugins(const std::string& path, const std::vector<PluginUse>& uses,
                   const PluginRegistry& plugins) {
  for (const auto& u : uses) {
    const PluginEntry* now = plugins.find(kind_code(u.kind), u.name);
    if (!now) {
      throw Error("'" + path + "': built with " + u.kind + " '" + u.name + "' of plugin '" +
                  u.file + "', which is not loaded (add its directory with --plugin-path or " +
                  "CPNAS_PLUGIN_PATH)");
    }
    if (now->hash != u.hash) {
      spdlog::warn(
          "model '{}': {} '{}' was built by plugin '{}' (content hash {}), now loaded from '{}' "
          "(content hash {}): a plugin that changes what it computes changes the model's scores",
          path, u.kind, u.name, u.file, u.hash, now->file, now->hash);
    }
  }
}

}  // namespace

std::vector<PluginUse> plugins_used(const Job& job, const PluginRegistry& plugins) {
  const Arch arch = arch_from_job(job);
  std::vector<std::pair<uint32_t, std::string>> names = {{CPNAS_KIND_BLOCK, arch.block},
                                                         {CPNAS_KIND_ATTENTION, arch.attention}};
  for (const auto& f : job.get_list("data", "features")) names.emplace_back(CPNAS_KIND_FEATURE, f);
  std::vector<PluginUse> uses;
  for (const auto& [kind, name] : names) {
    // A name no plugin holds is built by the core (the reference main stream's basic block).
    if (const PluginEntry* e = plugins.find(kind, name)) {
      uses.push_back({kind_name(kind), name, e->file,
                      std::to_string(e->abi_major) + "." + std::to_string(e->abi_minor), e->hash});
    }
  }
  return uses;
}

std::vector<std::pair<std::string, torch::Tensor>> named_tensors(StudentImpl& student,
                                                                 const std::string& prefix) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : student.named_parameters()) {
    out.emplace_back(prefix + "parameters/" + p.key(), p.value());
  }
  for (const auto& b : student.named_buffers()) {
    out.emplace_back(prefix + "buffers/" + b.key(), b.value());
  }
  return out;
}

void write_tensors(h5::File& f, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  for (const auto& [name, value] : tensors) {
    const auto t = value.detach().to(torch::kCPU).contiguous();
    std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
    if (t.scalar_type() == torch::kFloat) {
      f.write(name, dims, t.data_ptr<float>());
    } else if (t.scalar_type() == torch::kLong) {
      f.write(name, dims, t.data_ptr<int64_t>());
    } else {
      throw Error("'" + f.path() + "': tensor '" + name + "' has an unsupported type");
    }
  }
}

void read_tensors(const h5::File& f,
                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : tensors) {
    if (!f.has(name)) throw Error("'" + f.path() + "': missing tensor '" + name + "'");
    std::vector<hsize_t> dims;
    torch::Tensor stored;
    if (value.scalar_type() == torch::kLong) {
      auto a = f.read_int64(name);
      dims = a.dims;
      stored = torch::tensor(a.data, torch::kLong);
    } else {
      auto a = f.read_float(name);
      dims = a.dims;
      stored = torch::tensor(a.data, torch::kFloat);
      // A NaN weight makes every score NaN, and a NaN score must never read as "no risk".
      if (!torch::isfinite(stored).all().item<bool>()) {
        throw Error("'" + f.path() + "': tensor '" + name + "' holds NaN or infinite values");
      }
    }
    const std::vector<int64_t> shape(dims.begin(), dims.end());
    if (shape != value.sizes().vec()) {
      throw Error("'" + f.path() + "': tensor '" + name + "' is " + shape_text(shape) +
                  " in the file, the architecture builds " + shape_text(value.sizes().vec()));
    }
    value.copy_(stored.view(value.sizes()));
  }
}

void save_model(const std::string& path, StudentImpl& student, const Job& job,
                const ModelRecord& record, const PluginRegistry& plugins) {
  const std::string used = plugins_text(plugins_used(job, plugins));
  h5::write_atomically(path, "model", [&](h5::File& f) {
    const auto tensors = named_tensors(student);
    write_tensors(f, tensors);
    f.set_attribute("format", std::string(kFormat));
    f.set_attribute("format_version", kFormatVersion);
    f.set_attribute("job", job.to_ini());
    f.set_attribute("tensor_count", static_cast<int64_t>(tensors.size()));
    f.set_attribute("epochs", record.epochs);
    f.set_attribute("best_epoch", record.best_epoch);
    f.set_attribute("best_val_auc", record.best_val_auc);
    f.set_attribute("threshold", record.threshold);
    f.set_attribute("seed", static_cast<int64_t>(record.seed));
    f.set_attribute("status", record.status);
    f.set_attribute("cpnas_version", std::string(CPNAS_VERSION));
    f.set_attribute("plugins", used);
  });
}

LoadedModel load_model(const std::string& path, const PluginRegistry& plugins) {
  return with_file_kind("model", [&] {
    const auto f = h5::File::open(path);
    if (!f.has_attribute("format") || f.string_attribute("format") != kFormat) {
      throw Error("'" + path + "': not a cpnas model file");
    }
    if (f.int_attribute("format_version") != kFormatVersion) {
      throw Error("'" + path + "': format_version " +
                  std::to_string(f.int_attribute("format_version")) + ", this cpnas reads " +
                  std::to_string(kFormatVersion));
    }
    LoadedModel m;
    m.job = Job::parse(f.string_attribute("job"), path + " (stored job)");
    m.record.epochs = f.int_attribute("epochs");
    m.record.best_epoch = f.int_attribute("best_epoch");
    m.record.best_val_auc = f.double_attribute("best_val_auc");
    m.record.threshold = f.double_attribute("threshold");
    if (!(m.record.threshold >= 0 && m.record.threshold <= 1)) {
      throw Error("'" + path + "': decision threshold " + std::to_string(m.record.threshold) +
                  " is outside [0, 1]");
    }
    m.record.seed = static_cast<uint64_t>(f.int_attribute("seed"));
    m.record.status = f.string_attribute("status");
    m.record.cpnas_version = f.string_attribute("cpnas_version");
    // Model files from before plugins were recorded have none.
    if (f.has_attribute("plugins")) {
      m.record.plugins = plugins_from_text(path, f.string_attribute("plugins"));
      check_plugins(path, m.record.plugins, plugins);
    }
    m.student = student_from_job(m.job, plugins, m.record.seed);
    const auto tensors = named_tensors(*m.student);
    read_tensors(f, tensors);
    // Every tensor the architecture builds matched; the file must not hold more.
    if (f.int_attribute("tensor_count") != static_cast<int64_t>(tensors.size())) {
      throw Error("'" + path + "': holds " + std::to_string(f.int_attribute("tensor_count")) +
                  " tensors, its architecture builds " + std::to_string(tensors.size()));
    }
    return m;
  });
}

}  // namespace cpnas
