#include "report/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "config.hpp"
#include "report/page.hpp"
#include "report/svg.hpp"

namespace cpnas {
namespace {

std::string rate(double v) {
  return v < 0 || std::isnan(v) ? "–" : fmt::format("{:.3f}", v);
}

std::string duration(double seconds) {
  const auto s = static_cast<long>(seconds);
  if (s >= 3600) return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
  return fmt::format("{} min {:02} s", s / 60, s % 60);
}

std::string choices(const StudentRecord& r, const SearchSpace& space) {
  std::string out;
  for (std::size_t k = 0; k < space.keys.size(); ++k) {
    out += (k ? ", " : "") + space.keys[k].key + "=" +
           space.keys[k].choices.at(static_cast<std::size_t>(r.actions.at(k)));
  }
  return escape_html(out);
}

std::string fact(const std::string& label, const std::string& value) {
  return "<div><b>" + escape_html(value) + "</b>" + escape_html(label) + "</div>";
}

std::string progress_section(const SearchState& s, const Job& job) {
  const int64_t updates = static_cast<int64_t>(s.policy.size()) - 1;
  const int64_t max = job.get_int("search", "max_iterations");
  int64_t ok = 0, failed = 0, diverged = 0, waiting = 0;
  for (const auto& r : s.students) {
    ok += r.status == StudentStatus::ok;
    failed += r.status == StudentStatus::failed;
    diverged += r.status == StudentStatus::diverged;
    waiting += !r.finished();
  }
  std::string left = "–";
  if (s.finished) {
    left = "finished";
  } else if (updates > 0) {
    left = "about " + duration(s.seconds / static_cast<double>(updates) *
                               static_cast<double>(std::max<int64_t>(0, max - updates)));
  }
  std::string html = "<section id=\"progress\"><h2>Progress</h2><div class=\"facts\">";
  html += fact("iterations done", fmt::format("{} / {}", updates, max));
  html += fact("students trained", std::to_string(ok + failed + diverged));
  html += fact("failed", std::to_string(failed));
  html += fact("diverged", std::to_string(diverged));
  html += fact("waiting or in flight", std::to_string(waiting));
  html += fact("time spent", duration(s.seconds));
  html += fact("estimated time left", left);
  html += "</div><p class=\"note\">" +
          escape_html(s.finished ? "Stopped: " + s.stop_reason + "."
                                 : "Running or interrupted; the page shows the last checkpoint.") +
          fmt::format(" Strategy {}, {} runs of the job (start and resumes).</p></section>",
                      job.get("search", "strategy"), s.runs);
  return html;
}

std::string auc_section(const SearchState& s) {
  const double n = std::max<double>(1, static_cast<double>(s.students.size()) - 1);
  SvgChart chart(720, 300, {0, n, "student id", 5, true}, {0, 1, "validation subject AUC", 5});
  int64_t iteration = -1;
  double best = -1;
  std::vector<std::pair<double, double>> best_line;
  for (const auto& r : s.students) {
    const auto id = static_cast<double>(r.id);
    if (r.iteration != iteration) {
      iteration = r.iteration;
      chart.rule(id, fmt::format("it {}", iteration + 1));
    }
    if (!r.finished()) continue;
    if (r.status == StudentStatus::ok) {
      chart.point(
          id, std::max(0.0, r.val_auc), "dot", fmt::format("i{}", r.iteration % 6),
          fmt::format("student {} (iteration {}): AUC {:.3f}", r.id, r.iteration + 1, r.val_auc));
      if (r.val_auc > best) {
        if (!best_line.empty()) best_line.emplace_back(id, best);
        best = r.val_auc;
      }
      best_line.emplace_back(id, best);
    } else {
      chart.point(id, 0, "cross", "bad",
                  fmt::format("student {} (iteration {}): {}", r.id, r.iteration + 1,
                              status_name(r.status)));
    }
  }
  if (!best_line.empty()) {
    best_line.emplace_back(n, best);
    chart.line(best_line, "best");
    chart.text(n, best, fmt::format(" best {:.3f}", best), "end");
  }
  return "<section id=\"auc\"><h2>Validation AUC of every student</h2>" +
         chart.str("validation AUC per student") +
         "<p class=\"note\">Dots: trained students, coloured and separated (dashed rules) by "
         "iteration. Crosses on the axis: failed or diverged. Dashed line: best so far. Hover a "
         "point for its id.</p></section>";
}

// Heights for the end labels of lines ending at `values` (in [0, 1]): in order, at least a
// label's height apart, so labels of nearly equal probabilities do not overprint each other.
std::vector<double> spread_labels(const std::vector<double>& values) {
  constexpr double gap = 0.09;
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  std::vector<double> at(values.size());
  double previous = 2;
  for (std::size_t i : order) previous = at[i] = std::min(values[i], previous - gap);
  const double overflow = -at[order.back()];  // below the axis: shift everything up
  if (overflow > 0) {
    for (auto& y : at) y += overflow;
  }
  return at;
}

std::string policy_section(const SearchState& s, const SearchSpace& space) {
  const double updates = std::max<double>(1, static_cast<double>(s.policy.size()) - 1);
  std::string html = "<section id=\"policy\"><h2>Policy</h2><div class=\"policy\">";
  for (std::size_t k = 0; k < space.keys.size(); ++k) {
    const auto& key = space.keys[k];
    SvgChart chart(360, 200, {0, updates, "update", 5, true}, {0, 1, "probability", 4});
    const auto& last = s.policy.back().at(k);
    const auto label_at = spread_labels(last);
    for (std::size_t j = 0; j < key.choices.size(); ++j) {
      std::vector<std::pair<double, double>> line;
      for (std::size_t u = 0; u < s.policy.size(); ++u) {
        line.emplace_back(static_cast<double>(u), s.policy[u].at(k).at(j));
      }
      chart.line(line, fmt::format("c{}", j % 6));
      chart.text(updates, label_at[j], fmt::format(" {} {:.2f}", key.choices[j], last[j]), "end");
    }
    html +=
        "<div><h3>" + escape_html(key.key) + "</h3>" + chart.str("policy of " + key.key) + "</div>";
  }
  return html +
         "</div><p class=\"note\">Each line is one choice, labelled at its end with its "
         "latest probability; update 0 is the uniform start.</p></section>";
}

std::string record_cells(const StudentRecord& r, const SearchSpace& space) {
  return fmt::format(
      "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.1f}</td>"
      "<td class=\"l\">{}</td>",
      rate(r.val_auc), rate(r.val_sensitivity), rate(r.val_specificity), rate(r.val_accuracy),
      r.params, static_cast<double>(r.macs) / 1e9, r.seconds, choices(r, space));
}

constexpr const char* kRecordHeader =
    "<th>AUC</th><th>sensitivity</th><th>specificity</th><th>accuracy</th><th>parameters</th>"
    "<th>GMACs</th><th>seconds</th><th class=\"l\">choices</th>";

std::string top_section(const SearchState& s, const SearchSpace& space) {
  std::vector<const StudentRecord*> ok;
  for (const auto& r : s.students) {
    if (r.status == StudentStatus::ok) ok.push_back(&r);
  }
  std::stable_sort(ok.begin(), ok.end(), [](const StudentRecord* a, const StudentRecord* b) {
    return a->val_auc > b->val_auc;
  });
  if (ok.size() > 10) ok.resize(10);
  std::string html = std::string(
                         "<section id=\"top\"><h2>Top students</h2><div class=\"scroll\">"
                         "<table><tr><th>id</th><th>iteration</th>") +
                     kRecordHeader + "</tr>";
  for (const auto* r : ok) {
    html += fmt::format("<tr><td>{}</td><td>{}</td>", r->id, r->iteration + 1) +
            record_cells(*r, space) + "</tr>";
  }
  return html +
         "</table></div><p class=\"note\">Validation metrics at the best epoch; "
         "sensitivity, specificity and accuracy at threshold 0.5.</p></section>";
}

std::string argmax_section(const SearchState& s, const SearchSpace& space) {
  std::string html =
      std::string(
          "<section id=\"argmax\"><h2>Argmax students (long training)</h2>"
          "<div class=\"scroll\"><table><tr><th>update</th><th>status</th><th>epochs</th>") +
      kRecordHeader + "<th class=\"l\">model file (in the run directory)</th></tr>";
  const StudentRecord* best = best_argmax(s);
  for (const auto& r : s.argmax) {
    const std::string model =
        r.status == StudentStatus::ok ? "argmax/update-" + std::to_string(r.id) + ".h5" : "";
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>", r.id,
                        escape_html(status_name(r.status)) + (&r == best ? " <b>(best)</b>" : ""),
                        r.epochs) +
            record_cells(r, space) + "<td class=\"l\">" + escape_html(model) + "</td></tr>";
  }
  return html +
         "</table></div><p class=\"note\">The best argmax student (highest validation AUC, "
         "the later update on ties) is the model a finished search copies to best.h5.</p>"
         "</section>";
}

std::string interval(double value, std::pair<double, double> ci) {
  return fmt::format("{:.1f} % ({:.1f}–{:.1f})", 100 * value, 100 * ci.first, 100 * ci.second);
}

std::string evaluation_section(const ReportEvaluation& e) {
  const BinaryMetrics& m = e.metrics.subject;
  SvgChart chart(420, 380, {0, 1, "false positive rate (1 − specificity)", 5},
                 {0, 1, "true positive rate (sensitivity)", 5});
  chart.line({{0, 0}, {1, 1}}, "chance");
  std::vector<std::pair<double, double>> roc;
  for (const auto& p : roc_curve(e.metrics.subject_scores, e.metrics.subject_labels)) {
    roc.emplace_back(p.false_positive_rate, p.true_positive_rate);
  }
  chart.line(roc, "roc");
  chart.point(1 - m.specificity, m.sensitivity, "square", "op",
              fmt::format("operating point, threshold {:.3f}", m.threshold));
  chart.text(1 - m.specificity, m.sensitivity, fmt::format("  threshold {:.2f}", m.threshold),
             "end", "start");
  return fmt::format(
      "<section id=\"evaluation\"><h2>Evaluation</h2><p>{} on the {} split of {} (subject level, "
      "AUC {:.3f})</p>{}<table><tr><th></th><th>CP</th><th>no CP</th></tr>"
      "<tr><th>predicted CP</th><td>TP {}</td><td>FP {}</td></tr>"
      "<tr><th>predicted no CP</th><td>FN {}</td><td>TN {}</td></tr></table>"
      "<table><tr><th class=\"l\">sensitivity</th><td>{}</td></tr>"
      "<tr><th class=\"l\">specificity</th><td>{}</td></tr>"
      "<tr><th class=\"l\">accuracy</th><td>{}</td></tr></table>"
      "<p class=\"note\">Exact Clopper–Pearson 95 % intervals. Square: the operating point at "
      "threshold {:.3f}.</p></section>",
      escape_html(e.model), escape_html(e.split), escape_html(e.cohort), m.auc,
      chart.str("ROC curve"), m.tp, m.fp, m.fn, m.tn, interval(m.sensitivity, m.sensitivity_ci),
      interval(m.specificity, m.specificity_ci), interval(m.accuracy, m.accuracy_ci), m.threshold);
}

}  // namespace

