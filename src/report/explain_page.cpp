#include "report/explain_page.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "config.hpp"
#include "data/layout.hpp"
#include "report/page.hpp"
#include "report/svg.hpp"

namespace cpnas {
namespace {

// A sequential scale (ColorBrewer YlOrRd): light for little relevance, dark red for the most.
// The joints' size grows with relevance too, so the picture does not rely on colour alone.
constexpr std::array<std::array<int, 3>, 5> kScale{
    {{255, 255, 178}, {254, 204, 92}, {253, 141, 60}, {240, 59, 32}, {189, 0, 38}}};

std::string colour(double fraction) {
  const double f = std::clamp(fraction, 0.0, 1.0) * (kScale.size() - 1);
  const auto i = std::min(static_cast<size_t>(f), kScale.size() - 2);
  const double w = f - static_cast<double>(i);
  std::array<int, 3> c{};
  for (size_t k = 0; k < 3; ++k) {
    c[k] = static_cast<int>(std::lround(kScale[i][k] * (1 - w) + kScale[i + 1][k] * w));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
}

std::string percent(double share) {
  return fmt::format("{:.1f} %", 100 * share);
}

// "right_ankle" -> "right ankle": joint names as a clinician reads them.
std::string readable(std::string joint) {
  std::replace(joint.begin(), joint.end(), '_', ' ');
  return escape_html(joint);
}

std::string legend() {
  std::string stops;
  for (size_t k = 0; k < kScale.size(); ++k) {
    stops += fmt::format("<stop offset=\"{:.2f}\" stop-color=\"{}\"/>",
                         static_cast<double>(k) / (kScale.size() - 1),
                         colour(static_cast<double>(k) / (kScale.size() - 1)));
  }
  return "<div class=\"legend-box\">least<svg viewBox=\"0 0 120 12\" style=\"width:8rem\" "
         "role=\"img\" aria-label=\"colour scale of joint relevance\">"
         "<defs><linearGradient id=\"scale\">" +
         stops +
         "</linearGradient></defs><rect width=\"120\" height=\"12\" fill=\"url(#scale)\"/></svg>"
         "most relevant joint of the recording (larger dots: more relevant)</div>";
}

// The median pose with bones, each joint a dot coloured and sized by its share of relevance
// relative to the recording's most relevant joint.
std::string skeleton_svg(const RecordingExplanation& e, const Skeleton& layout) {
  const auto& p = e.median_pose;
  double x0 = std::numeric_limits<double>::max(), y0 = x0, x1 = -x0, y1 = -x0;
  for (int j = 0; j < layout.num_joints(); ++j) {
    if (std::isnan(p[j * 2]) || std::isnan(p[j * 2 + 1])) continue;
    x0 = std::min<double>(x0, p[j * 2]);
    x1 = std::max<double>(x1, p[j * 2]);
    y0 = std::min<double>(y0, p[j * 2 + 1]);
    y1 = std::max<double>(y1, p[j * 2 + 1]);
  }
  if (x1 < x0) return "<p class=\"note\">No joint was observed.</p>";
  const double span = std::max({x1 - x0, y1 - y0, 1e-6});
  const double size = 300, margin = 20, k = (size - 2 * margin) / span;
  auto sx = [&](int j) { return margin + (p[j * 2] - x0) * k + (span - (x1 - x0)) * k / 2; };
  auto sy = [&](int j) { return margin + (p[j * 2 + 1] - y0) * k + (span - (y1 - y0)) * k / 2; };
  auto seen = [&](int j) { return !std::isnan(p[j * 2]) && !std::isnan(p[j * 2 + 1]); };
  std::string body;
  for (const auto& [a, b] : layout.edges) {
    if (!seen(a) || !seen(b)) continue;
    body += fmt::format(
        "<line class=\"bone\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", sx(a),
        sy(a), sx(b), sy(b));
  }
  const double top = *std::max_element(e.relevance.joint.begin(), e.relevance.joint.end());
  for (int j = 0; j < layout.num_joints(); ++j) {
    if (!seen(j)) continue;
    const double share = e.relevance.joint[j], f = top > 0 ? share / top : 0;
    body += fmt::format(
        "<circle class=\"joint\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\">"
        "<title>{}: {} of the relevance</title></circle>",
        sx(j), sy(j), 3 + 6 * f, colour(f), readable(layout.joints[j]), percent(share));
  }
  return fmt::format(
      "<svg class=\"skeleton\" viewBox=\"0 0 {0:.0f} {0:.0f}\" role=\"img\" aria-label=\"skeleton "
      "of {1} in its median pose, joints coloured by relevance\" "
      "xmlns=\"http://www.w3.org/2000/svg\">{2}</svg>",
      size, escape_html(e.id), body);
}

// Horizontal bars, one per group of values (several groups: side by side, for the summary).
std::string part_bars(const std::vector<std::string>& parts,
                      const std::vector<std::vector<double>>& groups,
                      const std::vector<std::string>& group_names, const std::string& title) {
  double top = 0;
  for (const auto& g : groups) top = std::max(top, *std::max_element(g.begin(), g.end()));
  const double row = 10.0 * static_cast<double>(groups.size()) + 8;
  const auto n = static_cast<double>(parts.size());
  std::string body;
  for (size_t p = 0; p < parts.size(); ++p) {
    const double y = 8 + static_cast<double>(p) * row;
    body += fmt::format("<text class=\"tick\" x=\"112\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
                        y + 5 * static_cast<double>(groups.size()) + 3, escape_html(parts[p]));
    for (size_t g = 0; g < groups.size(); ++g) {
      const double share = groups[g][p], width = top > 0 ? 250 * share / top : 0;
      body += fmt::format(
          "<rect class=\"{}\" x=\"118\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"9\">"
          "<title>{}{}: {}</title></rect><text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
          groups.size() > 1 ? "group" + std::to_string(g) : std::string("part-bar"),
          y + 10.0 * static_cast<double>(g), width, escape_html(parts[p]),
          group_names.empty() ? "" : " (" + group_names[g] + ")", percent(share), 122 + width,
          y + 10.0 * static_cast<double>(g) + 8, percent(share));
    }
  }
  return fmt::format(
      "<svg viewBox=\"0 0 430 {:.0f}\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">{}</svg>",
      16 + n * row, escape_html(title), body);
}

// Window scores over the recording's time, the threshold, and relevance per second beneath.
std::string timeline(const RecordingExplanation& e, double threshold, double window_seconds,
                     double fps) {
  const double seconds = static_cast<double>(e.relevance.second.size());
  SvgChart scores(720, 200, {0, seconds, "time in the recording (s)", 6, true},
                  {0, 1, "window score (CP)", 4});
  std::vector<std::pair<double, double>> points;
  for (size_t w = 0; w < e.window_starts.size(); ++w) {
    const double middle = static_cast<double>(e.window_starts[w]) / fps + window_seconds / 2;
    points.push_back({middle, e.window_scores[w]});
    scores.point(
        middle, e.window_scores[w], "dot", "i0",
        fmt::format("window {}-{}: score {:.3f}",
                    clock_time(static_cast<int64_t>(e.window_starts[w] / fps)),
                    clock_time(static_cast<int64_t>(e.window_starts[w] / fps + window_seconds)),
                    e.window_scores[w]));
  }
  scores.line(points, "score");
  scores.line({{0, threshold}, {seconds, threshold}}, "threshold");
  scores.text(seconds, threshold, fmt::format(" threshold {:.2f}", threshold), "end");
  const double top =
      std::max(1e-12, *std::max_element(e.relevance.second.begin(), e.relevance.second.end()));
  SvgChart relevance(720, 150, {0, seconds, "time in the recording (s)", 6, true},
                     {0, std::ceil(100 * top), "relevance (%)", 3, true});
  for (size_t s = 0; s < e.relevance.second.size(); ++s) {
    const double share = e.relevance.second[s];
    if (share <= 0) continue;
    relevance.rect(
        static_cast<double>(s), 0, static_cast<double>(s) + 0.9, 100 * share, "relevance-bar",
        clock_time(static_cast<int64_t>(s)) + ": " + percent(share) + " of the relevance");
  }
  return scores.str("window scores of " + e.id + " over time") +
         relevance.str("relevance of " + e.id + " per second");
}

std::string decision(const RecordingExplanation& e) {
  return e.elevated ? "elevated CP risk, refer for assessment" : "no elevated CP risk";
}

std::string label_name(int label) {
  return label == 1 ? "CP" : label == 0 ? "no CP" : "unknown";
}

std::string recording_section(const RecordingExplanation& e, const ExplanationSource& source,
                              const Skeleton& layout, const std::vector<std::string>& parts,
                              size_t index, double window_seconds) {
  std::string html = fmt::format("<section id=\"recording-{}\" class=\"explained\"><h2>{}</h2>",
                                 index, escape_html(e.id));
  html += fmt::format("<p><b>Risk score {:.3f}</b>: {} (threshold {:.3f}, {} windows){}{}.</p>",
                      e.risk, decision(e), source.threshold, e.window_starts.size(),
                      e.label >= 0 ? "; known outcome: " + label_name(e.label) : "",
                      std::isnan(e.completeness_error)
                          ? ""
                          : fmt::format("; integrated gradients' completeness error {:.1f} %",
                                        100 * e.completeness_error));
  html += "<div class=\"recording\"><div>" + skeleton_svg(e, layout) + "</div><div>" +
          part_bars(parts, {e.relevance.part}, {}, "relevance of " + e.id + " per body part") +
          "</div></div>";
  html += timeline(e, source.threshold, window_seconds, source.fps);
  if (e.relevance.moments.empty()) {
    html += "<p>Nothing in this recording weighed towards CP.</p>";
  } else {
    html += "<p>The moments that weighed most towards CP (find them in the video):</p><ol>";
    for (const auto& m : e.relevance.moments) {
      html += fmt::format("<li><b>{}</b>–{}: {} of the relevance, most at the {}</li>",
                          clock_time(m.second), clock_time(m.second + 1), percent(m.relevance),
                          readable(layout.joints.at(static_cast<size_t>(m.joint))));
    }
    html += "</ol>";
  }
  return html + "</section>";
}

// Mean body-part relevance of the recordings that `in` selects, or nothing when none does.
std::vector<double> mean_parts(const std::vector<RecordingExplanation>& all, size_t parts,
                               const std::function<bool(const RecordingExplanation&)>& in,
                               int64_t& count) {
  std::vector<double> mean(parts, 0.0);
  count = 0;
  for (const auto& e : all) {
    if (!in(e)) continue;
    ++count;
    for (size_t p = 0; p < parts; ++p) mean[p] += e.relevance.part[p];
  }
  for (auto& m : mean) m = count ? m / static_cast<double>(count) : 0.0;
  return mean;
}

std::string comparison(const std::vector<RecordingExplanation>& all,
                       const std::vector<std::string>& parts, const std::string& what,
                       const std::function<bool(const RecordingExplanation&)>& yes,
                       const std::function<bool(const RecordingExplanation&)>& no,
                       const std::array<std::string, 2>& names) {
  int64_t n_yes = 0, n_no = 0;
  const auto a = mean_parts(all, parts.size(), yes, n_yes);
  const auto b = mean_parts(all, parts.size(), no, n_no);
  const std::vector<std::string> labels{fmt::format("{}, {} recordings", names[0], n_yes),
                                        fmt::format("{}, {} recordings", names[1], n_no)};
  std::string html = "<h3>" + escape_html(what) + "</h3>";
  html +=
      "<p class=\"legend-box\"><svg viewBox=\"0 0 10 10\" style=\"width:.8rem\"><rect "
      "class=\"group0\" width=\"10\" height=\"10\"/></svg>" +
      escape_html(labels[0]) +
      " (upper bar) <svg viewBox=\"0 0 10 10\" style=\"width:.8rem\"><rect class=\"group1\" "
      "width=\"10\" height=\"10\"/></svg>" +
      escape_html(labels[1]) + " (lower bar)</p>";
  return html + part_bars(parts, {a, b}, labels, "mean relevance per body part, " + what);
}

}  // namespace

std::string clock_time(int64_t seconds) {
  return fmt::format("{}:{:02}", seconds / 60, seconds % 60);
}

std::string explanation_html(const ExplanationSource& source, const Skeleton& layout,
                             const std::vector<RecordingExplanation>& all) {
  const std::vector<std::string> parts = part_names(layout);
  std::string html = page_start("cpnas explain " + source.input);
  html += "<h1>Why the model scored these recordings as it did</h1>";
  html += "<p class=\"note\">cpnas " + std::string(CPNAS_VERSION) + ", model " +
          escape_html(source.model) + ", recordings from " + escape_html(source.input) +
          ", method " + escape_html(source.method) +
          ". <b>Decision support for a clinician, not a diagnosis</b>: the page shows which "
          "joints and moments the model's score rests on, so that they can be checked in the "
          "video; it does not show that the infant has or will develop cerebral palsy.</p>";
  html +=
      "<section id=\"reading\"><h2>How to read this page</h2><p>For each recording: the "
      "risk score (the median of its 5-second windows' scores) and the decision at the "
      "model's threshold; the infant's skeleton in its median pose, each joint coloured and "
      "sized by its share of the evidence for CP; the same evidence per body part; the "
      "windows' scores over time with the evidence per second beneath; and the five seconds "
      "that weighed most, as minutes:seconds from the start of the recording. Relevance is "
      "evidence <i>for</i> CP only: a recording scored low has little of it, and what little "
      "there is still shows where it lies. Shares are of the recording's own total.</p>" +
      legend() + "</section>";
  html += "<section id=\"summary\"><h2>Summary</h2>";
  html += comparison(
      all, parts, "by the model's decision", [](const auto& e) { return e.elevated; },
      [](const auto& e) { return !e.elevated; },
      {"scored elevated CP risk", "scored no elevated risk"});
  const bool labelled =
      std::any_of(all.begin(), all.end(), [](const auto& e) { return e.label >= 0; });
  if (labelled) {
    html += comparison(
        all, parts, "by known outcome", [](const auto& e) { return e.label == 1; },
        [](const auto& e) { return e.label == 0; }, {"CP", "no CP"});
  } else {
    html +=
        "<p class=\"note\">The recordings carry no known outcome: no comparison by "
        "outcome.</p>";
  }
  html +=
      "<table><tr><th class=\"l\">recording</th><th>risk score</th><th class=\"l\">decision"
      "</th><th class=\"l\">known outcome</th><th class=\"l\">most relevant part</th></tr>";
  for (size_t k = 0; k < all.size(); ++k) {
    const auto& e = all[k];
    const auto top = std::max_element(e.relevance.part.begin(), e.relevance.part.end());
    html += fmt::format(
        "<tr><td class=\"l\"><a href=\"#recording-{}\">{}</a></td><td>{:.3f}</td><td "
        "class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
        k, escape_html(e.id), e.risk, decision(e), label_name(e.label),
        top == e.relevance.part.end() || *top <= 0
            ? "–"
            : escape_html(parts[static_cast<size_t>(top - e.relevance.part.begin())]));
  }
  html += "</table></section>";
  const double window_seconds = static_cast<double>(source.window_frames) / source.fps;
  for (size_t k = 0; k < all.size(); ++k) {
    html += recording_section(all[k], source, layout, parts, k, window_seconds);
  }
  return html + "</body></html>\n";
}

}  // namespace cpnas
