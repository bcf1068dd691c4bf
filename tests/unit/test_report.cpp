// The search report's HTML: every section, every student and key, self-contained.
#include <gtest/gtest.h>

#include "report/report.hpp"
#include "report/svg.hpp"
#include "sample_search.hpp"

namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Report, ShowsEverySectionStudentAndKey) {
  const cpnas::SearchState state = sample_state();
  const cpnas::Job job = sample_job();
  const auto space = cpnas::SearchSpace::from_job(job);
  const std::string html = cpnas::search_report_html("runs/s1", state, space, job, std::nullopt);
  for (const char* id : {"progress", "auc", "policy", "top", "argmax"}) {
    EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  }
  EXPECT_EQ(html.find("id=\"evaluation\""), std::string::npos);
  for (int id = 0; id < 12; ++id) {
    EXPECT_EQ(count(html, "<title>student " + std::to_string(id) + " ("), 1) << id;
  }
  EXPECT_NE(html.find("student 5 (iteration 2): failed"), std::string::npos);
  EXPECT_NE(html.find("student 9 (iteration 3): diverged"), std::string::npos);
  for (const char* key : {"activation", "block", "lr"}) {
    EXPECT_NE(html.find(std::string("<h3>") + key + "</h3>"), std::string::npos) << key;
  }
  // Each choice is labelled by name at the end of its line (not by colour alone).
  EXPECT_NE(html.find(" shuffle 0.48"), std::string::npos);
  EXPECT_NE(html.find(" swish 0.65"), std::string::npos);
  EXPECT_NE(html.find("<b>3 / 5</b>iterations done"), std::string::npos);
  EXPECT_NE(html.find("<b>1 h 30 min</b>time spent"), std::string::npos);
  EXPECT_NE(html.find("<b>about 1 h 00 min</b>estimated time left"), std::string::npos);
  EXPECT_NE(html.find("best 0.940"), std::string::npos);  // student 11
  // Top table: the ten best, best first.
  const auto top = html.substr(html.find("id=\"top\""));
  EXPECT_LT(top.find("<tr><td>11</td>"), top.find("<tr><td>10</td>"));
  EXPECT_EQ(count(top.substr(0, top.find("</table>")), "<tr><td>"), 10);
  // Model files relative to the run directory, so the table fits the page.
  EXPECT_NE(html.find("<td class=\"l\">argmax/update-2.h5</td>"), std::string::npos);
  // Self-contained: no script, nothing fetched.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
}

TEST(Report, EvaluationSectionHasRocOperatingPointAndIntervals) {
  const cpnas::Job job = sample_job();
  const cpnas::ReportEvaluation e{"best.h5", "cohort.h5", "test", sample_metrics()};
  const std::string html =
      cpnas::search_report_html("r", sample_state(), cpnas::SearchSpace::from_job(job), job, e);
  const auto section = html.substr(html.find("<section id=\"evaluation\">"));
  EXPECT_NE(section.find("best.h5 on the test split of cohort.h5"), std::string::npos);
  EXPECT_NE(section.find("aria-label=\"ROC curve\""), std::string::npos);
  EXPECT_NE(section.find("operating point, threshold 0.500"), std::string::npos);
  // Scores 0.9, 0.8, 0.4 (CP) and 0.3, 0.6, 0.1: TP 2, FN 1, FP 1, TN 2.
  EXPECT_NE(section.find("<td>TP 2</td><td>FP 1</td>"), std::string::npos);
  EXPECT_NE(section.find("<td>FN 1</td><td>TN 2</td>"), std::string::npos);
  EXPECT_NE(section.find("66.7 % (9.4–99.2)"), std::string::npos) << section;
}

TEST(Report, IdAndUpdateAxesHaveWholeNumberTicks) {
  using cpnas::tick_values;
  EXPECT_EQ(tick_values({0, 17, "student id", 5, true}), (std::vector<double>{0, 5, 10, 15}));
  EXPECT_EQ(tick_values({0, 3, "update", 5, true}), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(tick_values({0, 1489, "student id", 5, true}), (std::vector<double>{0, 500, 1000}));
  EXPECT_EQ(tick_values({0, 1, "AUC", 4}), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  // The page's student-id axis: no fractional tick (the old one read 3.4, 6.8, ...).
  const std::string html = cpnas::search_report_html("runs/s1", sample_state(),
                                                     cpnas::SearchSpace::from_job(sample_job()),
                                                     sample_job(), std::nullopt);
  const auto label = html.find(">student id<");
  const auto svg = html.rfind("<svg", label);
  ASSERT_NE(label, std::string::npos);
  const auto auc = html.substr(svg, label - svg);
  for (size_t at = auc.find("text-anchor=\"middle\">"); at != std::string::npos;
       at = auc.find("text-anchor=\"middle\">", at + 1)) {
    const auto value = auc.substr(at + 21, auc.find('<', at) - at - 21);
    EXPECT_EQ(value.find('.'), std::string::npos) << value;
  }
}

TEST(Report, DataSectionShowsSplitsLengthsAndTheMostMissingJoints) {
  const std::string html =
      cpnas::search_report_html("r", sample_state(), cpnas::SearchSpace::from_job(sample_job()),
                                sample_job(), std::nullopt, sample_cohort_info());
  const auto section = html.substr(html.find("<section id=\"data\">"));
  EXPECT_NE(section.find(
                "12 recordings, layout coco-18, 30 fps, median length 9.5 s (min 8.0, max 12.0)"),
            std::string::npos);
  EXPECT_NE(section.find("<tr><td>train</td><td>2</td><td>6</td><td>0</td></tr>"),
            std::string::npos);
  EXPECT_NE(section.find("<tr><td>test</td><td>0</td><td>2</td><td>0</td></tr>"),
            std::string::npos);
  EXPECT_NE(section.find("LEar 25.0 %, REar 12.5 %, Nose 1.0 %, Neck 0.0 %"), std::string::npos);
  // Without the cohort, no data section.
  EXPECT_EQ(
      cpnas::search_report_html("r", sample_state(), cpnas::SearchSpace::from_job(sample_job()),
                                sample_job(), std::nullopt)
          .find("id=\"data\""),
      std::string::npos);
}
