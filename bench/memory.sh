#!/usr/bin/env bash
# Peak resident memory per rank over a search of 30 students of mixed sizes (issue 18): 2 ranks,
# 1 thread each, one iteration of 30 warm-up students (8 to 48 channels, 1 or 3 main blocks,
# batch 16 or 32), no argmax training. Samples every rank's VmRSS twice a second and prints, per
# rank, the peak while the first 10, 20 and all 30 students were trained: a cache that is never
# trimmed grows from third to third, a bounded one does not.
# Usage: bench/memory.sh LABEL [BUILD_DIR] (extra environment, e.g. LD_PRELOAD, applies to ranks)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
label=$1
cpnas=$(realpath "${2:-build}")/cpnas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cpnas" synth --out "$work/cohort.h5" --infants 30 --seconds 10 --cp-fraction 0.3 --log-level warn

exports=()
for name in LD_PRELOAD CPNAS_CPU_CACHE_MB; do [[ -v $name ]] && exports+=(-x "$name"); done
mpirun -n 2 "${exports[@]}" "$cpnas" search --job jobs/quickstart.ini \
  --data "$work/cohort.h5" --run-dir "$work/run" --threads 1 --log-level warn \
  --search.max_iterations=1 --search.warmup_rollouts=30 --search.argmax_epochs=0 \
  --space.init_channels=8,24,48 --space.main_blocks=1,3 --space.batch_size=16,32 \
  >"$work/search.log" 2>&1 &
launcher=$!
start=$(date +%s)

# rank -> peak kB per third; a rank's process is a child of mpirun with OMPI_COMM_WORLD_RANK set.
declare -A peak
while kill -0 "$launcher" 2>/dev/null; do
  finished=0
  [[ -f "$work/run/students.csv" ]] && finished=$(($(wc -l <"$work/run/students.csv") - 1))
  third=$(((finished < 0 ? 0 : finished) / 10))
  ((third > 2)) && third=2
  for status in /proc/[0-9]*/status; do
    pid=${status#/proc/}; pid=${pid%/status}
    [[ "$(awk '/^PPid:/ {print $2}' "$status" 2>/dev/null)" == "$launcher" ]] || continue
    rank=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^OMPI_COMM_WORLD_RANK=//p') ||
      continue  # the process ended between the listing and the read
    rss=$(awk '/^VmRSS:/ {print $2}' "$status" 2>/dev/null) || continue
    [[ -n "$rank" && -n "$rss" ]] || continue
    key="$rank,$third"
    ((rss > ${peak[$key]:-0})) && peak[$key]=$rss
  done
  sleep 0.5
done
wait "$launcher" || { cat "$work/search.log"; exit 1; }
students=$(($(wc -l <"$work/run/students.csv") - 1))
for rank in 0 1; do
  a=${peak[$rank,0]:-0}; b=${peak[$rank,1]:-$a}; c=${peak[$rank,2]:-$b}
  ((b < a)) && b=$a; ((c < b)) && c=$b  # peaks so far, not per third
  echo "{\"bench\": \"search-memory\", \"label\": \"$label\", \"rank\": $rank, \"students\": $students," \
    "\"wall_s\": $(($(date +%s) - start)), \"peak_rss_mb_after_10\": $((a / 1024))," \
    "\"after_20\": $((b / 1024)), \"after_30\": $((c / 1024))}"
done
