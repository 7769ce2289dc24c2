#!/usr/bin/env bash
# Body of the single-job scripts of the classical studies: campaign (resumable), reduce, figures.
#   run-reduce-plot.sh CONFIG OUT.h5
set -uo pipefail
source "${SLURM_SUBMIT_DIR:-.}/jobscripts/lib.sh"
config=$1; out=$2
mkdir -p "$(dirname "$out")"
echo "[qglass job] ${SLURM_JOB_ID:-local} on $(hostname): $NTASKS ranks, $config -> $out (restart count ${SLURM_RESTART_COUNT:-0})"
qglass_step bash cluster/mpirun.sh -n "$NTASKS" "$QGLASS" run "$config" --out "$out" --resume || exit $?
"$QGLASS" reduce "$out" --out "${out%.h5}-reduced.h5" --force
"$QGLASS" plot "${out%.h5}-reduced.h5" --out "${out%.h5}-figures"
