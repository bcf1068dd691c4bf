// The one file compiled with OpenMP (src/CMakeLists.txt), so that the precompiled header the
// others share needs no OpenMP flags. On an OpenMP build of LibTorch (Debian's) its parallel
// regions use LibTorch's thread pool, since both link the same runtime; the team size is given
// explicitly, so that a LibTorch that bundles its own runtime (the pip wheels) still sets it.
#include "model/parallel.hpp"

#include <ATen/Parallel.h>
#include <omp.h>

#include <algorithm>

namespace cpnas {

void parallel_ranges(int64_t begin, int64_t end, int64_t grain,
                     const std::function<void(int64_t, int64_t)>& f) {
  if (end <= begin) return;
  const int64_t threads = at::get_num_threads();
  const int64_t chunks = std::min(threads, (end - begin + grain - 1) / std::max<int64_t>(grain, 1));
  if (chunks <= 1 || omp_in_parallel() || at::in_parallel_region()) {
    f(begin, end);
    return;
  }
  const int64_t size = (end - begin + chunks - 1) / chunks;
#pragma omp parallel num_threads(threads)
  {
    const int64_t first = begin + omp_get_thread_num() * size;
    if (omp_get_thread_num() < chunks && first < end) f(first, std::min(end, first + size));
  }
}

}  // namespace cpnas
