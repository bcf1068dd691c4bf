#!/usr/bin/env bash
# Builds the scheduler/worker test (in-process mailboxes) and the data tests with ThreadSanitizer
# and with AddressSanitizer + UndefinedBehaviorSanitizer, each in a tree of its own
# (build-sanitize-thread, build-sanitize-address-undefined), and runs them: any report fails.
# scripts/test.sh runs both; alone: bash scripts/sanitize.sh [thread] [address,undefined]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sanitizers=("$@")
((${#sanitizers[@]})) || sanitizers=(thread address,undefined)
for sanitizer in "${sanitizers[@]}"; do
  dir=${CPNAS_SANITIZE_DIR_PREFIX:-build-sanitize}-${sanitizer//,/-}
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCPNAS_SANITIZE="$sanitizer" \
    >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
  cmake --build "$dir" -j "${CPNAS_BUILD_JOBS:-$(nproc)}" --target sanitized_tests
  echo "== sanitized_tests under -fsanitize=$sanitizer"
  # LibTorch, OpenMP and HDF5 are not instrumented (no suppressions are needed for them today);
  # leaks are checked at exit.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ASAN_OPTIONS="halt_on_error=1 detect_leaks=1" \
    UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
    "$dir/sanitized_tests" --gtest_brief=1
done
