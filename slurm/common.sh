# Sourced by the sbatch scripts: site settings and the paths to cpnas. Change these for a site
# (or set them in the environment before sbatch; sbatch passes the environment on).
#   CPNAS_HOME      the cpnas checkout (default: the directory sbatch was run from)
#   CPNAS           the cpnas executable (default: cpnas on PATH, else $CPNAS_HOME/build/cpnas)
#   CPNAS_MODULES   environment modules to load, e.g. "openmpi/4.1 cuda/12.4"
#   CPNAS_LAUNCHER  how to start the ranks: "mpirun" (default) or "srun --mpi=pmix"
CPNAS_HOME=${CPNAS_HOME:-${SLURM_SUBMIT_DIR:-$PWD}}
if [[ -n ${CPNAS_MODULES:-} ]]; then
  # shellcheck disable=SC2086
  module load $CPNAS_MODULES
fi
CPNAS=${CPNAS:-$(command -v cpnas || echo "$CPNAS_HOME/build/cpnas")}
read -r -a launcher <<< "${CPNAS_LAUNCHER:-mpirun}"
# Open MPI reads the allocation itself (hosts, slots); srun needs Slurm built with PMIx.
if [[ ${launcher[0]} == mpirun && $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Open MPI binds two or fewer ranks to one core each (--cpus-per-task or not), more to a socket.
# Unbound, every rank may run on the job's CPUs on its node, and cpnas gives each rank its share
# of them (the log's "N threads"). A launcher given with its own binding keeps it.
if [[ ${launcher[0]} == mpirun && " ${launcher[*]} " != *" --bind-to "* &&
      " ${launcher[*]} " != *" --map-by "* ]]; then
  launcher+=(--bind-to none)
fi
echo "[$(date '+%F %T')] job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}):" \
  "${SLURM_NTASKS:-1} tasks x ${SLURM_CPUS_PER_TASK:-1} CPUs on ${SLURM_JOB_NODELIST:-?}," \
  "GPUs ${CUDA_VISIBLE_DEVICES:-none}, cpnas $CPNAS, launcher ${launcher[*]}"
