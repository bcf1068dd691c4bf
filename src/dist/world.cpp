#include "dist/world.hpp"

#include <mpi.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "io/allocation.hpp"
#include "io/cpu_set.hpp"
#include "io/error.hpp"

namespace cpnas {
namespace {

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI ") + what + ": " + std::string(text, length));
}

std::string thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE:
      return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
      return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
      return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE:
      return "MPI_THREAD_MULTIPLE";
    default:
      return "an unknown level (" + std::to_string(level) + ")";
  }
}

}  // namespace

void require_thread_level(int provided) {
  // The standard orders the levels: SINGLE < FUNNELED < SERIALIZED < MULTIPLE.
  if (provided >= MPI_THREAD_SERIALIZED) return;
  throw Error("the MPI library gives thread level " + thread_level_name(provided) +
              ", below the MPI_THREAD_SERIALIZED cpnas needs (rank 0 schedules on one thread while "
              "it trains on another): load an MPI built with thread support (Open MPI 3 or "
              "later; MPICH configured with --enable-threads=multiple)");
}

World::World() {
  if (launcher_rank() < 0) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "init");
  try {
    require_thread_level(provided);
  } catch (const Error&) {
    MPI_Finalize();  // every rank has the same library: each refuses alike, none waits
    throw;
  }
  mpi_ = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  local_rank_ = Allocation::from_environment().local_task;
}

World::~World() {
  if (mpi_) MPI_Finalize();
}

void World::send(int dest, Tag tag, const std::string& body) const {
  check(MPI_Send(body.data(), static_cast<int>(body.size()), MPI_CHAR, dest, static_cast<int>(tag),
                 MPI_COMM_WORLD),
        "send");
}

std::optional<Message> World::poll(int source, std::optional<Tag> tag) const {
  if (!mpi_) return std::nullopt;
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(source < 0 ? MPI_ANY_SOURCE : source, tag ? static_cast<int>(*tag) : MPI_ANY_TAG,
                   MPI_COMM_WORLD, &flag, &status),
        "probe");
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  Message m;
  m.source = status.MPI_SOURCE;
  m.tag = static_cast<Tag>(status.MPI_TAG);
  m.body.resize(static_cast<std::size_t>(count));
  check(MPI_Recv(m.body.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE),
        "receive");
  return m;
}

std::string World::broadcast(const std::string& text) const {
  return mpi_ ? broadcast_from(0, text) : text;
}

std::string World::broadcast_from(int root, const std::string& text) const {
  long long size = static_cast<long long>(text.size());
  check(MPI_Bcast(&size, 1, MPI_LONG_LONG, root, MPI_COMM_WORLD), "broadcast");
  std::string out = rank_ == root ? text : std::string(static_cast<std::size_t>(size), '\0');
  check(MPI_Bcast(out.data(), static_cast<int>(size), MPI_CHAR, root, MPI_COMM_WORLD), "broadcast");
  return out;
}

std::string World::agree(const std::string& error) const {
  if (!mpi_) return error;
  int mine = error.empty() ? size_ : rank_, first = size_;
  check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "allreduce");
  if (first == size_) return "";
  const std::string out = broadcast_from(first, error);
  return first == rank_ ? out : "rank " + std::to_string(first) + ": " + out;
}

int World::cpu_share() const {
  const std::vector<int> mine = allowed_cpus();
  if (!mpi_) return std::max(1, static_cast<int>(mine.size()));
  MPI_Comm node = MPI_COMM_NULL;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
        "split by node");
  int ranks = 1, me = 0;
  MPI_Comm_size(node, &ranks);
  MPI_Comm_rank(node, &me);
  // As bitmaps of CPU_SETSIZE bits, the most that allowed_cpus() reports.
  constexpr int kBytes = CPU_SETSIZE / 8;
  std::vector<unsigned char> bits(kBytes, 0), all(static_cast<std::size_t>(ranks) * kBytes);
  for (int cpu : mine) bits[cpu / 8] |= static_cast<unsigned char>(1u << (cpu % 8));
  const int status = MPI_Allgather(bits.data(), kBytes, MPI_UNSIGNED_CHAR, all.data(), kBytes,
                                   MPI_UNSIGNED_CHAR, node);
  MPI_Comm_free(&node);
  check(status, "allgather");
  std::vector<std::vector<int>> sets(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (all[static_cast<std::size_t>(r) * kBytes + cpu / 8] & (1u << (cpu % 8))) {
        sets[static_cast<std::size_t>(r)].push_back(cpu);
      }
    }
  }
  return cpnas::cpu_share(sets, static_cast<std::size_t>(me));
}

void World::sum(void* values, int64_t count, bool doubles) const {
  if (!mpi_ || size_ == 1) return;
  // MPI counts are int: large tensors go in pieces.
  constexpr int64_t kPiece = int64_t{1} << 30;
  auto* bytes = static_cast<char*>(values);
  const int64_t width = doubles ? 8 : 4;
  for (int64_t done = 0; done < count; done += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, count - done));
    check(MPI_Allreduce(MPI_IN_PLACE, bytes + done * width, n, doubles ? MPI_DOUBLE : MPI_FLOAT,
                        MPI_SUM, MPI_COMM_WORLD),
          "allreduce");
  }
}

void World::abort(int code) const {
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

}  // namespace cpnas
