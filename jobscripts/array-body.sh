#!/usr/bin/env bash
# Body of the classical array jobs (s2-fields.sbatch, s7-tempering.sbatch): array task i runs
# CONFIG with TABLE.L = [size i] and campaign.realizations = [count i] into PREFIX-L{size}.h5.
#   array-body.sh CONFIG TABLE "200 500 1000" "100000 30000 10000" PREFIX
# PER_SIZE="128:tempering.stages=6 256:tempering.stages=8" adds --set overrides for one size.
# Exec'd by the batch shell, so SLURM's signals reach the traps of qglass_step.
set -uo pipefail
source "${SLURM_SUBMIT_DIR:-.}/jobscripts/lib.sh"
config=$1; table=$2; prefix=$5
read -r -a sizes <<< "$3"
read -r -a counts <<< "$4"
i=${SLURM_ARRAY_TASK_ID:-0}
L=${sizes[$i]}; n=${counts[$i]:-${counts[-1]}}
extra=()
for pair in ${PER_SIZE:-}; do [ "${pair%%:*}" = "$L" ] && extra+=(--set "${pair#*:}"); done
out="$prefix-L$L.h5"
mkdir -p "$(dirname "$out")"
echo "[qglass job] array ${SLURM_ARRAY_JOB_ID:-local}_$i: $table L=$L, $n realizations, $NTASKS ranks -> $out"
qglass_step bash cluster/mpirun.sh -n "$NTASKS" "$QGLASS" run "$config" --set "$table.L=[$L]" \
  --set "campaign.realizations=$n" "${extra[@]}" --out "$out" --resume
