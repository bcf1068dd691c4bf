#pragma once
// Splitting the evaluation kernels' work over LibTorch's intra-op threads.

#include <cstdint>
#include <functional>

namespace cpnas {

/// Calls f on consecutive sub-ranges covering [begin, end), of at least `grain` elements each
/// (but the last), on up to at::get_num_threads() threads at once; f must not throw. This is
/// at::parallel_for for code compiled without OpenMP, where LibTorch's own (a header template on
/// an OpenMP build) would run the whole range on the calling thread.
void parallel_ranges(int64_t begin, int64_t end, int64_t grain,
                     const std::function<void(int64_t, int64_t)>& f);

}  // namespace cpnas
