#!/usr/bin/env bash
# Training and evaluation throughput of paper-best at batch 32: 1 and 2 threads, fp32 and bf16.
# Prints one JSON line per configuration. Usage: bench/throughput.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
cpnas=${1:-build}/cpnas
for precision in fp32 bf16; do
  for threads in 1 2; do
    for mode in train eval; do
      # A pause first: right after a two-thread training process exits, two-thread evaluation
      # measured 60-67 windows/s on this VM, against 72-75 ten seconds later.
      sleep 10
      "$cpnas" bench "$mode" --job jobs/paper-best.ini --train.precision="$precision" \
        --threads "$threads" --batch 32 --warmup 2 --steps 5 --json --log-level=warn
    done
  done
done
