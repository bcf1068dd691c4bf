#!/usr/bin/env bash
# Data benchmarks: the default synthetic cohort (557 infants, 60 s) and the rate of augmented
# training batches with all four features on 1 and 2 loader threads.
# Usage: bench/data.sh [BUILD_DIR] [SCRATCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
cpnas=${1:-build}/cpnas
scratch=${2:-$(mktemp -d)}
start=$(date +%s.%N)
"$cpnas" synth --out "$scratch/cohort.h5" --log-level warn
end=$(date +%s.%N)
echo "{\"synth_seconds\": $(awk "BEGIN{print $end - $start}"), \"file_bytes\": $(stat -c %s "$scratch/cohort.h5")}"
for threads in 1 2; do
  "$cpnas" bench data --data "$scratch/cohort.h5" --threads "$threads" --steps 50 --json \
    --log-level warn
done
