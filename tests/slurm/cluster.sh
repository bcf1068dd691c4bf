#!/usr/bin/env bash
# A single-node SLURM cluster for the tests, in a state directory of its own:
#   cluster.sh start DIR   installs slurm-wlm and munge if missing, writes DIR/slurm.conf for this
#                          machine (CPUs from nproc, memory from free, node name from hostname -s),
#                          starts munged, slurmctld and slurmd, waits until the node is idle
#   cluster.sh stop DIR    stops the three daemons (idempotent)
# Commands then need SLURM_CONF=DIR/slurm.conf. Runs as root (CI, containers).
set -euo pipefail
action=$1
dir=$(realpath -m "$2")

stop() {
  for name in slurmd slurmctld munged; do
    if [[ -f "$dir/$name.pid" ]]; then
      kill "$(cat "$dir/$name.pid")" 2> /dev/null || true
    fi
  done
  sleep 1
  for name in slurmd slurmctld munged; do
    if [[ -f "$dir/$name.pid" ]]; then
      kill -9 "$(cat "$dir/$name.pid")" 2> /dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

if [[ $action == stop ]]; then
  stop
  exit 0
fi
[[ $action == start ]] || { echo "usage: cluster.sh start|stop DIR" >&2; exit 2; }

if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge > /dev/null
fi
stop
rm -rf "$dir"
mkdir -p "$dir"/{state,spool,munge,log}
host=$(hostname -s)
cpus=$(nproc)
memory=$(free -m | awk '/^Mem:/ { print int($2 * 0.8) }')

# munge: a key of our own and a socket in the state directory, so a site munged is not touched.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
chmod 700 "$dir/munge"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"

cat > "$dir/slurm.conf" << CONF
ClusterName=cpnas-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobRequeue=1
MinJobAge=3600
KillWait=10
SchedulerParameters=defer_batch=0
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  if sinfo -h -o %t 2> /dev/null | grep -qE '^idle'; then
    echo "cluster up: $host, $cpus CPUs, $memory MB (SLURM_CONF=$SLURM_CONF)"
    exit 0
  fi
  sleep 1
done
echo "cluster.sh: the node did not come up; logs in $dir/log" >&2
sinfo >&2 || true
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
exit 1
