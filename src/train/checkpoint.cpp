#include "train/checkpoint.hpp"

#include <cstdio>

#include "io/error.hpp"
#include "io/h5.hpp"
#include "model/model_file.hpp"

namespace cpnas {
namespace {

constexpr int kHistoryColumns = 6;

void write_bytes(h5::File& f, const std::string& name, const void* data, size_t size) {
  f.write(name, {static_cast<hsize_t>(size)}, static_cast<const int8_t*>(data));
}

std::vector<std::pair<std::string, torch::Tensor>> best_tensors(
    const std::vector<torch::Tensor>& best) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (size_t i = 0; i < best.size(); ++i) out.emplace_back("best/" + std::to_string(i), best[i]);
  return out;
}

}  // namespace

void save_checkpoint(const std::string& path, StudentImpl& student, const Checkpoint& c) {
  h5::write_atomically(path, "checkpoint", [&](h5::File& f) {
    write_tensors(f, named_tensors(student, "model/"));
    write_tensors(f, best_tensors(c.best));
    write_bytes(f, "optimizer", c.optimizer.data(), c.optimizer.size());
    const auto rng = c.rng.contiguous();
    write_bytes(f, "rng", rng.data_ptr(), static_cast<size_t>(rng.numel()));
    std::vector<double> history;
    for (const auto& row : c.history) history.insert(history.end(), row.begin(), row.end());
    f.write("history", {c.history.size(), kHistoryColumns}, history.data());
    const TrainProgress& p = c.progress;
    f.set_attribute("job", c.job);
    f.set_attribute("epoch", p.epoch);
    f.set_attribute("batch", p.batch);
    f.set_attribute("loss_sum", p.loss_sum);
    f.set_attribute("seen", p.seen);
    f.set_attribute("correct", p.correct);
    f.set_attribute("best_val_auc", p.best_val_auc);
    f.set_attribute("best_epoch", p.best_epoch);
    f.set_attribute("last_accuracy", p.last_accuracy);
    f.set_attribute("falls", p.falls);
    f.set_attribute("best_count", static_cast<int64_t>(c.best.size()));
  });
}

Checkpoint load_checkpoint(const std::string& path, StudentImpl& student,
                           const std::string& expected_job) {
  return with_file_kind("checkpoint", [&] {
    const auto f = h5::File::open(path);
    Checkpoint c;
    c.job = f.string_attribute("job");
    if (c.job != expected_job) {
      throw Error("'" + path +
                  "': belongs to another job (its resolved job differs from this "
                  "one; resume with the job it was started with, or start afresh)");
    }
    read_tensors(f, named_tensors(student, "model/"));
    torch::NoGradGuard no_grad;
    for (const auto& t : student.parameters()) c.best.push_back(torch::empty_like(t));
    for (const auto& t : student.buffers()) c.best.push_back(torch::empty_like(t));
    if (f.int_attribute("best_count") != static_cast<int64_t>(c.best.size())) {
      throw Error("'" + path + "': best weights do not match the architecture");
    }
    read_tensors(f, best_tensors(c.best));
    const auto optimizer = f.read_int8("optimizer").data;
    c.optimizer.assign(optimizer.begin(), optimizer.end());
    const auto rng = f.read_int8("rng").data;
    c.rng = torch::empty({static_cast<int64_t>(rng.size())}, torch::kUInt8);
    std::memcpy(c.rng.data_ptr(), rng.data(), rng.size());
    const auto history = f.read_double("history");
    for (size_t r = 0; r + kHistoryColumns <= history.data.size(); r += kHistoryColumns) {
      c.history.emplace_back(history.data.begin() + r, history.data.begin() + r + kHistoryColumns);
    }
    TrainProgress& p = c.progress;
    p.epoch = f.int_attribute("epoch");
    p.batch = f.int_attribute("batch");
    p.loss_sum = f.double_attribute("loss_sum");
    p.seen = f.int_attribute("seen");
    p.correct = f.int_attribute("correct");
    p.best_val_auc = f.double_attribute("best_val_auc");
    p.best_epoch = f.int_attribute("best_epoch");
    p.last_accuracy = f.double_attribute("last_accuracy");
    p.falls = f.int_attribute("falls");
    return c;
  });
}

}  // namespace cpnas
