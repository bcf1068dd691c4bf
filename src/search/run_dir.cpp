#include "search/run_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

std::string metric(double v) {
  return v < 0 ? "" : fmt::format("{:.6f}", v);
}

// CSV-quotes text that may hold commas or quotes (error messages).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

using Extra = std::function<std::string(const StudentRecord&)>;

std::string table_header(const SearchSpace& space, const std::string& first_column,
                         const std::string& extra_columns) {
  std::string out = first_column +
                    ",iteration,status,val_auc,epochs,seconds,rank,attempts,val_accuracy,"
                    "val_sensitivity,val_specificity,params,macs";
  for (const auto& key : space.keys) out += "," + key.key;
  return out + extra_columns + ",message\n";
}

std::string table_row(const StudentRecord& r, const SearchSpace& space, const Extra& extra) {
  std::string out = fmt::format(
      "{},{},{},{},{},{:.2f},{},{},{},{},{},{},{}", r.id, r.iteration, status_name(r.status),
      metric(r.val_auc), r.epochs, r.seconds, r.rank, r.attempts, metric(r.val_accuracy),
      metric(r.val_sensitivity), metric(r.val_specificity), r.params, r.macs);
  for (std::size_t k = 0; k < space.keys.size(); ++k) {
    out += "," + space.keys[k].choices.at(static_cast<std::size_t>(r.actions.at(k)));
  }
  if (extra) out += "," + extra(r);
  return out + "," + (r.message.empty() ? "" : quoted(r.message)) + "\n";
}

void write_table(std::ostream& out, const std::vector<StudentRecord>& records,
                 const SearchSpace& space, const std::string& first_column,
                 const std::string& extra_columns, const Extra& extra) {
  out << table_header(space, first_column, extra_columns);
  for (const auto& r : records) {
    if (r.finished()) out << table_row(r, space, extra);
  }
}

}  // namespace

void RunDir::create() const {
  std::error_code ec;
  for (const auto& dir : {root, root + "/argmax", root + "/logs"}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("run directory '" + dir + "': " + ec.message());
  }
}

void write_student_tables(const RunDir& dir, const SearchState& state, const SearchSpace& space) {
  write_text_atomically(dir.students(), [&](std::ostream& out) {
    write_table(out, state.students, space, "id", "", nullptr);
  });
  write_argmax_table(dir, state, space);
}

void append_student_row(const RunDir& dir, const StudentRecord& student, const SearchSpace& space) {
  append_text(dir.students(), table_row(student, space, nullptr));
}

void write_argmax_table(const RunDir& dir, const SearchState& state, const SearchSpace& space) {
  const StudentRecord* best = best_argmax(state);
  write_text_atomically(dir.argmax_csv(), [&](std::ostream& out) {
    write_table(out, state.argmax, space, "update", ",model,best", [&](const StudentRecord& r) {
      return (r.status == StudentStatus::ok ? dir.argmax_model(r.id) : std::string()) + "," +
             (&r == best ? "1" : "0");
    });
  });
}

void write_policy(const RunDir& dir, const SearchState& state, const SearchSpace& space) {
  write_text_atomically(dir.policy(), [&](std::ostream& out) {
    out << "update,key,choice,probability\n";
    for (std::size_t u = 0; u < state.policy.size(); ++u) {
      for (std::size_t k = 0; k < space.keys.size(); ++k) {
        for (std::size_t j = 0; j < space.keys[k].choices.size(); ++j) {
          out << fmt::format("{},{},{},{:.6f}\n", u, space.keys[k].key, space.keys[k].choices[j],
                             state.policy[u].at(k).at(j));
        }
      }
    }
  });
}

}  // namespace cpnas
