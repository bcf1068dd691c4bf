#!/usr/bin/env bash
# Explaining one 60-second recording with each method on one core (issue 19): paper-best
# (jobs/paper-best.ini) trained for one epoch on 12 synthetic infants (explaining costs the same
# whatever the weights), then `cpnas explain --recording` pinned to core 0 with one thread.
# Prints seconds per method and integrated gradients' completeness error.
# Usage: bench/explain.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cpnas=$(realpath "${1:-build}")/cpnas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cpnas" synth --out "$work/cohort.h5" --infants 12 --seconds 60 --cp-fraction 0.34 \
  --val-fraction 0.5 --log-level warn
"$cpnas" train --job jobs/paper-best.ini --data "$work/cohort.h5" --out "$work/model.h5" \
  --train.epochs=1 --log-level warn
id=infant-0000  # 54 to 60 s long, as every synthetic recording of --seconds 60
printf '%-22s %10s  %s\n' method seconds "completeness error"
for method in cam gradients integrated-gradients; do
  start=$(date +%s.%N)
  OMP_NUM_THREADS=1 taskset -c 0 "$cpnas" explain --model "$work/model.h5" \
    --data "$work/cohort.h5" --recording "$id" --method "$method" --out "$work/$method.html" \
    --json --log-level warn >"$work/$method.json"
  end=$(date +%s.%N)
  python3 - "$work/$method.json" "$method" "$start" "$end" <<'PY'
import json, sys
path, method, start, end = sys.argv[1:]
r = json.load(open(path))["recordings"][0]
error = r["completeness_error"]
print(f"{method:22s} {float(end) - float(start):10.1f}  {'' if error is None else f'{100 * error:.2f} %'}"
      f"  ({r['id']}, {len(r['second_relevance'])} s)")
PY
done
