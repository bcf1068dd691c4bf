// A tiny search under mpirun, as users run it: the same students.csv, argmax.csv and policy.csv
// on 1, 2 and 3 ranks; after a pre-emption signal or SIGKILL and --resume; with students that
// throw or diverge in the space.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "build_stamp.hpp"
#include "run_command.hpp"
#include "search/search_file.hpp"
#include "suite_set_up.hpp"
#include "tiny_search.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kExe = CPNAS_EXE;

std::string dir() {
  return testing::TempDir() + "cpnas_mpi_search";
}

std::string search(int ranks, const std::string& run, const std::string& extra = "") {
  const std::string launcher = ranks > 0 ? "mpirun -n " + std::to_string(ranks) + " " : "";
  return launcher + kExe + " search --job " + dir() + "/job.ini --data " + dir() +
         "/cohort.h5 --run-dir " + run + " --threads 1 --log-level warn " + extra;
}

std::string resume(int ranks, const std::string& run) {
  return "mpirun -n " + std::to_string(ranks) + " " + kExe + " search --resume " + run +
         " --threads 1 --log-level warn";
}

// A CSV without the columns that depend on timing and placement (seconds, rank, attempts).
std::string stable_columns(const std::string& path, const std::string& run) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line, out;
  while (std::getline(in, line)) {
    std::stringstream cells(line);
    std::string cell;
    for (int column = 0; std::getline(cells, cell, ','); ++column) {
      if (column >= 5 && column <= 7) continue;
      if (cell.rfind(run, 0) == 0) cell = cell.substr(run.size());
      out += cell + ",";
    }
    out += "\n";
  }
  return out;
}

std::string results(const std::string& run) {
  return stable_columns(run + "/students.csv", run) + stable_columns(run + "/argmax.csv", run) +
         stable_columns(run + "/policy.csv", run);
}

// Starts `command` in the background; its process is the launcher itself (exec).
pid_t start(const std::string& command, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string line = "exec " + command + " > " + log + " 2>&1";
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void wait_for_students(const std::string& run, int n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (finished_students(run) < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(finished_students(run), n) << "the search did not get far enough";
}

// The processes that `pid` (any of its threads) started, from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream children(task.path() / "children");
    for (pid_t child = 0; children >> child;) out.push_back(child);
  }
  return out;
}

bool has_a_running_student(const std::string& run) {
  const cpnas::SearchState state = cpnas::load_search(run + "/search.h5");
  for (const auto* records : {&state.students, &state.argmax}) {
    for (const auto& r : *records) {
      if (r.status == cpnas::StudentStatus::running) return true;
    }
  }
  return false;
}

// Kills every rank of `launcher` at once while search.h5 holds a student in training. The ranks
// are stopped while search.h5 is read, so that the student cannot finish between the look and
// the kill (with fast training it did: a look then a kill found nothing in flight). Returns the
// number of ranks killed.
int kill_with_a_student_in_flight(pid_t launcher, const std::string& run) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::vector<pid_t> ranks = children_of(launcher);
    for (pid_t rank : ranks) kill(rank, SIGSTOP);
    if (has_a_running_student(run)) {
      int killed = 0;
      for (pid_t rank : ranks) killed += kill(rank, SIGKILL) == 0;
      return killed;
    }
    for (pid_t rank : ranks) kill(rank, SIGCONT);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "no student was ever seen in training";
  return 0;
}

std::string fresh(const std::string& run) {
  fs::remove_all(run);
  return run;
}

