#!/usr/bin/env bash
# Data-parallel `cpnas train` of paper-best: seconds per epoch on 1 rank with 1 and 2 threads and
# on 2 ranks with 1 thread each, on the cohort of the paper-best AUC test (48 infants of 10 s,
# global batch 32), 2 epochs each; and how far apart the 1-process and 2-rank runs end.
# Usage: bench/data_parallel.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cpnas=$(realpath "${1:-build}")/cpnas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cpnas" synth --out "$work/cohort.h5" --infants 48 --seconds 10 --cp-fraction 0.5 \
  --difficulty 0.3 --log-level warn
train="train --job jobs/paper-best.ini --data $work/cohort.h5 --log-level warn --train.epochs=2"
"$cpnas" $train --out "$work/t1.h5" --threads 1
"$cpnas" $train --out "$work/t2.h5" --threads 2
mpirun -n 2 "$cpnas" $train --out "$work/r2.h5" --threads 1
per_epoch() { awk -F, 'NR > 1 { s += $6; n++ } END { printf "%.1f", s / n }' "$1.epochs.csv"; }
last_loss() { awk -F, 'END { print $3 }' "$1.epochs.csv"; }
t1=$(per_epoch "$work/t1.h5") t2=$(per_epoch "$work/t2.h5") r2=$(per_epoch "$work/r2.h5")
echo "{\"bench\": \"data-parallel-train\", \"one_rank_1_thread_s_per_epoch\": $t1," \
  "\"one_rank_2_threads_s_per_epoch\": $t2, \"two_ranks_1_thread_s_per_epoch\": $r2," \
  "\"speedup_over_1_thread\": $(echo "scale=2; $t1 / $r2" | bc)," \
  "\"speedup_over_2_threads\": $(echo "scale=2; $t2 / $r2" | bc)," \
  "\"last_loss_1_process\": $(last_loss "$work/t2.h5"), \"last_loss_2_ranks\": $(last_loss "$work/r2.h5")}"
