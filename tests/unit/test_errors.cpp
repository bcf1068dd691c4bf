// Errors a person can read: LibTorch's messages as one line, out of memory recognised by type,
// and an MPI library that cannot give the thread level cpnas needs.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>

#include "dist/world.hpp"
#include "error_of.hpp"
#include "model/torch_error.hpp"

using namespace cpnas;

TEST(TorchError, LibTorchErrorsBecomeOneLineWithoutTheirBacktrace) {
  try {
    (void)torch::mm(torch::zeros({2, 3}), torch::zeros({2, 3}));
    FAIL() << "no error";
  } catch (const c10::Error& e) {
    const std::string line = one_line(e);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_NE(line.find("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
              std::string::npos)
        << line;
    EXPECT_EQ(line.find("Exception raised from"), std::string::npos) << line;
  }
  EXPECT_EQ(one_line(std::runtime_error("first\n  second\n")), "first; second");
}

TEST(TorchError, OutOfMemoryIsRecognisedByTypeAndTheCpuAllocatorsFailure) {
  const c10::SourceLocation here{__func__, __FILE__, __LINE__};
  EXPECT_TRUE(is_out_of_memory(c10::OutOfMemoryError(here, "CUDA: no memory left")));
  EXPECT_TRUE(is_out_of_memory(std::bad_alloc()));
  EXPECT_FALSE(is_out_of_memory(std::runtime_error("model 'x': out of memory")));
  EXPECT_FALSE(is_out_of_memory(c10::Error(here, "shape mismatch")));
  try {
    (void)torch::empty({int64_t{1} << 52});  // 16 PiB of floats: more than any address space
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_TRUE(is_out_of_memory(e)) << one_line(e);
  }
}

TEST(MpiThreadLevel, ALevelBelowSerializedIsRefusedNamingWhatTheLibraryGave) {
  EXPECT_EQ(error_of([] { require_thread_level(MPI_THREAD_SERIALIZED); }), "(no error)");
  EXPECT_EQ(error_of([] { require_thread_level(MPI_THREAD_MULTIPLE); }), "(no error)");
  const std::string funneled = error_of([] { require_thread_level(MPI_THREAD_FUNNELED); });
  EXPECT_EQ(funneled.rfind("the MPI library gives thread level MPI_THREAD_FUNNELED, below the "
                           "MPI_THREAD_SERIALIZED cpnas needs",
                           0),
            0u)
      << funneled;
  EXPECT_NE(error_of([] { require_thread_level(MPI_THREAD_SINGLE); }).find("MPI_THREAD_SINGLE"),
            std::string::npos);
}