class SearchMpi : public SuiteSetUp<SearchMpi> {
 public:
  static std::string prepare() {
    allow_mpirun_as_root();
    // Every test runs in a process of its own: the cohort and the 1-rank baseline are made once
    // per build of cpnas and job, and reused by the others.
    const std::string stamp = build_stamp(kExe, kTinySearchJob);
    if (read_file(dir() + "/stamp") == stamp) {
      baseline_ = new std::string(results(dir() + "/baseline"));
      return "";
    }
    fs::remove_all(dir());
    fs::create_directories(dir());
    std::ofstream(dir() + "/job.ini") << kTinySearchJob;
    const auto synth = run_command(kExe + " synth --out " + dir() + "/cohort.h5 " +
                                   kTinyCohortOptions + " --log-level warn 2>&1");
    if (synth.status != 0) return "cpnas synth: " + synth.out;
    const auto r = run_command(search(1, dir() + "/baseline") + " 2>&1");
    if (r.status != 0) return "the 1-rank baseline search: " + r.out;
    baseline_ = new std::string(results(dir() + "/baseline"));
    std::ofstream(dir() + "/stamp") << stamp;
    return "";
  }
  static void TearDownTestSuite() { delete baseline_; }
  static std::string* baseline_;
};
std::string* SearchMpi::baseline_ = nullptr;

}  // namespace

TEST_F(SearchMpi, BaselineIsCompleteAndFinished) {
  const std::string run = dir() + "/baseline";
  EXPECT_EQ(finished_students(run), 4 + 3);
  const cpnas::SearchState state = cpnas::load_search(run + "/search.h5");
  EXPECT_TRUE(state.finished);
  EXPECT_EQ(state.stop_reason, "2 iterations done");
  EXPECT_EQ(state.policy.size(), 3u);  // before the first update and after each of two
  ASSERT_EQ(state.argmax.size(), 2u);
  for (const auto& a : state.argmax) {
    EXPECT_EQ(a.status, cpnas::StudentStatus::ok);
    EXPECT_TRUE(fs::exists(run + "/argmax/update-" + std::to_string(a.id) + ".h5"));
  }
  EXPECT_TRUE(fs::exists(run + "/logs/rank-0.log"));
  EXPECT_TRUE(fs::exists(run + "/job.ini"));
}

