#pragma once
// Model files (HDF5): the resolved job (architecture, hyper-parameters, layout, features), every
// parameter and buffer by name, and the training record.

#include <cstdint>
#include <string>

#include "io/job.hpp"
#include "model/student.hpp"
#include "plugin/registry.hpp"

namespace cpnas {

namespace h5 {
class File;
}

/// Every parameter and buffer of the student as "<prefix>parameters/<name>" and
/// "<prefix>buffers/<name>".
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(StudentImpl& student,
                                                                 const std::string& prefix = "");

/// Writes float32 and int64 tensors under their names.
void write_tensors(h5::File& file,
                   const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

/// Copies the file's tensors into `tensors` (in place); a missing one or another shape throws
/// cpnas::Error naming the tensor.
void read_tensors(const h5::File& file,
                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

/// A plugin that built a model, as its model file records it.
struct PluginUse {
  std::string kind, name;  ///< "block", "sep"
  std::string file;        ///< the shared object it came from
  std::string abi;         ///< "1.4"
  std::string hash;        ///< file_hash() of that file
};

/// The loaded plugins that a job's network and features use.
std::vector<PluginUse> plugins_used(const Job& job, const PluginRegistry& plugins);

struct ModelRecord {
  int64_t epochs = 0;
  int64_t best_epoch = 0;
  double best_val_auc = -1;
  double threshold = 0.5;  ///< decision threshold for predictions
  uint64_t seed = 0;
  std::string status = "ok";
  std::string cpnas_version;       ///< filled in by save_model
  std::vector<PluginUse> plugins;  ///< filled in by save_model (plugins_used())
};

/// Writes atomically (io/atomic_file.hpp), recording the plugins of `plugins` that built it.
void save_model(const std::string& path, StudentImpl& student, const Job& job,
                const ModelRecord& record, const PluginRegistry& plugins);

struct LoadedModel {
  Job job;
  Student student{nullptr};
  ModelRecord record;
};

/// Rebuilds the student from the stored job and loads its tensors. Throws cpnas::Error naming the
/// file and the tensor when the file's architecture does not build the same tensors, or the
/// plugin when one that built it is not loaded; warns with both hashes when such a plugin's file
/// changed since.
LoadedModel load_model(const std::string& path, const PluginRegistry& plugins);

}  // namespace cpnas
