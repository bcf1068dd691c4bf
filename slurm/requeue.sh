#!/usr/bin/env bash
# requeue.sh [--stop-record FILE] COMMAND...: runs COMMAND (a launcher such as mpirun or srun with
# cpnas) from an sbatch script and keeps the work going across allocations:
#   - SIGUSR2 (what `#SBATCH --signal=B:USR2@300` sends before the time limit, or a site's
#     pre-emption) and SIGTERM (scancel, pre-emption) are passed on to COMMAND, whose cpnas ranks
#     stop at their next batch with a checkpoint and exit status 99;
#   - the launcher may not return that 99 (mpirun exits 1 after passing a SIGTERM on), so cpnas
#     also records a completed stop in FILE (RUN_DIR/stopped for a search, MODEL.stopped for a
#     training); the stop counts when the status is 99 or FILE was written by this run;
#   - on such a stop the job is requeued (`scontrol requeue`), and the next run of the same sbatch
#     script resumes from the checkpoint;
#   - any other status is the job's status.
set -uo pipefail

log() { echo "[$(date '+%F %T')] requeue.sh: $*"; }

stop_record=
if [[ ${1:-} == --stop-record ]]; then
  stop_record=$2
  shift 2
  rm -f -- "$stop_record"  # a record from an earlier run says nothing about this one
fi

"$@" &
child=$!
forward() {
  log "received SIG$1: passing it on to cpnas (pid $child)"
  kill -s "$1" "$child" 2> /dev/null || true
}
trap 'forward USR2' USR2
trap 'forward TERM' TERM

# `wait` returns early when a trapped signal arrives: wait again until the command has ended.
status=0
while true; do
  wait "$child"
  status=$?
  kill -0 "$child" 2> /dev/null || break
done

if [[ $status -ne 99 && -n $stop_record && -f $stop_record ]]; then
  log "the launcher exited with status $status, but cpnas recorded a stop with a checkpoint" \
    "($stop_record): treating it as status 99"
  status=99
fi

if [[ $status -eq 99 ]]; then
  if [[ -n ${SLURM_JOB_ID:-} ]]; then
    log "cpnas stopped with a checkpoint (status 99): requeueing job $SLURM_JOB_ID" \
      "(restart ${SLURM_RESTART_COUNT:-0} ends here)"
    scontrol requeue "$SLURM_JOB_ID"
    exit 0
  fi
  log "cpnas stopped with a checkpoint (status 99); not in a SLURM job: resume by hand"
fi
exit "$status"
