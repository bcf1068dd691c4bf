#!/usr/bin/env bash
# Scaling of the search over ranks: one iteration of 8 quickstart students (no argmax training)
# on 1 rank with 1 and 2 threads and on 2 ranks with 1 thread each; then, from the measured student
# times of a space mixing small and large students, the makespan of the dynamic dispatch against
# a fixed share (student i to rank i mod 2). Usage: bench/scaling.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cpnas=$(realpath "${1:-build}")/cpnas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cpnas" synth --out "$work/cohort.h5" --infants 30 --seconds 10 --cp-fraction 0.3 --log-level warn
one_iteration="--search.max_iterations=1 --search.warmup_rollouts=8 --search.argmax_epochs=0"

seconds() {  # wall seconds of a command
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
t0=$(seconds "$cpnas" search --job jobs/quickstart.ini --data "$work/cohort.h5" \
  --run-dir "$work/r0" --threads 1 $one_iteration)
t1=$(seconds "$cpnas" search --job jobs/quickstart.ini --data "$work/cohort.h5" \
  --run-dir "$work/r1" --threads 2 $one_iteration)
t2=$(seconds mpirun -n 2 "$cpnas" search --job jobs/quickstart.ini --data "$work/cohort.h5" \
  --run-dir "$work/r2" --threads 1 $one_iteration)
echo "{\"bench\": \"search-scaling\", \"students\": 8, \"one_rank_1_thread_s\": $t0," \
  "\"one_rank_2_threads_s\": $t1," \
  "\"two_ranks_1_thread_s\": $t2, \"speedup\": $(echo "scale=3; $t1 / $t2" | bc)," \
  "\"efficiency\": $(echo "scale=3; $t1 / $t2 / 2" | bc)," \
  "\"speedup_over_1_thread\": $(echo "scale=3; $t0 / $t2" | bc)}"

# Mixed costs: 8 and 48 channels, 1 or 3 blocks per stream.
mixed="--space.init_channels=8,48 --space.main_blocks=1,3 --space.block=basic,sep"
t3=$(seconds mpirun -n 2 "$cpnas" search --job jobs/quickstart.ini --data "$work/cohort.h5" \
  --run-dir "$work/r3" --threads 1 $one_iteration $mixed)
# Fixed share: rank r trains students r, r+2, ...; its time is the sum of theirs.
awk -F, -v dynamic="$t3" 'NR > 1 { fixed[$1 % 2] += $6; total += $6; n++ }
  END { f = fixed[0] > fixed[1] ? fixed[0] : fixed[1];
        printf "{\"bench\": \"dispatch-mixed\", \"students\": %d, \"student_seconds_total\": %.1f, ", n, total;
        printf "\"dynamic_wall_s\": %.1f, \"fixed_share_makespan_s\": %.1f, \"ideal_s\": %.1f}\n", dynamic, f, total / 2 }' \
  "$work/r3/students.csv"
cut -d, -f1,6,7,14- "$work/r3/students.csv"