std::string data_section(const CohortInfo& d) {
  std::string html = fmt::format(
      "<section id=\"data\"><h2>Data</h2><p>{} recordings, layout {}, {:g} fps, median length "
      "{:.1f} s (min {:.1f}, max {:.1f}).</p><table><tr><th>split</th><th>CP</th><th>no CP</th>"
      "<th>unknown</th></tr>",
      d.recordings, escape_html(d.layout), d.fps, d.median_seconds, d.min_seconds, d.max_seconds);
  for (const char* split : {"train", "val", "test"}) {
    if (!d.counts.count(split)) continue;
    const auto& c = d.counts.at(split);
    const auto n = [&](int label) { return c.count(label) ? c.at(label) : 0; };
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", split, n(1), n(0),
                        n(-1));
  }
  auto missing = d.missing;
  std::stable_sort(missing.begin(), missing.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string most;
  for (size_t j = 0; j < std::min<size_t>(5, missing.size()); ++j) {
    most += fmt::format("{}{} {:.1f} %", most.empty() ? "" : ", ", escape_html(missing[j].first),
                        100 * missing[j].second);
  }
  return html + "</table><p class=\"note\">Joints missing most often (share of frames): " + most +
         ". <code>cpnas cohort info</code> lists every joint.</p></section>";
}

std::string search_report_html(const std::string& run_dir, const SearchState& state,
                               const SearchSpace& space, const Job& job,
                               const std::optional<ReportEvaluation>& evaluation,
                               const std::optional<CohortInfo>& data) {
  std::string html = page_start("cpnas search " + run_dir);
  html += "<h1>cpnas search: " + escape_html(run_dir) + "</h1>";
  html += "<p class=\"note\">cpnas " + std::string(CPNAS_VERSION) + ", cohort " +
          escape_html(job.get("data", "cohort")) +
          ". Decision support for research: the models "
          "here are candidates, not diagnostic devices.</p>";
  html += progress_section(state, job) + (data ? data_section(*data) : "") + auc_section(state) +
          policy_section(state, space) + top_section(state, space) + argmax_section(state, space);
  if (evaluation) html += evaluation_section(*evaluation);
  return html + "</body></html>\n";
}

}  // namespace cpnas
