#!/usr/bin/env bash
# Installs dependencies, builds cpnas, then runs the main job on its embedded default: a small
# synthetic cohort and a short search (jobs/quickstart.ini) on 2 MPI ranks, then evaluates the
# search's best model (best.h5) on the cohort's test split and explains its scores. A few
# minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/env.sh
CPNAS_BUILD_TARGET=runtime bash scripts/build.sh
cpnas=${CPNAS_BUILD_DIR:-build}/cpnas
run=${CPNAS_QUICKSTART_DIR:-run/quickstart}
mkdir -p "$run"
rm -rf "$run/search"

echo "== cpnas plugins"
"$cpnas" plugins
# 60 infants, half of those outside test in validation: 23 validation recordings (7 CP), so that
# students' AUCs differ, and 23 training recordings, so that the search takes about 5 minutes.
echo "== cpnas synth: 60 synthetic infants, 10 s each"
"$cpnas" synth --out "$run/cohort.h5" --infants 60 --seconds 10 --cp-fraction 0.3 \
  --val-fraction 0.5
"$cpnas" cohort info "$run/cohort.h5" | head -7
echo "== cpnas search: jobs/quickstart.ini on 2 MPI ranks (1 thread each)"
mpirun -n 2 "$cpnas" search --job jobs/quickstart.ini --data "$run/cohort.h5" \
  --run-dir "$run/search" --threads 1
echo "== students ($run/search/students.csv)"
column -s, -t < "$run/search/students.csv" | cut -c1-150
best="$run/search/best.h5"
echo "== cpnas evaluate: $best (the best argmax student) on the test split"
"$cpnas" evaluate --model "$best" --data "$run/cohort.h5" --split test | head -20
echo "== cpnas report: $run/search/report.html (open it in a browser)"
"$cpnas" report "$run/search" --model "$best" --data "$run/cohort.h5" --split test
echo "== cpnas explain: which joints and moments $best's scores rest on ($run/explain.html)"
"$cpnas" explain --model "$best" --data "$run/cohort.h5" --split test \
  --out "$run/explain.html" --h5 "$run/relevance.h5"
echo "quickstart: done (files in $run)"
