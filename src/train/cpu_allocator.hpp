#pragma once
// A caching allocator for LibTorch's CPU tensors.
//
// Training and evaluating students allocates the same large activation buffers (tens of MB) at
// every step. glibc serves those with fresh mmap()s, and the kernel zeroes every page on first
// touch: measured on paper-best at batch 32, that made evaluation 3x slower than the arithmetic.
// Keeping freed large blocks for reuse removes the page faults after the first step. The cache
// only fills what the tensors in use leave of its limit, and gives blocks back when a tensor of
// a size it does not hold needs the room: a student whose tensors fit the limit finds every
// block again at its next step (a cache bounded on its own, at a quarter of memory, left the
// largest students 3x slower on a VM whose page faults are expensive).

#include <cstddef>

namespace cpnas {

/// Makes LibTorch allocate CPU tensors through the caching allocator (idempotent; a later call
/// sets the limit). Blocks of at least 1 MiB are cached by size (rounded up to 1 MiB) while the
/// tensors in use and the cache together stay within `limit_bytes`; smaller ones go straight to
/// the system allocator.
void install_caching_cpu_allocator(std::size_t limit_bytes);

/// Bytes held in the cache right now (for tests and logs).
std::size_t cached_cpu_bytes();

/// Whether LibTorch allocates CPU tensors through it now (install_caching_cpu_allocator ran, and
/// nothing replaced it since): the byte counts below count only what it allocated.
bool caching_cpu_allocator_installed();

/// Bytes of CPU tensors (and oneDNN's buffers) allocated through it and not yet freed; blocks
/// kept in the cache are not counted.
std::size_t cpu_bytes_in_use();

/// The most cpu_bytes_in_use() has been since reset_peak_cpu_bytes() (or since the start).
std::size_t peak_cpu_bytes();
void reset_peak_cpu_bytes();

/// Gives every cached block back to the system. A search calls it between students: the next
/// student's tensors have other sizes, and a rank that keeps the last one's would hold memory it
/// does not use.
void release_cached_cpu_memory();

}  // namespace cpnas
