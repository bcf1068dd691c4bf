#pragma once
// A search state made by hand for report tests: 3 iterations of 4 students over a 3-key space,
// one failed and one diverged student, two argmax trainings, a policy that drifts.

#include <string>

#include "data/cohort_info.hpp"
#include "io/job.hpp"
#include "search/history.hpp"
#include "search/space.hpp"
#include "train/metrics.hpp"

inline cpnas::Job sample_job() {
  return cpnas::Job::parse(
      "[data]\ncohort = /data/cohort.h5\n[space]\nactivation = relu,swish\n"
      "block = basic,sep,shuffle\nlr = 0.005,0.001\n[search]\nmax_iterations = 5\n",
      "sample.ini");
}

inline cpnas::SearchState sample_state() {
  cpnas::SearchState s;
  s.job = sample_job().to_ini();
  s.iteration = 3;
  s.seconds = 5400;
  s.runs = 2;
  for (int64_t id = 0; id < 12; ++id) {
    cpnas::StudentRecord r;
    r.id = id;
    r.iteration = id / 4;
    r.actions = {static_cast<int>(id % 2), static_cast<int>(id % 3), static_cast<int>(id / 6)};
    r.status = id == 5   ? cpnas::StudentStatus::failed
               : id == 9 ? cpnas::StudentStatus::diverged
                         : cpnas::StudentStatus::ok;
    if (r.status == cpnas::StudentStatus::ok) {
      r.val_auc = 0.5 + 0.04 * static_cast<double>(id);
      r.val_sensitivity = 0.7;
      r.val_specificity = 0.8;
      r.val_accuracy = 0.78;
    } else {
      r.message = "deliberate";
    }
    r.epochs = 50;
    r.params = 10000 + 1000 * id;
    r.macs = 50000000 + 1000000 * id;
    r.seconds = 60 + static_cast<double>(id);
    s.students.push_back(r);
  }
  for (int64_t update = 1; update <= 2; ++update) {
    cpnas::StudentRecord a;
    a.id = update;
    a.iteration = update - 1;
    a.actions = {1, 2, 0};
    a.status = cpnas::StudentStatus::ok;
    a.val_auc = 0.9;
    a.val_accuracy = 0.85;
    a.val_sensitivity = 0.8;
    a.val_specificity = 0.86;
    a.epochs = 300;
    s.argmax.push_back(a);
  }
  for (int u = 0; u <= 3; ++u) {
    const double d = 0.05 * u;
    s.policy.push_back({{0.5 - d, 0.5 + d}, {1.0 / 3 - d, 1.0 / 3, 1.0 / 3 + d}, {0.5, 0.5}});
  }
  return s;
}

/// Subject-level metrics of 6 recordings (3 CP), two windows each, for the evaluation section.
inline cpnas::ClinicalMetrics sample_metrics() {
  std::vector<cpnas::WindowScore> windows;
  const double scores[] = {0.9, 0.8, 0.4, 0.3, 0.6, 0.1};
  for (int i = 0; i < 6; ++i) {
    for (int w = 0; w < 2; ++w) {
      windows.push_back({"r" + std::to_string(i), i < 3 ? 1 : 0, scores[i] + 0.01 * w});
    }
  }
  return cpnas::clinical_metrics(windows, 0.5);
}

/// What `cpnas cohort info` would say of a small coco-18 cohort.
inline cpnas::CohortInfo sample_cohort_info() {
  cpnas::CohortInfo data;
  data.layout = "coco-18";
  data.fps = 30;
  data.recordings = 12;
  data.counts = {{"train", {{1, 2}, {0, 6}}}, {"val", {{1, 1}, {0, 1}}}, {"test", {{0, 2}}}};
  data.min_seconds = 8;
  data.median_seconds = 9.5;
  data.max_seconds = 12;
  data.missing = {{"Nose", 0.01}, {"Neck", 0.0}, {"LEar", 0.25}, {"REar", 0.125}};
  return data;
}
