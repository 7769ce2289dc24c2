#!/usr/bin/env bash
# Submit a classical study as a job array over L plus a dependent reduce + plot job.
#   jobscripts/submit-array.sh SCRIPT.sbatch CONFIG.toml TABLE "sizes" "realizations per size" runs/prefix [sbatch args]
# (see the headers of s2-fields.sbatch and s7-tempering.sbatch; s1-reduce.sbatch reduces any study).
set -euo pipefail
script=$1; config=$2; table=$3; sizes=$4; counts=$5; prefix=$6; shift 6
n=$(wc -w <<< "$sizes")
array=$(sbatch --parsable --array=0-$((n - 1)) "$@" "$script" "$config" "$table" "$sizes" "$counts" "$prefix")
reduce=$(sbatch --parsable --dependency=afterok:"$array" jobscripts/s1-reduce.sbatch "$prefix")
echo "array job $array, reduce job $reduce"
