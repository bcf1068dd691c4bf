#pragma once
// The rows of the MODEL.epochs.csv that `cpnas train` writes, for tests that compare trainings.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

struct EpochRow {
  double epoch = 0, lr = 0, loss = 0, train_accuracy = 0;
};

/// Rows up to the first that does not parse (tests check how many there are).
inline std::vector<EpochRow> read_epochs(const std::string& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  std::vector<EpochRow> rows;
  EpochRow r;
  while (std::getline(in, line) && std::sscanf(line.c_str(), "%lf,%lf,%lf,%lf", &r.epoch, &r.lr,
                                               &r.loss, &r.train_accuracy) == 4) {
    rows.push_back(r);
  }
  return rows;
}
