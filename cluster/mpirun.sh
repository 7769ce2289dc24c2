#!/usr/bin/env bash
# Launch helper: cluster/mpirun.sh -n N PROGRAM ARGS...
# * as root, sets OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) (Open MPI refuses root otherwise);
# * adds --oversubscribe when N exceeds the cores of this machine;
# * --bind-to none, so that BLAS threads of a rank are not pinned to one core;
# * -q: no Open MPI banner after a nonzero exit, so a qglass refusal is its
#   one line (status 2); for any status other than 0, 2 and 75 this script
#   prints one line of its own instead (e.g. a rank killed by a signal);
# * turns SIGTERM/SIGINT/SIGUSR1 sent to this script into SIGUSR1 for mpirun,
#   which Open MPI forwards to every rank: qglass then finishes its in-flight
#   tasks, closes its HDF5 file collectively and exits with status 75, and so
#   does this script. (SIGTERM sent to mpirun itself is Open MPI's job kill:
#   it SIGKILLs the ranks about a second later and exits 1; signal this script,
#   or send SIGUSR1 to mpirun.)
set -uo pipefail
if [ "${1:-}" != "-n" ] || [ -z "${2:-}" ]; then
  echo "usage: $0 -n N PROGRAM [ARGS...]" >&2
  exit 2
fi
n=$2
shift 2
flags=(-q -n "$n" --bind-to none)
if [ "$n" -gt "$(nproc)" ]; then flags+=(--oversubscribe); fi
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mpirun "${flags[@]}" "$@" &
child=$!
forward() { kill -USR1 "$child" 2>/dev/null; }
trap forward TERM INT USR1
while true; do
  wait "$child"
  status=$?
  # wait returns >128 when interrupted by a trapped signal; keep waiting.
  if kill -0 "$child" 2>/dev/null; then continue; fi
  case $status in
    0|2|75) ;;
    *) if [ "$status" -gt 128 ]; then
         echo "cluster/mpirun.sh: mpirun exited with status $status (a process was killed by signal $((status - 128)))" >&2
       else
         echo "cluster/mpirun.sh: mpirun exited with status $status" >&2
       fi ;;
  esac
  exit "$status"
done
