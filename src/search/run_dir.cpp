#include "search/run_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include <fmt/format.h>

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

void write_table(std::ostream& out, const std::vector<StudentRecord>& records,
                 const SearchSpace& space, const std::string& first_column,
                 const std::string& extra_columns,
                 const std::function<std::string(const StudentRecord&)>& extra) {
  out << first_column
      << ",iteration,status,val_auc,epochs,seconds,rank,attempts,val_accuracy,val_sensitivity,"
         "val_specificity,params,macs";
  for (const auto& key : space.keys) out << "," << key.key;
  out << extra_columns << ",message\n";
  for (const auto& r : records) {
    if (!r.finished()) continue;
    out << fmt::format("{},{},{},{},{},{:.2f},{},{},{},{},{},{},{}", r.id, r.iteration,
                       status_name(r.status), metric(r.val_auc), r.epochs, r.seconds, r.rank,
                       r.attempts, metric(r.val_accuracy), metric(r.val_sensitivity),
                       metric(r.val_specificity), r.params, r.macs);
    for (std::size_t k = 0; k < space.keys.size(); ++k) {
      out << "," << space.keys[k].choices.at(static_cast<std::size_t>(r.actions.at(k)));
    }
    if (extra) out << "," << extra(r);
    out << "," << (r.message.empty() ? "" : quoted(r.message)) << "\n";
  }
}

}  // namespace

void write_text_atomically(const std::string& path, const std::function<void(std::ostream&)>& f) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw Error("cannot write '" + tmp + "'");
    f(out);
    if (!out.flush()) throw Error("cannot write '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw Error("'" + path + "': cannot move the written file into place");
  }
}

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
