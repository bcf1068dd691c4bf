// The report and the explanation page as people see them: headless Chromium opens the file from
// disk, logs no console error, and each section's screenshot (report.html#section shows that
// section alone) has content: dark text pixels and coloured chart pixels, not a blank page.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/layout.hpp"
#include "png.hpp"
#include "report/explain_page.hpp"
#include "report/report.hpp"
#include "run_command.hpp"
#include "sample_search.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kWork = testing::TempDir() + "cpnas_report_browser";

CommandResult chromium(const std::string& url, const std::string& screenshot) {
  return run_command(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --hide-scrollbars --window-size=1000,900 "
      "--enable-logging=stderr --v=0 --screenshot=" +
      screenshot + " '" + url + "' 2>&1");
}

struct Content {
  double dark = 0;      ///< fraction of near-black pixels (text, axes)
  double coloured = 0;  ///< fraction of clearly coloured pixels (chart marks)
};

Content content(const Image& image) {
  Content c;
  const double n = static_cast<double>(image.width) * image.height;
  for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3) {
    const int r = image.rgb[i], g = image.rgb[i + 1], b = image.rgb[i + 2];
    const int hi = std::max({r, g, b}), lo = std::min({r, g, b});
    if (hi < 100) c.dark += 1 / n;
    if (hi - lo > 60) c.coloured += 1 / n;
  }
  return c;
}

// Chromium's screenshot of `url` into `png`, having logged no console error: what it shows.
Content shown(const std::string& url, const std::string& png) {
  const auto r = chromium(url, png);
  EXPECT_EQ(r.status, 0) << url << ": " << r.out;
  EXPECT_EQ(r.out.find("CONSOLE"), std::string::npos) << url << ": " << r.out;
  EXPECT_EQ(r.out.find("Uncaught"), std::string::npos) << url << ": " << r.out;
  return r.status == 0 ? content(read_png(png)) : Content{};
}

}  // namespace

TEST(ReportBrowser, LoadsWithoutConsoleErrorsAndEverySectionShowsContent) {
  fs::remove_all(kWork);
  fs::create_directories(kWork);
  const cpnas::Job job = sample_job();
  const cpnas::ReportEvaluation e{"best.h5", "cohort.h5", "test", sample_metrics()};
  const std::string page = kWork + "/report.html";
  std::ofstream(page) << cpnas::search_report_html(
      "runs/s1", sample_state(), cpnas::SearchSpace::from_job(job), job, e, sample_cohort_info());

  shown("file://" + page, kWork + "/page.png");
  for (const char* section : {"progress", "data", "auc", "policy", "top", "argmax", "evaluation"}) {
    const Content c = shown("file://" + page + "#" + section, kWork + "/" + section + ".png");
    EXPECT_GT(c.dark, 0.002) << section << ": no text in the screenshot";
    const bool chart = std::string(section) == "auc" || std::string(section) == "policy" ||
                       std::string(section) == "evaluation";
    if (chart) {
      EXPECT_GT(c.coloured, 0.0005) << section << ": no chart marks in the screenshot";
    }
  }

  // The check itself can fail: a page with nothing on it is blank.
  std::ofstream(kWork + "/blank.html") << "<!DOCTYPE html><html><body></body></html>";
  const auto blank = chromium("file://" + kWork + "/blank.html", kWork + "/blank.png");
  ASSERT_EQ(blank.status, 0) << blank.out;
  EXPECT_EQ(content(read_png(kWork + "/blank.png")).dark, 0.0);
}

TEST(ExplainBrowser, LoadsWithoutConsoleErrorsAndShowsTheSkeletonAndCharts) {
  fs::remove_all(kWork + "_explain");
  fs::create_directories(kWork + "_explain");
  const std::string dir = kWork + "_explain";
  const cpnas::Skeleton& layout = cpnas::find_layout("coco-18");
  // Two recordings of 20 s: relevance in the right wrist, then in the left ankle.
  std::vector<cpnas::RecordingExplanation> all;
  for (int k = 0; k < 2; ++k) {
    cpnas::RecordingExplanation e;
    e.id = "infant-" + std::to_string(k);
    e.label = 1 - k;
    e.risk = k == 0 ? 0.8 : 0.2;
    e.elevated = k == 0;
    e.window_starts = {0, 75, 150, 225, 300, 375, 450};
    e.window_scores = {0.7, 0.9, 0.8, 0.6, 0.75, 0.85, 0.8};
    e.attribution = torch::rand({600, 18}, torch::kDouble) - 0.3;
    e.attribution.select(1, k == 0 ? 4 : 13).add_(2.0);
    e.relevance = cpnas::summarise_relevance(e.attribution, layout, 30);
    e.completeness_error = NAN;
    for (int j = 0; j < 18; ++j) {
      e.median_pose.push_back(static_cast<float>(0.1 * (j % 5)));
      e.median_pose.push_back(static_cast<float>(0.1 * j));
    }
    all.push_back(e);
  }
  const std::string page = dir + "/explain.html";
  std::ofstream(page) << cpnas::explanation_html({"best.h5", "cohort.h5", "cam", 32, 0.5, 30, 150},
                                                 layout, all);
  shown("file://" + page, dir + "/page.png");
  for (const char* section : {"reading", "summary", "recording-0", "recording-1"}) {
    const Content c = shown("file://" + page + "#" + section, dir + "/" + section + ".png");
    EXPECT_GT(c.dark, 0.002) << section << ": no text in the screenshot";
    // The colour scale's strip; the summary's bars; the skeleton's joints and the timeline.
    EXPECT_GT(c.coloured, std::string(section) == "reading" ? 0.0005 : 0.005)
        << section << ": no coloured marks in the screenshot";
  }
}
