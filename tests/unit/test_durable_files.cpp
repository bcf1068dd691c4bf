// Files that survive a node failure, and HDF5 used from two threads: replacements that a killed
// writer cannot tear, one process-wide HDF5 lock, and students.csv growing by appended rows.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "io/atomic_file.hpp"
#include "io/error.hpp"
#include "io/file_hash.hpp"
#include "io/h5.hpp"
#include "search/run_dir.hpp"

namespace {

using namespace cpnas;

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "durable_" + std::to_string(getpid()) + "_" + name;
}

void write_values(const std::string& path, const std::vector<int32_t>& values) {
  h5::write_atomically(path, "model",
                       [&](h5::File& f) { f.write("v", {values.size()}, values.data()); });
}

std::vector<int32_t> read_values(const std::string& path) {
  return h5::File::open(path).read_int32("v").data;
}

}  // namespace

TEST(AtomicFile, AWriterKilledAtAnyStepLeavesTheOldFileOrTheNewOneWhole) {
  const std::pair<ReplaceStep, bool> steps[] = {{ReplaceStep::written, false},
                                                {ReplaceStep::synced, false},
                                                {ReplaceStep::renamed, true},
                                                {ReplaceStep::directory_synced, true}};
  for (const auto& [step, replaced] : steps) {
    const std::string path = temp_path("killed.h5");
    write_values(path, {1, 2, 3});
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      set_replace_hook([step = step](ReplaceStep reached) {
        if (reached == step) raise(SIGKILL);
      });
      write_values(path, {4, 5, 6});
      _exit(3);  // the hook did not fire
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << static_cast<int>(step);
    const std::vector<int32_t> expected =
        replaced ? std::vector<int32_t>{4, 5, 6} : std::vector<int32_t>{1, 2, 3};
    EXPECT_EQ(read_values(path), expected) << "killed after step " << static_cast<int>(step);
    EXPECT_EQ(std::filesystem::exists(path + ".tmp"), !replaced);
    // The next writer replaces what the killed one left behind.
    write_values(path, {7});
    EXPECT_EQ(read_values(path), std::vector<int32_t>{7});
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    std::filesystem::remove(path);
  }
}

TEST(AtomicFile, AFailedWriteRemovesItsTemporaryFileAndNamesTheFile) {
  const std::string path = temp_path("failed.h5");
  write_values(path, {1, 2, 3});
  set_replace_hook([](ReplaceStep reached) {
    if (reached == ReplaceStep::synced) throw Error("disk went away");
  });
  try {
    write_values(path, {4});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "model '" + path + "': disk went away");
  }
  set_replace_hook(nullptr);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(read_values(path), (std::vector<int32_t>{1, 2, 3}));

  const std::string text = temp_path("failed.csv");
  write_text_atomically(text, [](std::ostream& out) { out << "a,b\n"; });
  EXPECT_THROW(write_text_atomically(text,
                                     [](std::ostream& out) {
                                       out << "half";
                                       throw Error("writer failed");
                                     }),
               Error);
  EXPECT_FALSE(std::filesystem::exists(text + ".tmp"));
  std::ifstream in(text);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "a,b\n");
  std::filesystem::remove(path);
  std::filesystem::remove(text);
}

TEST(FileHash, ATextHashesAsAFileHoldingItAndTellsContentsApart) {
  const std::string path = testing::TempDir() + "hashed.txt";
  const std::string text = "[data]\nlayout = coco-18\n";
  std::ofstream(path) << text;
  EXPECT_EQ(cpnas::text_hash(text), cpnas::file_hash(path));
  EXPECT_EQ(cpnas::text_hash(""), "cbf29ce484222325");  // FNV-1a's offset basis: nothing hashed
  EXPECT_NE(cpnas::text_hash(text), cpnas::text_hash(text + " "));
}

TEST(H5Lock, EveryCallIntoHdf5WaitsForTheProcessWideLock) {
  const std::string path = temp_path("locked.h5");
  write_values(path, {1, 2, 3});
  std::atomic<int> done{0};
  std::thread reader, writer;
  {
    const auto held = h5::lock_library();
    reader = std::thread([&] {
      EXPECT_EQ(read_values(path), (std::vector<int32_t>{1, 2, 3}));
      ++done;
    });
    writer = std::thread([&] {
      write_values(path + ".other", {4});
      ++done;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(done.load(), 0) << "an HDF5 call ran while another thread held the lock";
  }
  reader.join();
  writer.join();
  EXPECT_EQ(done.load(), 2);
  EXPECT_NE(h5::describe_library().find("HDF5 1."), std::string::npos) << h5::describe_library();
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".other");
}

TEST(StudentsCsv, GrowsByOneAppendedRowPerFinishedStudentAfterARewriteFromTheState) {
  const RunDir dir{temp_path("run")};
  dir.create();
  SearchSpace space;
  space.keys.push_back({"arch", "block", {"basic", "sep"}});
  SearchState state;
  for (int64_t id : {0, 1, 2}) {
    StudentRecord r;
    r.id = id;
    r.actions = {static_cast<int>(id % 2)};
    r.status = id == 2 ? StudentStatus::running : StudentStatus::ok;
    r.val_auc = 0.5;
    state.students.push_back(r);
  }
  write_student_tables(dir, state, space);
  std::ifstream first(dir.students());
  const std::string before(std::istreambuf_iterator<char>(first), {});
  ASSERT_EQ(before.substr(before.find('\n') + 1, 2), "0,");
  EXPECT_NE(before.find("\n1,"), std::string::npos);
  EXPECT_EQ(before.find("\n2,"), std::string::npos);  // still running

  state.students[2].status = StudentStatus::failed;
  state.students[2].message = "out of memory: a, \"b\"";
  append_student_row(dir, state.students[2], space);
  std::ifstream second(dir.students());
  const std::string after(std::istreambuf_iterator<char>(second), {});
  ASSERT_EQ(after.substr(0, before.size()), before);
  EXPECT_EQ(after.substr(before.size()),
            "2,0,failed,0.500000,0,0.00,-1,0,,,,0,0,basic,\"out of memory: a, \"\"b\"\"\"\n");
  std::filesystem::remove_all(dir.root);
}
