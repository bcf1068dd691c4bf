#!/usr/bin/env bash
# Students per hour, the search's real unit (issue 22). Draws STUDENTS students from
# jobs/paper-search.ini's space with a fixed seed (strategy random, one iteration, no argmax
# training), trains each for EPOCHS epochs on a synthetic cohort of INFANTS infants with
# 60-second recordings (the synth default), and does so in three arrangements of this machine's
# cores: 1 rank x 1 thread, 1 rank x all cores, one rank per core x 1 thread. Prints per
# arrangement the students per hour, the training windows per second of the whole run, and the
# share of the students' time in data loading, forward, backward, optimizer and validation
# (weighted by each student's time; from the students' log lines); students refused as too large
# for a rank's memory are counted apart. The same seed draws the same
# students, so figures of two builds compare; figures of two CPUs need lscpu beside them.
# On a GPU node the ranks train on its GPUs (--device auto; rank r takes GPU r mod the visible
# ones), so "1x2 2x2 4x2 8x2" measures 1 to 8 students sharing one GPU.
# Usage: bench/students_per_hour.sh LABEL [BUILD_DIR]   (STUDENTS=8 EPOCHS=2 INFANTS=60;
# ARRANGEMENTS="1x1 1xall allx1" picks the arrangements: RANKSxTHREADS, each a number or all)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
label=$1
cpnas=$(realpath "${2:-build}")/cpnas
students=${STUDENTS:-8}
epochs=${EPOCHS:-2}
infants=${INFANTS:-60}
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cpnas" synth --out "$work/cohort.h5" --infants "$infants" --cp-fraction 0.3 --seed 7 \
  --log-level warn
# Training windows per epoch: 30 parts per CP recording of the train split, 5 per other one.
per_epoch=$("$cpnas" cohort info --json "$work/cohort.h5" 2>/dev/null |
  python3 -c 'import json,sys; t=json.load(sys.stdin)["splits"]["train"]; print(30*t.get("cp",0)+5*t.get("no_cp",0))')

echo "students per hour, $label: $students students of jobs/paper-search.ini (seed 1234), $epochs" \
  "epochs, $per_epoch training windows per epoch, $infants infants, $cores cores"
printf '%-24s %9s %12s  %s\n' arrangement students/h windows/s "time shares (data, forward, backward, optimizer, validation)"
run() {  # name ranks threads
  local name=$1 ranks=$2 threads=$3
  local slug=${ranks}x${threads} start end
  local dir="$work/run-$slug"
  start=$(date +%s.%N)
  # Open MPI binds each rank to one core when it starts 2 or fewer ranks: a rank's threads would
  # share that core. Unbound, the kernel places ranks and threads on the cores.
  mpirun -n "$ranks" --bind-to none "$cpnas" search --job jobs/paper-search.ini --data "$work/cohort.h5" \
    --run-dir "$dir" --threads "$threads" --log-level info \
    --search.strategy=random --search.max_iterations=1 --search.warmup_rollouts="$students" \
    --search.student_epochs="$epochs" --search.argmax_epochs=0 --train.early_stop_epoch=0 \
    >"$work/$slug.log" 2>&1 || { tail -5 "$work/$slug.log"; exit 1; }
  end=$(date +%s.%N)
  python3 - "$work/$slug.log" "$start" "$end" "$students" "$epochs" "$per_epoch" "$name" <<'PY'
import re, sys
log, start, end, students, epochs, per_epoch, name = sys.argv[1:]
wall = float(end) - float(start)
pattern = re.compile(r"\] student \d+: validation subject AUC [\d.]+, \d+ epochs, ([\d.]+) s \("
                     r"data (\d+) %, forward (\d+) %, backward (\d+) %, optimizer (\d+) %, "
                     r"validation (\d+) %\)")
weighted, total = [0.0] * 5, 0.0
done = 0
for line in open(log):
    m = pattern.search(line)
    if not m:
        continue
    done += 1
    seconds = float(m.group(1))
    total += seconds
    for k in range(5):
        weighted[k] += seconds * float(m.group(k + 2))
# Students that would not fit in a rank's memory are refused before they train.
refused = [line.split("] ", 3)[-1].strip() for line in open(log)
           if re.search(r"\] student \d+ failed: needs about", line)]
for line in refused:
    print(f"  refused: {line}")
refused = len(refused)
if done + refused != int(students):
    sys.exit(f"{name}: {done} of {students} students finished (see the log)")
shares = ", ".join(f"{w / total:.0f} %" for w in weighted)
windows = done * int(epochs) * int(per_epoch)
note = f", {refused} refused: too large for a rank's memory" if refused else ""
print(f"{name:<24} {3600 * done / wall:9.1f} {windows / wall:12.2f}  {shares}   ({wall:.0f} s{note})")
PY
}
for arrangement in ${ARRANGEMENTS:-1x1 1xall allx1}; do
  ranks=${arrangement%%x*} threads=${arrangement#*x}
  [ "$ranks" = all ] && ranks=$cores
  [ "$threads" = all ] && threads=$cores
  if ! [[ $ranks =~ ^[1-9][0-9]*$ && $threads =~ ^[1-9][0-9]*$ ]]; then
    echo "unknown arrangement '$arrangement' (RANKSxTHREADS, each a number or all)" >&2
    exit 2
  fi
  run "$ranks rank$([ "$ranks" = 1 ] || echo s) x $threads thread$([ "$threads" = 1 ] || echo s)" \
    "$ranks" "$threads"
done
