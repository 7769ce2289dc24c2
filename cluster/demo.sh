#!/usr/bin/env bash
# The README's first command: install the Debian/PyPI dependencies, build
# qglass (release), run the small S1 campaign on 2 MPI ranks and print the
# mid-spectrum <r> and <m_EA> per h_x.
#   bash cluster/demo.sh            # everything
#   SKIP_INSTALL=1 bash cluster/demo.sh
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
echo "[demo] campaign wall time: $(( $(date +%s) - start )) s; output: runs/s1-demo.h5"
