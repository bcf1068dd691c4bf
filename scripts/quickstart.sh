#!/usr/bin/env bash
# Installs dependencies, builds cpnas, then runs what cpnas does so far on its embedded defaults:
# a small synthetic cohort, the features of its test split, the published network's size, and
# the data loader's speed. Grows into the quickstart search (2 MPI ranks) once the search lands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/env.sh
bash scripts/build.sh
cpnas=${CPNAS_BUILD_DIR:-build}/cpnas
run=${CPNAS_QUICKSTART_DIR:-run/quickstart}
mkdir -p "$run"

echo "== cpnas plugins"
"$cpnas" plugins
echo "== cpnas synth: 60 synthetic infants, 20 s each"
"$cpnas" synth --out "$run/cohort.h5" --infants 60 --seconds 20
echo "== cpnas features: evaluation windows of the test split"
"$cpnas" features --data "$run/cohort.h5" --split test --out "$run/test_features.h5"
echo "== cpnas profile: the published best network"
"$cpnas" profile --job jobs/paper-best.ini | tail -3
echo "== cpnas bench data: augmented training batches, all four features"
"$cpnas" bench data --data "$run/cohort.h5" --steps 20
echo "quickstart: done (files in $run)"
