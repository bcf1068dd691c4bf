// slurm/search.sbatch on a real single-node cluster (munged, slurmctld, slurmd started by
// cluster.sh in a temporary state directory and stopped at the end, also on failure).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "run_command.hpp"
#include "search/search_file.hpp"
#include "tiny_search.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kWork = testing::TempDir() + "cpnas_slurm";
const std::string kSource = CPNAS_SOURCE_DIR;

CommandResult sh(const std::string& command) {
  return run_command("(" + command + ") 2>&1");
}

// A field of `scontrol show job`, e.g. JobState or Restarts.
std::string job_field(const std::string& id, const std::string& field) {
  const auto r = sh("scontrol show job " + id);
  const auto at = r.out.find(" " + field + "=");
  if (at == std::string::npos) return "";
  const auto start = at + field.size() + 2;
  return r.out.substr(start, r.out.find_first_of(" \n", start) - start);
}

// Submits from the source tree (so the scripts find slurm/ and build/) with `sbatch_options`.
std::string submit(const std::string& script, const std::string& options, const std::string& args) {
  const auto r = sh("cd " + kSource + " && CPNAS=" + CPNAS_EXE + " sbatch --parsable " + options +
                    " slurm/" + script + " " + args);
  EXPECT_EQ(r.status, 0) << r.out;
  return r.out.substr(0, r.out.find_first_of(";\n"));
}

bool terminal(const std::string& state) {
  return state == "COMPLETED" || state == "FAILED" || state == "CANCELLED" || state == "TIMEOUT" ||
         state == "NODE_FAIL" || state == "OUT_OF_MEMORY";
}

// Waits for the job to end after `restarts` requeues: a final state must hold for two seconds,
// since a job being requeued passes through one. (Slurm holds a requeued job for about two
// minutes while the old run's credential is revoked; starting it earlier makes it fail.)
std::string wait_for(const std::string& id, int restarts = 0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  std::string seen;
  int stable = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string state = job_field(id, "JobState");
    const int restarted = std::atoi(job_field(id, "Restarts").c_str());
    stable = terminal(state) && restarted >= restarts && state == seen ? stable + 1 : 0;
    seen = state;
    if (stable >= 4) return state;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return "still " + job_field(id, "JobState");
}

class Slurm : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kWork);
    fs::create_directories(kWork);
    setenv("SLURM_CONF", (kWork + "/cluster/slurm.conf").c_str(), 1);
    const auto up = sh("bash " + kSource + "/tests/slurm/cluster.sh start " + kWork + "/cluster");
    ASSERT_EQ(up.status, 0) << up.out;
    std::ofstream(kWork + "/job.ini") << kTinySearchJob;
    const auto synth = sh(std::string(CPNAS_EXE) + " synth --out " + kWork + "/cohort.h5 " +
                          kTinyCohortOptions + " --log-level warn");
    ASSERT_EQ(synth.status, 0) << synth.out;
  }
  static void TearDownTestSuite() {
    sh("bash " + kSource + "/tests/slurm/cluster.sh stop " + kWork + "/cluster");
  }

  static std::string args(const std::string& run) {
    return kWork + "/job.ini " + run + " --data " + kWork + "/cohort.h5 --threads 1";
  }
};

}  // namespace

TEST_F(Slurm, SearchJobCompletesWithEveryStudent) {
  const std::string run = kWork + "/complete";
  const std::string out = kWork + "/complete.out";
  const std::string id =
      submit("search.sbatch", "--ntasks=2 --cpus-per-task=1 --output=" + out, args(run));
  ASSERT_EQ(wait_for(id), "COMPLETED") << read_file(out);
  EXPECT_EQ(finished_students(run), 4 + 3);
  const cpnas::SearchState state = cpnas::load_search(run + "/search.h5");
  EXPECT_TRUE(state.finished);
  EXPECT_EQ(state.argmax.size(), 2u);
  const std::string log = read_file(out);
  EXPECT_NE(log.find("2 tasks x 1 CPUs"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 1 of 2: cpu, 1 threads"), std::string::npos) << log;
  EXPECT_NE(log.find("slurm job " + id), std::string::npos) << log;
}

// SIGTERM, what scancel and a site's pre-emption send: mpirun passes it on and then exits 1
// whatever its ranks return, so the wrapper requeues on the stop record cpnas wrote. (SIGUSR2,
// the time-limit warning, goes through the same wrapper in the mpi tests.)
TEST_F(Slurm, SigtermRequeuesTheJobWhichResumesAndCompletes) {
  const std::string run = kWork + "/requeued";
  const std::string out = kWork + "/requeued.out";
  const std::string id =
      submit("search.sbatch", "--ntasks=2 --cpus-per-task=1 --output=" + out, args(run));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (finished_students(run) < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_GE(finished_students(run), 2) << read_file(out);
  const auto signal = sh("scancel --signal=TERM --batch " + id);
  ASSERT_EQ(signal.status, 0) << signal.out;
  ASSERT_EQ(wait_for(id, 1), "COMPLETED") << read_file(out);
  EXPECT_EQ(job_field(id, "Restarts"), "1");
  const std::string log = read_file(out);
  EXPECT_NE(log.find("received SIGTERM: passing it on"), std::string::npos) << log;
  EXPECT_NE(log.find("requeueing job " + id), std::string::npos) << log;
  EXPECT_NE(log.find("search.h5 exists: resuming"), std::string::npos) << log;
  EXPECT_NE(log.find("resuming " + run), std::string::npos) << log;
  const cpnas::SearchState state = cpnas::load_search(run + "/search.h5");
  EXPECT_TRUE(state.finished);
  EXPECT_EQ(state.runs, 2);
  std::set<std::string> ids;
  std::ifstream csv(run + "/students.csv");
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    EXPECT_TRUE(ids.insert(line.substr(0, line.find(','))).second) << "twice: " << line;
  }
  EXPECT_EQ(ids.size(), 7u);
}

TEST_F(Slurm, JobArrayRunsEachSeedInItsOwnRunDirectory) {
  const std::string root = kWork + "/seeds";
  const std::string id =
      submit("search-array.sbatch",
             "--array=1-2 --ntasks=1 --cpus-per-task=1 --output=" + kWork + "/seeds-%A_%a.out",
             args(root));
  for (const char* element : {"_1", "_2"}) {
    EXPECT_EQ(wait_for(id + element), "COMPLETED") << element;
  }
  const cpnas::SearchState one = cpnas::load_search(root + "/seed-1/search.h5");
  const cpnas::SearchState two = cpnas::load_search(root + "/seed-2/search.h5");
  EXPECT_TRUE(one.finished);
  EXPECT_TRUE(two.finished);
  EXPECT_EQ(finished_students(root + "/seed-1"), 7);
  EXPECT_EQ(finished_students(root + "/seed-2"), 7);
  EXPECT_NE(read_file(root + "/seed-1/job.ini").find("seed = 1\n"), std::string::npos);
  bool differ = false;
  for (std::size_t i = 0; i < one.students.size(); ++i) {
    differ = differ || one.students[i].actions != two.students[i].actions;
  }
  EXPECT_TRUE(differ) << "two seeds sampled the same students";
}
