#!/usr/bin/env bash
# The README's first command: install the Debian/PyPI dependencies, build
# qglass (release), run the small S1 campaign on 2 MPI ranks, reduce it
# (disorder averages, crossings, collapse) and draw the figures.
#   bash cluster/demo.sh                  # everything
#   SKIP_INSTALL=1 bash cluster/demo.sh   # dependencies already installed
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  bash cluster/install-deps.sh
fi
swift build -c release
mkdir -p runs
start=$(date +%s)
bash cluster/mpirun.sh -n 2 .build/release/qglass run jobscripts/s1-demo.toml --out runs/s1-demo.h5 --force
bash cluster/mpirun.sh -n 2 .build/release/qglass reduce runs/s1-demo.h5 --out runs/s1-demo-reduced.h5 --force
.build/release/qglass plot runs/s1-demo-reduced.h5 --out runs/figures
echo "[demo] wall time $(( $(date +%s) - start )) s"
echo "[demo] campaign: runs/s1-demo.h5   reduced: runs/s1-demo-reduced.h5   figures: runs/figures/"
