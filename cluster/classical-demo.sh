#!/usr/bin/env bash
# The small configs of the classical studies (S2 fields, S3 avalanche, S4 two-flip,
# S7 parallel tempering) on 2 MPI ranks, each reduced and plotted: ~6 minutes.
#   bash cluster/classical-demo.sh [s2 s3 s4 s7]     (default: all four; build first)
set -euo pipefail
cd "$(dirname "$0")/.."
Q=.build/release/qglass
[ -x "$Q" ] || swift build -c release
declare -A config=([s2]=s2-fields-small [s3]=s3-avalanche-small [s4]=s4-twoflip-small [s7]=s7-tempering-small)
mkdir -p runs
for s in "${@:-s2 s3 s4 s7}"; do
  for k in $s; do
    c=${config[$k]:?unknown study $k; use s2 s3 s4 s7}
    bash cluster/mpirun.sh -n 2 "$Q" run "jobscripts/$c.toml" --out "runs/$c.h5" --force
    "$Q" reduce "runs/$c.h5" --out "runs/$c-reduced.h5" --force
    "$Q" plot "runs/$c-reduced.h5" --out runs/classical-figures
  done
done
echo "[classical-demo] figures: runs/classical-figures/"
