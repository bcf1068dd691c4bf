#!/usr/bin/env bash
# On a GPU node with PyTorch (python3) and the CUDA toolkit but no package archive: installs the
# Debian packages of fetch-debs.sh, builds cpnas with CUDA and NCCL against python3's LibTorch,
# runs the unit and gpu tests and times paper-best on the GPU. Logs and figures go to OUT.
# Usage (as root, from the repository root): bash bench/gpu/run.sh DEBS OUT
set -uo pipefail
debs=${1:?usage: run.sh DEBS OUT}
out=${2:?usage: run.sh DEBS OUT}
mkdir -p "$out"
step() { echo "== $* ($(date +%T))"; }
failed=0

# A package goes in only where the node has none of its files, so nothing of the node's own is
# replaced (its /lib goes to /usr/lib: the node's /lib may be a link to it). Boost goes to a prefix
# of its own too (see the configure step).
prefix=/opt/cpnas-deps
install_debs() {
  local work=/tmp/cpnas-debs
  rm -rf "$work" "$prefix"
  mkdir -p "$work" "$prefix"
  for deb in "$debs"/*.deb; do
    local name dir clash
    name=$(basename "$deb" .deb)
    dir=$work/$name
    dpkg -x "$deb" "$dir"
    if [ -d "$dir/lib" ]; then
      mkdir -p "$dir/usr/lib"
      cp -a "$dir/lib/." "$dir/usr/lib/"
      rm -rf "$dir/lib"
    fi
    rm -rf "$dir/usr/share/doc" "$dir/usr/share/man" "$dir/usr/share/lintian"
    clash=$(cd "$dir" && find . ! -type d | while read -r f; do
      [ -e "/$f" ] || [ -L "/$f" ] && echo "/$f"; done | head -1)
    if [[ $name == libboost* ]]; then cp -a "$dir/." "$prefix/"; fi
    if [ -n "$clash" ]; then
      echo "kept the node's own: $name ($clash)"
    else
      cp -a "$dir/." /
    fi
  done
  ldconfig
}

step "node"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
nproc
g++ --version | head -1
cmake --version | head -1
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'

step "install packages"
install_debs > "$out/install.log" 2>&1 || { tail -5 "$out/install.log"; exit 1; }
grep -c "kept the node" "$out/install.log" || true

step "configure"
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
# PyTorch's wheels carry NCCL; link the one its LibTorch loads.
nccl=$(python3 -c 'import nvidia.nccl as n; print(list(n.__path__)[0])' 2>/dev/null || true)
nccl_args=()
if [ -f "$nccl/include/nccl.h" ]; then
  nccl_args=(-DCPNAS_NCCL_INCLUDE_DIR="$nccl/include" -DCPNAS_NCCL_LIBRARY="$nccl/lib/libnccl.so.2")
fi
export PATH=/usr/local/cuda/bin:$PATH
# Boost's headers and its compiled Program_options must be of one version, and a node with Boost's
# headers may lack the library (seen: Ubuntu's 1.83 headers alone), so Boost is the packaged 1.74.
boost=$prefix/usr/lib/x86_64-linux-gnu/cmake/Boost-1.74.0
[ -d "$boost" ] || boost=/usr/lib/x86_64-linux-gnu/cmake/Boost-1.74.0
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
  -DCUDAToolkit_ROOT=/usr/local/cuda -DCPNAS_WITH_CUDA=ON "${nccl_args[@]}" \
  -DBoost_DIR="$boost" -DMPI_CXX_COMPILER=/usr/bin/mpicxx.openmpi > "$out/configure.log" 2>&1 ||
  { tail -40 "$out/configure.log"; exit 1; }
grep -E "cpnas: CUDA|Found Torch|Found MPI|Found HDF5" "$out/configure.log"

step "build"
cmake --build build-gpu -j "$(nproc)" > "$out/build.log" 2>&1 ||
  { grep -E "error|Error" "$out/build.log" | head -30; exit 1; }

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
step "gpu tests"
(cd build-gpu && ctest -L gpu --output-on-failure) > "$out/gpu-tests.log" 2>&1 || failed=1
tail -15 "$out/gpu-tests.log"
step "bench (paper-best)"
# Each also as a CUDA graph: one launch per step, where launches bound a step at batch 32.
for precision in fp32 bf16; do
  for batch in 32 256; do
    for mode in train eval; do
      for graph in "" --cuda-graph; do
        build-gpu/cpnas bench "$mode" --job jobs/paper-best.ini --device cuda --batch "$batch" \
          --steps 20 --warmup 5 --train.precision="$precision" $graph --json --log-level warn |
          tee -a "$out/bench.jsonl" || failed=1
      done
    done
  done
done
for mode in train eval; do
  build-gpu/cpnas bench "$mode" --job jobs/paper-best.ini --device cpu --threads "$(nproc)" \
    --steps 3 --json --log-level warn | tee -a "$out/bench.jsonl" || failed=1
done
# Several students sharing the GPU (issue 22), on request: minutes of the lease.
if [ "${STUDENTS_PER_GPU:-0}" = 1 ]; then
  step "students per hour, 1 to 8 ranks on one GPU"
  ARRANGEMENTS="1x2 2x2 4x2 8x2" bash bench/students_per_hour.sh gpu build-gpu |
    tee "$out/students-per-gpu.txt" || failed=1
fi
# Last, the longest: one LibTorch thread pool per test process would oversubscribe the node.
step "unit tests"
(cd build-gpu && OMP_NUM_THREADS=2 ctest -L unit -j "$(($(nproc) / 2))" --output-on-failure) \
  > "$out/unit-tests.log" 2>&1 || failed=1
grep -E "tests passed|Failed|\*\*\*" "$out/unit-tests.log" | head -20

step "done, failed=$failed"
exit $failed
