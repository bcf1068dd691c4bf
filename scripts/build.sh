#!/usr/bin/env bash
# Configures and builds cpnas in ./build (or $CPNAS_BUILD_DIR). Extra arguments go to cmake.
# CPNAS_BUILD_TARGET builds one target (e.g. `runtime`: cpnas and its plugins) instead of all.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CPNAS_BUILD_DIR:-build}
jobs=${CPNAS_BUILD_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >"$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$jobs" ${CPNAS_BUILD_TARGET:+--target "$CPNAS_BUILD_TARGET"}
