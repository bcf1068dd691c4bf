#!/usr/bin/env bash
# Training and evaluation throughput of paper-best at batch 32, fp32: cpnas against the published
# reference code (github DeepInMotion/AutoCP) on the same LibTorch (Debian's python3-torch), one
# JSON line per run. The reference runs twice: as users run it, and with glibc told to keep freed
# memory (MALLOC_*), which takes the kernel's page zeroing out of its time (cpnas keeps freed
# blocks itself): the second is the comparison of the computation alone.
# ISA=avx2 makes LibTorch, oneDNN and OpenBLAS use their AVX2 code on an AVX-512 CPU, to measure
# an AVX2-only CPU's code paths there.
# Usage: [ISA=avx2] [THREADS="1 2"] bench/versus_reference.sh AUTOCP_CHECKOUT [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
reference=${1:?usage: bench/versus_reference.sh AUTOCP_CHECKOUT [BUILD_DIR]}
cpnas=${2:-build}/cpnas
isa=()
if [[ ${ISA:-native} == avx2 ]]; then
  isa=(ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell)
fi
keep=(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736
      MALLOC_TOP_PAD_=1073741824)
for threads in ${THREADS:-1 2}; do
  for mode in train eval; do
    env "${isa[@]}" "$cpnas" bench "$mode" --job jobs/paper-best.ini --threads "$threads" \
      --batch 32 --warmup 2 --steps 5 --json --log-level=warn
  done
  env "${isa[@]}" "${keep[@]}" /usr/bin/python3 bench/reference_throughput.py "$reference" \
    --threads "$threads" --steps 3 --label "memory kept"
  env "${isa[@]}" /usr/bin/python3 bench/reference_throughput.py "$reference" --threads "$threads" \
    --steps 3 --label "as is"
done
