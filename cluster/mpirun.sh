#!/usr/bin/env bash
# Launch helper: cluster/mpirun.sh -n N PROGRAM ARGS...
# * as root, sets OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM) (Open MPI refuses root otherwise);
# * adds --oversubscribe when N exceeds the cores of this machine;
# * --bind-to none, so that BLAS threads of a rank are not pinned to one core;
# * turns SIGTERM/SIGINT/SIGUSR1 sent to this script into SIGUSR1 for mpirun,
#   which Open MPI forwards to every rank: qglass then finishes its in-flight
#   tasks, closes its HDF5 file collectively and exits with status 75
#   (plain SIGTERM to mpirun kills the ranks without that grace).
set -uo pipefail
if [ "${1:-}" != "-n" ] || [ -z "${2:-}" ]; then
  echo "usage: $0 -n N PROGRAM [ARGS...]" >&2
  exit 2
fi
n=$2
shift 2
flags=(-n "$n" --bind-to none)
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
  exit "$status"
done
