#!/usr/bin/env bash
# requeue.sh COMMAND...: runs COMMAND (a launcher such as mpirun or srun with cpnas) from an sbatch
# script and keeps the work going across allocations:
#   - SIGUSR2 (what `#SBATCH --signal=B:USR2@300` sends before the time limit, or a site's
#     pre-emption) and SIGTERM are passed on to COMMAND, whose cpnas ranks stop at their next batch
#     with a checkpoint and exit status 99;
#   - on exit status 99 the job is requeued (`scontrol requeue`), and the next run of the same
#     sbatch script resumes from the checkpoint;
#   - any other status is the job's status.
set -uo pipefail

log() { echo "[$(date '+%F %T')] requeue.sh: $*"; }

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
