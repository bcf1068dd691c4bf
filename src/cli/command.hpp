#pragma once
// The subcommands of the `cpnas` executable.

#include <string>
#include <vector>

namespace cpnas::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  ///< args after the command name
};

/// Every command, in the order `cpnas --help` lists them.
const std::vector<Command>& commands();

int run_cohort(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_features(const std::vector<std::string>& args);
int run_synth(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);
int run_metrics(const std::vector<std::string>& args);
int run_search(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_explain(const std::vector<std::string>& args);
int run_evaluate(const std::vector<std::string>& args);
int run_predict(const std::vector<std::string>& args);
int run_plugins(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);
int run_profile(const std::vector<std::string>& args);

}  // namespace cpnas::cli
