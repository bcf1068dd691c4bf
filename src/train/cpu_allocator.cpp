#include "train/cpu_allocator.hpp"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace cpnas {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kLargeBlock = std::size_t{1} << 20;

std::size_t rounded(std::size_t n) {
  return n < kLargeBlock ? n : (n + kLargeBlock - 1) / kLargeBlock * kLargeBlock;
}

void* system_allocate(std::size_t n) {
  void* p = nullptr;
  if (posix_memalign(&p, kAlignment, n == 0 ? kAlignment : n) != 0) throw std::bad_alloc();
  return p;
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  void set_limit(std::size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = limit;
  }

  std::size_t cached() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

  std::size_t in_use() const { return static_cast<std::size_t>(in_use_.load()); }
  std::size_t peak() const { return static_cast<std::size_t>(peak_.load()); }
  void reset_peak() { peak_.store(in_use_.load()); }

  void release_cache() {
    std::map<std::size_t, std::vector<void*>> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks.swap(free_);
      cached_ = 0;
    }
    for (auto& [size, list] : blocks) {
      for (void* p : list) std::free(p);
    }
  }

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(std::size_t n) override {
    return make(n);
  }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
#else
  c10::DataPtr allocate(std::size_t n) const override {
    return make(n);
  }
#endif
  // Raw allocation (used by oneDNN) needs the context to be the data pointer itself, so block
  // sizes are looked up by pointer rather than carried in the context.
  c10::DeleterFnPtr raw_deleter() const override {
    return &release;
  }

 private:
  c10::DataPtr make(std::size_t n) const {
    const std::size_t size = rounded(n);
    void* data = nullptr;
    std::vector<void*> returned;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (size >= kLargeBlock) {
        auto it = free_.find(size);
        if (it != free_.end() && !it->second.empty()) {
          data = it->second.back();
          it->second.pop_back();
          cached_ -= size;
        } else {
          make_room(size, returned);
        }
      }
    }
    for (void* p : returned) std::free(p);
    if (!data) data = system_allocate(size);
    if (size >= kLargeBlock) {
      std::lock_guard<std::mutex> lock(mutex_);
      live_[data] = size;
    }
    count(static_cast<int64_t>(size >= kLargeBlock ? size : malloc_usable_size(data)));
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  void count(int64_t bytes) const {
    const int64_t now = in_use_.fetch_add(bytes) + bytes;
    int64_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
  }

  static void release(void* data);

  // Takes cached blocks, the largest first, into `out` until a new block of `size` fits within
  // the limit beside the tensors in use and the cache. Called with mutex_ held.
  void make_room(std::size_t size, std::vector<void*>& out) const {
    while (cached_ > 0 && in_use() + cached_ + size > limit_) {
      const auto largest = std::prev(free_.end());
      if (largest->second.empty()) {
        free_.erase(largest);
        continue;
      }
      out.push_back(largest->second.back());
      largest->second.pop_back();
      cached_ -= largest->first;
    }
  }

  mutable std::mutex mutex_;
  mutable std::map<std::size_t, std::vector<void*>> free_;
  mutable std::unordered_map<void*, std::size_t> live_;  // large blocks in use
  mutable std::size_t cached_ = 0;
  std::size_t limit_ = 0;
  // Small blocks are counted at malloc's usable size, which is what they hold.
  mutable std::atomic<int64_t> in_use_{0}, peak_{0};
};

CachingCpuAllocator& instance() {
  static CachingCpuAllocator* allocator = new CachingCpuAllocator();  // outlives every tensor
  return *allocator;
}

void CachingCpuAllocator::release(void* data) {
  if (!data) return;
  CachingCpuAllocator& self = instance();
  {
    std::lock_guard<std::mutex> lock(self.mutex_);
    auto it = self.live_.find(data);
    if (it == self.live_.end()) {
      self.count(-static_cast<int64_t>(malloc_usable_size(data)));
    } else {
      const std::size_t size = it->second;
      self.live_.erase(it);
      self.count(-static_cast<int64_t>(size));
      if (self.in_use() + self.cached_ + size <= self.limit_) {
        self.free_[size].push_back(data);
        self.cached_ += size;
        return;
      }
    }
  }
  std::free(data);
}

}  // namespace

void install_caching_cpu_allocator(std::size_t limit_bytes) {
  instance().set_limit(limit_bytes);
  static std::once_flag once;
  std::call_once(once, [] { c10::SetCPUAllocator(&instance(), /*priority=*/1); });
}

std::size_t cached_cpu_bytes() {
  return instance().cached();
}

std::size_t cpu_bytes_in_use() {
  return instance().in_use();
}

std::size_t peak_cpu_bytes() {
  return instance().peak();
}

void reset_peak_cpu_bytes() {
  instance().reset_peak();
}

bool caching_cpu_allocator_installed() {
  return c10::GetCPUAllocator() == &instance();
}

void release_cached_cpu_memory() {
  instance().release_cache();
}

}  // namespace cpnas
