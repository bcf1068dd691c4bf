// The report as people see it: headless Chromium opens the file from disk, logs no console
// error, and each section's screenshot (report.html#section shows that section alone) has
// content: dark text pixels and coloured chart pixels, not a blank page.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "png.hpp"
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

}  // namespace

TEST(ReportBrowser, LoadsWithoutConsoleErrorsAndEverySectionShowsContent) {
  fs::remove_all(kWork);
  fs::create_directories(kWork);
  const cpnas::Job job = sample_job();
  const cpnas::ReportEvaluation e{"best.h5", "cohort.h5", "test", sample_metrics()};
  const std::string page = kWork + "/report.html";
  std::ofstream(page) << cpnas::search_report_html(
      "runs/s1", sample_state(), cpnas::SearchSpace::from_job(job), job, e, sample_cohort_info());

  const auto whole = chromium("file://" + page, kWork + "/page.png");
  ASSERT_EQ(whole.status, 0) << whole.out;
  EXPECT_EQ(whole.out.find("CONSOLE"), std::string::npos) << whole.out;
  EXPECT_EQ(whole.out.find("Uncaught"), std::string::npos) << whole.out;

  for (const char* section : {"progress", "data", "auc", "policy", "top", "argmax", "evaluation"}) {
    const std::string png = kWork + "/" + section + ".png";
    const auto r = chromium("file://" + page + "#" + section, png);
    ASSERT_EQ(r.status, 0) << section << ": " << r.out;
    EXPECT_EQ(r.out.find("CONSOLE"), std::string::npos) << section << ": " << r.out;
    const Content c = content(read_png(png));
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
