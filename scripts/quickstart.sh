#!/usr/bin/env bash
# Installs dependencies, builds cpnas, then runs what cpnas can do so far on its embedded
# defaults. Grows into the full quickstart search (synthetic cohort, 2 MPI ranks) as the search
# lands; see README "Status".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/env.sh
bash scripts/build.sh
build=${CPNAS_BUILD_DIR:-build}
echo
echo "== cpnas plugins"
"$build/cpnas" plugins
echo
echo "quickstart: done"
