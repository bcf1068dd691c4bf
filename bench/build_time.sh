#!/usr/bin/env bash
# Build times (issue 21) on this machine: a clean build of everything, tests included, from an
# empty build directory of a fresh clone of <commit> (default HEAD), timed as
# `time bash scripts/build.sh`; then, when ccache is installed, the same in a second fresh clone
# (what CI's clean clone costs on a machine that built before); then the rebuild after an edit
# of one file that does not include LibTorch (src/io/job_schema.cpp) and of one that does
# (src/train/trainer.cpp), compiled without ccache. The first build runs with an empty ccache
# directory of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:-HEAD}
work=$(mktemp -d /tmp/cpnas-build-time.XXXXXX)
trap 'rm -rf "$work"' EXIT
source scripts/env.sh
export CCACHE_DIR=$work/ccache
seconds() { local t0=$SECONDS; "$@" >"$work/log" 2>&1 || { tail -30 "$work/log"; exit 1; }; echo $((SECONDS - t0)); }
for clone in a b; do
  git clone -q . "$work/$clone"
  git -C "$work/$clone" checkout -q "$commit"
done
echo "commit $(git rev-parse --short "$commit"), $(nproc) cores"
echo "clean build: $(seconds bash "$work/a/scripts/build.sh") s"
if command -v ccache >/dev/null && grep -q CPNAS_CCACHE "$work/a/CMakeLists.txt"; then
  echo "clean build of a second clone, ccache warm: $(seconds bash "$work/b/scripts/build.sh") s"
  ccache --show-stats | grep -E "Hits|Misses" | sed 's/^/  /'
fi
export CCACHE_DISABLE=1  # an edit is compiled, not found in the cache
for file in src/io/job_schema.cpp src/train/trainer.cpp; do
  [[ -f $work/a/$file ]] || continue
  echo "// touched" >>"$work/a/$file"
  echo "rebuild after editing $file: $(seconds cmake --build "$work/a/build" -j "$(nproc)") s"
done
