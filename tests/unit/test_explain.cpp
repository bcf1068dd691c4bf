// cpnas explain (issue 19): integrated gradients' completeness, the weight-randomisation sanity
// check, localisation on a cohort whose class lives in known joints, the page and the arrays,
// and bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "build_stamp.hpp"
#include "data/batches.hpp"
#include "data/layout.hpp"
#include "explain/explanation.hpp"
#include "io/h5.hpp"
#include "model/model_file.hpp"
#include "plugin/loader.hpp"
#include "run_command.hpp"
#include "small_train_job.hpp"
#include "suite_set_up.hpp"

using namespace cpnas;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The class is carried by these joints alone (cpnas synth --signal-joints).
const std::set<std::string> kSignal{"right_wrist", "left_ankle"};

CommandResult cpnas_run(const std::string& args) {
  return run_command(std::string(CPNAS_EXE) + " " + args + " 2>&1");
}

const PluginRegistry& plugins() {
  static const PluginRegistry registry = load_plugins(plugin_search_path({}));
  return registry;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Spearman's rank correlation (average ranks for ties).
double rank_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size();) {
      size_t j = i;
      while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
      for (size_t k = i; k <= j; ++k) r[order[k]] = (static_cast<double>(i + j)) / 2;
      i = j + 1;
    }
    return r;
  };
  const auto ra = ranks(a), rb = ranks(b);
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / static_cast<double>(ra.size());
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / static_cast<double>(rb.size());
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

