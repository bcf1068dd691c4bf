#!/usr/bin/env bash
# Installs dependencies, builds cpnas, runs the sanitizer builds' tests and the whole test suite
# (every CTest label).
# Ends with CTest's summary line, e.g. "100% tests passed, 0 tests failed out of N".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/env.sh
bash scripts/build.sh
# The scheduler/worker and data tests under ThreadSanitizer and Address+UB sanitizers (their own
# build trees; a report fails the run).
bash scripts/sanitize.sh
cd "${CPNAS_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 1200 -j "${CPNAS_TEST_JOBS:-2}"
