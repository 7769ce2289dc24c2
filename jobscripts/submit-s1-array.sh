#!/usr/bin/env bash
# Submit the S1 finite-size campaign as a job array over L plus a reduce job
# that runs after every array task succeeded (--dependency=afterok).
#   jobscripts/submit-s1-array.sh CONFIG.toml "8 9 10" runs/prefix [extra sbatch args for the array]
# Production: GROUP_SIZES="15:4 16:16" jobscripts/submit-s1-array.sh jobscripts/s1-fss-production.toml \
#     "8 9 10 11 12 13 14 15 16" runs/s1-fss --ntasks=256 --time=24:00:00
set -euo pipefail
config=$1; sizes=$2; prefix=$3; shift 3
n=$(wc -w <<< "$sizes")
array=$(sbatch --parsable --array=0-$((n - 1)) "$@" jobscripts/s1-array.sbatch "$config" "$sizes" "$prefix")
reduce=$(sbatch --parsable --dependency=afterok:"$array" jobscripts/s1-reduce.sbatch "$prefix")
echo "array job $array, reduce job $reduce"
