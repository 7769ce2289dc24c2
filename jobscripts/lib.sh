# Shared by the qglass SLURM scripts (sourced, not run).
#
# qglass_step CMD...  runs CMD (an MPI launch) in the background and waits for
# it. SLURM's warning signal (--signal=B:USR1@T sends USR1 to this batch shell
# T seconds before the limit) and a plain TERM are forwarded as USR1, which
# cluster/mpirun.sh passes to every rank: qglass then finishes its in-flight
# tasks, closes its HDF5 file and exits with status 75. If that happens and
# QGLASS_REQUEUE is not 0, the job requeues itself; the requeued run resumes
# the same output (every script passes --resume), so no task is lost or
# computed twice. Returns CMD's status.
#
# Only the warning signal gives a clean stop: SLURM's own TERM at the time
# limit reaches every process of the job, Open MPI's mpirun included, and
# mpirun answers TERM by SIGKILLing the ranks about a second later (status 1,
# the file as after a kill: the next run resumes it and takes over the stale
# lock <out>.lock). Give --signal=B:USR1@T a T longer than the longest task.
#
# Once CMD has returned, the warning signal has nothing left to save: the
# batch shell ignores USR1 from then on (and so do the reduce and plot steps
# it starts), instead of dying of it, so a warning that arrives during them
# neither fails the job nor cuts the figures short. TERM keeps its default.
qglass_step() {
  "$@" &
  local child=$! status
  trap 'kill -USR1 "$child" 2>/dev/null' USR1 TERM
  while true; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
  done
  trap - TERM
  trap '' USR1
  if [ "$status" = 75 ] && [ -n "${SLURM_JOB_ID:-}" ] && [ "${QGLASS_REQUEUE:-1}" != 0 ]; then
    echo "[qglass job] stopped before the time limit; requeueing job ${SLURM_JOB_ID}"
    scontrol requeue "$SLURM_JOB_ID" || echo "[qglass job] scontrol requeue failed; resubmit this script to resume" >&2
  fi
  return "$status"
}

# Where things are: the submit directory is the repository root.
cd "${SLURM_SUBMIT_DIR:-.}"
QGLASS=${QGLASS:-$PWD/.build/release/qglass}
NTASKS=${SLURM_NTASKS:-2}