TEST_F(SearchMpi, ReportOfTheBaselineShowsEveryStudentAndKey) {
  const std::string run = dir() + "/baseline";
  const auto r = run_command(kExe + " report " + run + " --out " + dir() + "/report.html 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string html = read_file(dir() + "/report.html");
  for (int id = 0; id < 7; ++id) {
    EXPECT_NE(html.find("<title>student " + std::to_string(id) + " ("), std::string::npos) << id;
  }
  for (const char* key : {"activation", "block", "lr"}) {
    EXPECT_NE(html.find(std::string("<h3>") + key + "</h3>"), std::string::npos) << key;
  }
  // Model files relative to the run directory; the data section from the job's cohort.
  EXPECT_NE(html.find("<td class=\"l\">argmax/update-2.h5</td>"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"data\"><h2>Data</h2>"), std::string::npos);
}

TEST_F(SearchMpi, SameResultsOnTwoAndThreeRanks) {
  for (int ranks : {2, 3}) {
    const std::string run = fresh(dir() + "/ranks" + std::to_string(ranks));
    const auto r = run_command(search(ranks, run) + " 2>&1");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(results(run), *baseline_) << ranks << " ranks";
    EXPECT_TRUE(fs::exists(run + "/logs/rank-" + std::to_string(ranks - 1) + ".log"));
  }
}

TEST_F(SearchMpi, PreemptionSignalStopsWithStatus99AndResumeGivesTheSameResult) {
  // Through the batch scripts' wrapper, which passes the signal on to mpirun, as in a Slurm job.
  const std::string run = fresh(dir() + "/preempted");
  const std::string out = dir() + "/preempted.out";
  const pid_t pid = start(std::string("bash ") + CPNAS_SOURCE_DIR + "/slurm/requeue.sh " +
                              "--stop-record " + run + "/stopped " + search(2, run),
                          out);
  wait_for_students(run, 2);
  kill(pid, SIGUSR2);  // what SLURM's --signal=B:USR2 sends to the batch script
  EXPECT_EQ(wait_status(pid), 99) << read_file(out);
  const std::string log = read_file(out);
  EXPECT_NE(log.find("received SIGUSR2: passing it on"), std::string::npos) << log;
  // mpirun returns its ranks' 99 for a signal it passes on other than SIGTERM.
  EXPECT_EQ(log.find("treating it as status 99"), std::string::npos) << log;
  EXPECT_NE(log.find("not in a SLURM job: resume by hand"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(run + "/stopped"));
  EXPECT_FALSE(cpnas::load_search(run + "/search.h5").finished);
  const auto r = run_command(resume(2, run) + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(results(run), *baseline_);
  EXPECT_EQ(cpnas::load_search(run + "/search.h5").runs, 2);
  EXPECT_NE(read_file(run + "/logs/rank-0.log").find("stopped on request"), std::string::npos);
  EXPECT_FALSE(fs::exists(run + "/stopped")) << "a resumed search is no longer stopped";
}

TEST_F(SearchMpi, SigtermOfAProcessWithoutLauncherStopsWith99) {
  const std::string run = fresh(dir() + "/terminated");
  const pid_t pid = start(search(0, run), dir() + "/terminated.out");
  wait_for_students(run, 3);
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_status(pid), 99) << read_file(dir() + "/terminated.out");
  const auto r = run_command(resume(1, run) + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(results(run), *baseline_);
}

TEST_F(SearchMpi, SigkillOfAllRanksLosesNoFinishedStudentAndRetrainsInFlightOnes) {
  const std::string run = fresh(dir() + "/killed");
  const pid_t pid = start(search(2, run), dir() + "/killed.out");
  wait_for_students(run, 3);
  // Every rank at once, by process id: mpirun's children are the ranks.
  EXPECT_EQ(kill_with_a_student_in_flight(pid, run), 2);
  wait_status(pid);
  const cpnas::SearchState before = cpnas::load_search(run + "/search.h5");
  int finished = 0, in_flight = 0;
  for (const auto& s : before.students) {
    finished += s.finished();
    in_flight += s.status == cpnas::StudentStatus::running;
  }
  for (const auto& a : before.argmax) in_flight += a.status == cpnas::StudentStatus::running;
  EXPECT_GE(finished, 3);
  EXPECT_GE(in_flight, 1) << "SIGKILL should catch a student in flight";
  const auto r = run_command(resume(2, run) + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(results(run), *baseline_);
  const cpnas::SearchState after = cpnas::load_search(run + "/search.h5");
  for (std::size_t i = 0; i < after.students.size(); ++i) {
    EXPECT_EQ(after.students[i].id, static_cast<int64_t>(i));  // each id exactly once
    if (i < before.students.size() && before.students[i].finished()) {
      EXPECT_EQ(after.students[i].attempts, before.students[i].attempts) << "retrained " << i;
    }
  }
}

TEST_F(SearchMpi, StudentsThatThrowOrDivergeAreRecordedAndTheSearchCompletes) {
  const std::string run = fresh(dir() + "/faulty");
  const auto r = run_command(search(2, run,
                                    "--plugin-path " + std::string(CPNAS_TEST_PLUGIN_DIR) +
                                        "/tp_faulty --space.block=basic,test_throw,test_nan "
                                        "--search.warmup_rollouts=8") +
                             " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  const cpnas::SearchState state = cpnas::load_search(run + "/search.h5");
  EXPECT_TRUE(state.finished);
  int failed = 0, diverged = 0, ok = 0;
  for (const auto& s : state.students) {
    failed += s.status == cpnas::StudentStatus::failed;
    diverged += s.status == cpnas::StudentStatus::diverged;
    ok += s.status == cpnas::StudentStatus::ok;
    if (s.status == cpnas::StudentStatus::failed) {
      EXPECT_NE(s.message.find("test_throw: deliberate failure"), std::string::npos) << s.message;
    }
  }
  EXPECT_GE(failed, 1);
  EXPECT_GE(diverged, 1);
  EXPECT_GE(ok, 1);
  const std::string csv = read_file(run + "/students.csv");
  EXPECT_NE(csv.find(",failed,"), std::string::npos);
  EXPECT_NE(csv.find(",diverged,"), std::string::npos);
}

TEST_F(SearchMpi, StudentsThatDoNotFitTheRanksMemoryAreRefusedBeforeTheyTrain) {
  // 1 MB for the job on this node: no student fits beside the process itself.
  const std::string run = fresh(dir() + "/no-memory");
  const auto r = run_command("SLURM_MEM_PER_NODE=1 " + search(0, run) + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  const cpnas::SearchState state = cpnas::load_search(run + "/search.h5");
  EXPECT_TRUE(state.finished);
  ASSERT_EQ(state.students.size(), 7u);
  for (const auto* records : {&state.students, &state.argmax}) {
    for (const auto& s : *records) {
      EXPECT_EQ(s.status, cpnas::StudentStatus::failed) << s.id;
      EXPECT_EQ(s.epochs, 0) << s.id;
      EXPECT_NE(s.message.find("of memory to train at batch 16 (measured at batches 4 and 8), "
                               "more than the 0.0 GiB this rank has for it (0.0 GiB, the node's "
                               "0.0 GiB (SLURM_MEM_PER_NODE), less "),
                std::string::npos)
          << s.message;
    }
  }
  // Off, the same memory trains them: nothing else refuses them.
  const std::string off = fresh(dir() + "/memory-check-off");
  const auto o =
      run_command("SLURM_MEM_PER_NODE=1 CPNAS_MEMORY_CHECK=off " + search(0, off) + " 2>&1");
  ASSERT_EQ(o.status, 0) << o.out;
  EXPECT_EQ(results(off), *baseline_);
}

TEST_F(SearchMpi, ForeignOrDamagedCheckpointsAndReusedRunDirectoriesAreRefused) {
  const std::string base = dir() + "/baseline";
  auto r = run_command(search(0, base) + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: run directory '" + base +
                       "' already holds a search (search.h5); continue it with --resume " + base +
                       "\n");

  r = run_command(kExe + " search --resume " + base + " --job " + dir() + "/job.ini --data " +
                  dir() + "/cohort.h5 --space.lr=0.1,0.01 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "cpnas: error: search checkpoint '" + base +
                       "/search.h5' belongs to another job: [space] lr is '0.005,0.001' in the "
                       "checkpoint and '0.1,0.01' in the job\n");

  const std::string damaged = fresh(dir() + "/damaged");
  fs::create_directories(damaged);
  std::ofstream(damaged + "/search.h5") << "this is not HDF5";
  r = run_command(resume(2, damaged) + " 2>&1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("cpnas: error: search checkpoint '" + damaged + "/search.h5'"),
            std::string::npos)
      << r.out;
}

TEST_F(SearchMpi, RanksThatLoadDifferentPluginsAreRefusedTogetherNamingThePlugin) {
  // Rank 1 is started with another plugin path, as a node with another CPNAS_PLUGIN_PATH would be.
  const std::string run = fresh(dir() + "/views");
  const std::string command = search(0, run);
  const auto r = run_command("mpirun -n 1 " + command + " : -n 1 -x CPNAS_PLUGIN_PATH=" +
                             CPNAS_TEST_PLUGIN_DIR + "/tp_faulty " + command + " 2>&1");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("cpnas: error: rank 1: block plugin 'test_"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("' is loaded on this rank, not on rank 0: every rank must read the same "
                       "files"),
            std::string::npos)
      << r.out;
  int cpnas_lines = 0;  // mpirun adds its own banner about the failed rank
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) cpnas_lines += line.rfind("cpnas", 0) == 0;
  EXPECT_EQ(cpnas_lines, 1) << r.out;
  EXPECT_FALSE(fs::exists(run + "/search.h5")) << "no search started";
}
