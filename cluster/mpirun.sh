#!/usr/bin/env bash
# Launch helper: cluster/mpirun.sh -n N PROGRAM ARGS...
# * as root, sets OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) (Open MPI refuses root otherwise);
# * adds --oversubscribe when N exceeds the cores of this machine;
# * --bind-to none, so that BLAS threads of a rank are not pinned to one core;
# * -q: no Open MPI banner after a nonzero exit, so a qglass refusal is its
#   one line (status 2); for any status other than 0, 2 and 75 this script
#   prints one line of its own instead (e.g. a rank killed by a signal);
# * starts mpirun in a session of its own (setsid), with stdin from
#   /dev/null: a terminal's Ctrl-C (SIGINT to the whole foreground process
#   group) then reaches only this script, never mpirun (whose own answer to
#   SIGINT or SIGTERM is a job kill: ranks SIGKILLed a second later, status 1)
#   nor the ranks;
# * turns the first SIGINT, SIGTERM, SIGUSR1 or SIGHUP sent to this script
#   into SIGUSR1 for mpirun, which Open MPI forwards to every rank: qglass
#   then finishes its in-flight tasks, closes its HDF5 file collectively and
#   exits with status 75, and so does this script. A second SIGINT (Ctrl-C
#   again) aborts: this script sends SIGTERM to mpirun (Open MPI's job kill)
#   and exits with 130. A repeated TERM, USR1 or HUP changes nothing (scancel
#   and SLURM's time limit signal every process of the job, this script and
#   its batch shell's forward among them: that is one stop request). Completed
#   tasks stay in the file either way; --resume continues it.
set -uo pipefail
if [ "${1:-}" != "-n" ] || [ -z "${2:-}" ]; then
  echo "usage: $0 -n N PROGRAM [ARGS...]" >&2
  exit 2
fi
# A caller that ignores SIGINT (a background job of a non-interactive shell
# starts so) passes that on, and bash cannot trap a signal ignored on entry:
# start again once with SIGINT at its default, so that Ctrl-C reaches the trap.
if [ -n "$(trap -p INT)" ] && [ -z "${QGLASS_MPIRUN_SH_REEXEC:-}" ] && env --default-signal=INT true 2>/dev/null; then
  QGLASS_MPIRUN_SH_REEXEC=1 exec env --default-signal=INT bash "${BASH_SOURCE[0]}" "$@"
fi
unset QGLASS_MPIRUN_SH_REEXEC
n=$2
shift 2
flags=(-q -n "$n" --bind-to none)
if [ "$n" -gt "$(nproc)" ]; then flags+=(--oversubscribe); fi
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Stop signals are trapped before mpirun starts: one that arrives earlier
# starts nothing (status 75), and none can leave an mpirun running unwatched.
child=
stops=0
aborted=0
on_signal() {
  stops=$((stops + 1))
  [ -n "$child" ] || return 0
  if [ "$stops" = 1 ]; then
    kill -USR1 "$child" 2>/dev/null
  elif [ "$1" = "$(kill -l INT)" ] && [ "$aborted" = 0 ]; then
    aborted=$((128 + $1))
    echo "cluster/mpirun.sh: second Ctrl-C: aborting the run (completed tasks stay in the file; --resume continues it)" >&2
    kill -TERM "$child" 2>/dev/null
  fi
}
for sig in INT TERM USR1 HUP; do
  trap "on_signal $(kill -l "$sig")" "$sig"
done
if [ "$stops" != 0 ]; then
  echo "cluster/mpirun.sh: stop requested before mpirun started; nothing was run" >&2
  exit 75
fi
# setsid execs mpirun in place here (a background child of a script is no
# process group leader), so $! is mpirun's PID. Outside a SLURM job only: a
# terminal's Ctrl-C must not reach mpirun, while inside a job SLURM tracks the
# job's processes (by process group where proctrack/pgid is used), and a new
# session would escape its cancel.
if [ -z "${SLURM_JOB_ID:-}" ] && command -v setsid >/dev/null 2>&1; then
  setsid mpirun "${flags[@]}" "$@" </dev/null &
else
  mpirun "${flags[@]}" "$@" </dev/null &
fi
child=$!
# A signal between the start and the line above was counted but not sent.
if [ "$stops" != 0 ]; then kill -USR1 "$child" 2>/dev/null; fi
while true; do
  wait "$child"
  status=$?
  # wait returns >128 when interrupted by a trapped signal; keep waiting.
  if kill -0 "$child" 2>/dev/null; then continue; fi
  # mpirun ended while the wait was interrupted: collect its own status
  # (127: the interrupted wait had it already, it stands).
  if [ "$status" -gt 128 ]; then
    wait "$child"; again=$?
    [ "$again" = 127 ] || status=$again
  fi
  # A stop forwarded before mpirun installed its own USR1 handler ends mpirun
  # by USR1's default action before any rank started: nothing ran.
  if [ "$stops" != 0 ] && [ "$aborted" = 0 ] && [ "$status" = $((128 + $(kill -l USR1))) ]; then
    echo "cluster/mpirun.sh: stop requested while mpirun was starting; it ended before the run began (--resume or a new run starts it)" >&2
    exit 75
  fi
  case $status in
    0|2|75) ;;
    *) if [ "$aborted" != 0 ]; then
         exit "$aborted"
       elif [ "$status" -gt 128 ]; then
         echo "cluster/mpirun.sh: mpirun exited with status $status (a process was killed by signal $((status - 128)))" >&2
       else
         echo "cluster/mpirun.sh: mpirun exited with status $status" >&2
       fi ;;
  esac
  exit "$status"
done
