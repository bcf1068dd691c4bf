#!/usr/bin/env bash
# Times BatchNorm (+ swish) in training, the core's kernels against LibTorch's operators
# (bench/batch_norm_pair.cpp), against a built tree. glibc keeps freed memory (MALLOC_*), as
# cpnas's caching allocator does in training, so that page faults are not what is timed.
# ISA=avx2 runs LibTorch on its AVX2 code (the core's kernels are AVX2 either way).
# Usage: [ISA=avx2] bench/batch_norm_pair.sh [BUILD_DIR]  (LibTorch from Debian's libtorch-dev,
# or TORCH_INCLUDE=<dir with torch/torch.h> TORCH_LIB=<dir with libtorch.so>)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
include=${TORCH_INCLUDE:-/usr/include/torch/csrc/api/include}
lib=${TORCH_LIB:-/usr/lib/x86_64-linux-gnu}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
g++ -O2 -std=c++17 -Iinclude -I"$include" bench/batch_norm_pair.cpp -o "$out/batch_norm_pair" \
  -Wl,--no-as-needed -L"$build" -lcpnas -L"$lib" -ltorch -ltorch_cpu -lc10 \
  -Wl,-rpath,"$(realpath "$build")"
isa=()
if [[ ${ISA:-native} == avx2 ]]; then isa=(ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2); fi
env "${isa[@]}" MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 \
  MALLOC_TOP_PAD_=1073741824 "$out/batch_norm_pair"
