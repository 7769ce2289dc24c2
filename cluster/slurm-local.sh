#!/usr/bin/env bash
# A private one-node SLURM cluster on this machine, for the tests and for
# trying the job scripts without a cluster (Debian's slurm-wlm + munge).
#   cluster/slurm-local.sh start    # start munged, slurmctld, slurmd; wait for the node
#   cluster/slurm-local.sh status   # sinfo + squeue
#   cluster/slurm-local.sh stop     # stop the daemons by PID (never by name)
# All state lives in $QGLASS_SLURM_DIR (default /tmp/qglass-slurm); after
# `start`, `source $QGLASS_SLURM_DIR/env.sh` points sbatch & co at it.
# Choices for a container without systemd or cgroups: proctrack/linuxproc,
# task/none, no accounting; SIGTERM precedes SIGKILL by KillWait = 10 s.
set -euo pipefail
dir=${QGLASS_SLURM_DIR:-/tmp/qglass-slurm}
conf=$dir/slurm.conf
socket=$dir/munge/munge.socket
host=$(hostname -s)

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_config() {
  mkdir -p "$dir"/{munge,state,spool,log}
  chmod 711 "$dir/munge"   # munged wants the socket folder traversable
  local cpus mem
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) - 1024 ))
  cat > "$conf" <<CONF
ClusterName=qglass-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmctldPort=${QGLASS_SLURM_PORT:-16817}
SlurmdPort=$(( ${QGLASS_SLURM_PORT:-16817} + 1 ))
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
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
KillWait=10
OverTimeLimit=0
InactiveLimit=0
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  rm -f "$dir/cgroup.conf"   # no cgroup.conf: proctrack/linuxproc and task/none need no cgroups
  cat > "$dir/env.sh" <<ENV
export SLURM_CONF=$conf
ENV
}

start() {
  if pid_alive "$dir/slurmctld.pid" && pid_alive "$dir/slurmd.pid"; then
    echo "slurm-local: already running (SLURM_CONF=$conf)"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  write_config
  if [ ! -f "$dir/munge/munge.key" ]; then
    dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" status=none
    chmod 400 "$dir/munge/munge.key"
  fi
  munged --force --key-file="$dir/munge/munge.key" --socket="$socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
  export SLURM_CONF=$conf
  slurmctld -f "$conf"
  slurmd -f "$conf"
  for _ in $(seq 1 60); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "slurm-local: up; node $host idle. Use: export SLURM_CONF=$conf  (or: source $dir/env.sh)"
      return 0
    fi
    sleep 0.5
  done
  echo "slurm-local: the node did not become idle; last log lines:" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  return 1
}

stop() {
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if pid_alive "$f"; then
      local p; p=$(cat "$f")
      kill -TERM "$p" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$p" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  echo "slurm-local: stopped"
}

status() {
  export SLURM_CONF=$conf
  sinfo && squeue
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