std::vector<double> flat(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// The joints of a recording's JSON explanation, most relevant first.
std::vector<std::string> ranked_joints(const json& recording) {
  std::vector<std::pair<double, std::string>> joints;
  for (const auto& [name, share] : recording["joint_relevance"].items()) {
    joints.push_back({share.get<double>(), name});
  }
  std::sort(joints.rbegin(), joints.rend());
  std::vector<std::string> out;
  for (const auto& j : joints) out.push_back(j.second);
  return out;
}

double signal_share(const json& recording) {
  double share = 0;
  for (const auto& name : kSignal) share += recording["joint_relevance"][name].get<double>();
  return share;
}

// Holds an exclusive lock on a file for a scope: CTest runs the suite's tests as processes of
// their own, two at a time.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// One signal-joint cohort and a small model trained on it (about a minute), made once per build
// of cpnas and its plugins and reused by every test's process.
class Explain : public SuiteSetUp<Explain> {
 public:
  static std::string prepare() {
    dir_ = testing::TempDir() + "explain";
    fs::create_directories(dir_);
    const FileLock lock(dir_ + ".lock");
    // The small job, validated every epoch and trained for 5 (AUC 1 from the fourth).
    std::string job = small_train_job("adam");
    job.replace(job.find("epochs = 2"), 10, "epochs = 5");
    job.replace(job.find("validate_every = 10"), 19, "validate_every = 1");
    const std::string synth_options =
        " --infants 60 --seconds 12 --cp-fraction 0.5 --difficulty 0.3 --val-fraction 0.35 "
        "--test-fraction 0.25 --signal-joints right_wrist,left_ankle --seed 3";
    const std::string stamp = build_stamp(CPNAS_EXE, job + synth_options);
    if (read_text(dir_ + "/stamp") == stamp) return "";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const auto synth = cpnas_run("synth --out " + cohort() + synth_options);
    if (synth.status != 0) return "cpnas synth: " + synth.out;
    std::ofstream(dir_ + "/job.ini") << job;
    const auto train =
        cpnas_run("train --job " + dir_ + "/job.ini --data " + cohort() + " --out " + model());
    if (train.status != 0 ||
        train.out.find("best validation subject AUC 1.000") == std::string::npos)
      return "cpnas train (validation AUC 1.000 expected): " + train.out;
    std::ofstream(dir_ + "/stamp") << stamp;
    return "";
  }

 protected:
  static std::string cohort() { return dir_ + "/signal.h5"; }
  static std::string model() { return dir_ + "/model.h5"; }

  static json explain(const std::string& options) {
    const auto r = run_command(std::string(CPNAS_EXE) + " explain --model " + model() + " --data " +
                               cohort() + " --json " + options + " 2>/dev/null");
    EXPECT_EQ(r.status, 0) << r.out;
    return json::parse(r.out);
  }

  static std::string dir_;
};

std::string Explain::dir_;

TEST_F(Explain, SignalJointsHoldTheRelevanceWithCamAndIntegratedGradients) {
  for (const std::string method : {"cam", "integrated-gradients"}) {
    const json out = explain("--method " + method + " --out " + dir_ + "/" + method + ".html");
    int cp = 0;
    for (const auto& r : out["recordings"]) {
      if (r["label"] != 1) continue;
      ++cp;
      const auto joints = ranked_joints(r);
      // Two of 29 joints carry the class: 6.9 % of the relevance if it were spread evenly. CAM
      // is taken after the graph layers have mixed each joint with its neighbours (the toes
      // beside the ankle share its relevance): at least 3 times that; integrated gradients,
      // from the input itself, at least 6 times.
      const double even = static_cast<double>(kSignal.size()) / 29;
      EXPECT_TRUE(kSignal.count(joints[0])) << method << " " << r["id"] << ": " << joints[0];
      EXPECT_GT(signal_share(r), (method == "cam" ? 3 : 6) * even) << method << " " << r["id"];
      if (method == "integrated-gradients") {
        EXPECT_TRUE(kSignal.count(joints[1])) << method << " " << r["id"] << ": " << joints[1];
      }
    }
    EXPECT_GE(cp, 6) << "the test split should hold CP recordings";
  }
}

TEST_F(Explain, IntegratedGradientsSumToTheChangeOfTheScore) {
  // Sundararajan et al. suggest checking completeness within 5 %; 64 steps.
  const json out = explain(
      "--method integrated-gradients --steps 64 --recording infant-0002 "
      "infant-0006 infant-0011 --out " +
      dir_ + "/ig64.html");
  ASSERT_EQ(out["recordings"].size(), 3u);
  for (const auto& r : out["recordings"]) {
    EXPECT_LT(r["completeness_error"].get<double>(), 0.05) << r["id"];
  }
  // And window by window, from the attributions themselves.
  LoadedModel m = load_model(model(), plugins());
  const Cohort c = read_cohort(cohort());
  const Skeleton& layout = find_layout(c.layout);
  const FeatureSet features(plugins(), m.job.get_list("data", "features"), layout);
  const EvaluationSet set = evaluation_set(c, c.indices("test"), features, Windowing{});
  const torch::Tensor x = set.x.slice(0, 0, 4);
  std::vector<torch::Tensor> bases;
  for (int64_t w = 0; w < 4; ++w) {
    bases.push_back(still_baseline(c, set.windows[w].recording, features, x.size(3)));
  }
  const auto a = attribute_windows(*m.student, x, torch::stack(bases),
                                   {ExplainMethod::integrated_gradients, 64, 32});
  for (int64_t w = 0; w < 4; ++w) {
    const double delta = a.log_odds[w].item<double>() - a.baseline_log_odds[w].item<double>();
    EXPECT_GT(std::abs(delta), 0.1) << "window " << w << ": the baseline should score differently";
    EXPECT_NEAR(a.map[w].sum().item<double>(), delta, 0.05 * std::abs(delta)) << "window " << w;
  }
  // Gradients do not accumulate into the weights.
  for (const auto& p : m.student->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST_F(Explain, MapsChangeWhenTheWeightsAreRandomised) {
  // Adebayo et al. (2018): a method whose maps survive re-initialising the model explains the
  // input, not the model.
  LoadedModel m = load_model(model(), plugins());
  const Cohort c = read_cohort(cohort());
  const Skeleton& layout = find_layout(c.layout);
  const FeatureSet features(plugins(), m.job.get_list("data", "features"), layout);
  Student random = build_student(arch_from_job(m.job), layout, features.size(), plugins(), 99);
  for (auto method :
       {ExplainMethod::cam, ExplainMethod::gradients, ExplainMethod::integrated_gradients}) {
    ExplainOptions o;
    o.attribution.method = method;
    int checked = 0;
    for (int64_t i : c.labelled("test")) {
      if (c.labels[i] != 1) continue;
      if (++checked > 3) break;
      const auto trained = explain_recording(*m.student, c, i, features, layout, o);
      const auto untrained = explain_recording(*random, c, i, features, layout, o);
      const double r = rank_correlation(flat(trained.attribution), flat(untrained.attribution));
      EXPECT_LT(r, 0.5) << method_name(method) << " " << c.ids[i];
      RecordProperty(method_name(method) + "_" + c.ids[i], std::to_string(r));
    }
  }
}

TEST_F(Explain, PageAndArraysHoldWhatTheClinicianSees) {
  const std::string page = dir_ + "/page.html", arrays = dir_ + "/relevance.h5";
  const auto r = cpnas_run("explain --model " + model() + " --data " + cohort() + " --out " + page +
                           " --h5 " + arrays);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Decision support for a clinician, not a diagnosis"), std::string::npos);
  const std::string html = read_text(page);
  const Cohort c = read_cohort(cohort());
  const auto test = c.indices("test");
  for (const std::string part :
       {"<section id=\"summary\"", "by the model's decision", "by known outcome",
        "class=\"skeleton\"", "linearGradient", "left leg", "window score (CP)", "relevance (%)",
        "not a diagnosis", "<ol><li><b>"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  for (int64_t i : test) {
    EXPECT_NE(html.find("<h2>" + c.ids[i] + "</h2>"), std::string::npos) << c.ids[i];
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);

  const auto f = h5::File::open(arrays);
  EXPECT_EQ(f.string_attribute("method"), "cam");
  EXPECT_EQ(f.read_strings("ids").size(), test.size());
  const auto joints = f.read_double("joint_relevance");
  ASSERT_EQ(joints.dims, (std::vector<hsize_t>{test.size(), 29}));
  for (size_t k = 0; k < test.size(); ++k) {
    const double sum =
        std::accumulate(joints.data.begin() + static_cast<std::ptrdiff_t>(k * 29),
                        joints.data.begin() + static_cast<std::ptrdiff_t>(k * 29 + 29), 0.0);
    EXPECT_NEAR(sum, 1.0, 1e-9) << k;
    const auto a = f.read_double("recording/" + std::to_string(k) + "/attribution");
    EXPECT_EQ(a.dims, (std::vector<hsize_t>{static_cast<hsize_t>(c.lengths[test[k]]), 29}));
  }
  EXPECT_EQ(f.read_double("part_relevance").dims, (std::vector<hsize_t>{test.size(), 5}));
}

TEST_F(Explain, BadInputGetsOneLineNamingIt) {
  const std::string coco = dir_ + "/coco.h5";
  ASSERT_EQ(cpnas_run("synth --out " + coco + " --infants 8 --seconds 6 --layout coco-18").status,
            0);
  auto r =
      cpnas_run("explain --model " + model() + " --data " + coco + " --out " + dir_ + "/x.html");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("'" + coco + "': layout coco-18, the model expects in-motion-2022"),
            std::string::npos)
      << r.out;
  r = cpnas_run("explain --model " + model() + " --data " + cohort() +
                " --recording infant-9999 --out " + dir_ + "/x.html");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("no recording 'infant-9999'"), std::string::npos) << r.out;
  r = cpnas_run("explain --model " + model() + " --data " + cohort() + " --method shap");
  EXPECT_NE(r.out.find("unknown explanation method 'shap'"), std::string::npos) << r.out;
  r = cpnas_run("explain --model " + model() + " --data " + cohort() + " --steps 0");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--steps"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ + "/x.html"));
  r = cpnas_run("synth --out " + dir_ + "/y.h5 --signal-joints right_wrist,tail");
  EXPECT_NE(r.out.find("in-motion-2022 has no joint 'tail'"), std::string::npos) << r.out;
  r = cpnas_run("synth --out " + dir_ + "/y.h5 --signal-joints thorax");
  EXPECT_NE(r.out.find("'thorax' is a reference joint"), std::string::npos) << r.out;
}

TEST_F(Explain, AnUnlabelledRecordingIsExplainedWithoutTheOutcomeComparison) {
  // One recording as a pose estimator wrote it: no label, so no summary by outcome.
  const Cohort c = read_cohort(cohort());
  const int64_t i = c.indices("test").front();
  const std::string csv = dir_ + "/one.csv";
  {
    std::ofstream out(csv);
    out << "frame";
    for (const auto& j : find_layout(c.layout).joints) out << "," << j << "_x," << j << "_y";
    out << "\n";
    for (int64_t t = 0; t < c.lengths[i]; ++t) {
      out << t;
      for (int64_t j = 0; j < c.joints; ++j) {
        for (int k = 0; k < 2; ++k) {
          const float v = c.recording(i)[(t * c.joints + j) * 2 + k];
          out << ",";
          if (!std::isnan(v)) out << 300 + 100 * v;
        }
      }
      out << "\n";
    }
  }
  const auto r =
      cpnas_run("explain --model " + model() + " --data " + csv + " --out " + dir_ + "/one.html");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("one.csv: risk score"), std::string::npos) << r.out;
  const std::string html = read_text(dir_ + "/one.html");
  EXPECT_EQ(html.find("by known outcome"), std::string::npos);
  EXPECT_NE(html.find("carry no known outcome"), std::string::npos);
}

TEST(Relevance, SharesOfThePositiveEvidencePerJointPartAndSecond) {
  const Skeleton& layout = find_layout("coco-18");
  auto a = torch::zeros({90, 18}, torch::kDouble);          // 3 s at 30 Hz
  a.index_put_({torch::indexing::Slice(30, 60), 4}, 2.0);   // right wrist in second 1
  a.index_put_({torch::indexing::Slice(0, 30), 13}, 1.0);   // left ankle in second 0
  a.index_put_({torch::indexing::Slice(60, 90), 0}, -5.0);  // evidence against CP: not relevance
  const RelevanceSummary s = summarise_relevance(a, layout, 30);
  EXPECT_NEAR(s.joint[4], 2.0 / 3, 1e-12);
  EXPECT_NEAR(s.joint[13], 1.0 / 3, 1e-12);
  EXPECT_EQ(s.joint[0], 0.0);
  ASSERT_EQ(s.part.size(), 5u);
  EXPECT_NEAR(s.part[1], 2.0 / 3, 1e-12);  // right arm
  EXPECT_NEAR(s.part[2], 1.0 / 3, 1e-12);  // left leg
  ASSERT_EQ(s.second.size(), 3u);
  EXPECT_NEAR(s.second[1], 2.0 / 3, 1e-12);
  ASSERT_EQ(s.moments.size(), 2u);  // the third second holds no evidence for CP
  EXPECT_EQ(s.moments[0].second, 1);
  EXPECT_EQ(s.moments[0].joint, 4);
  EXPECT_EQ(s.moments[1].second, 0);
  EXPECT_EQ(part_names(layout)[1], "right arm");
}

}  // namespace
