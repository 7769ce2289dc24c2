#!/usr/bin/env bash
# Installs what qglass needs on Debian 12: Open MPI, ScaLAPACK/BLACS, OpenBLAS,
# parallel HDF5, SLEPc/PETSc with MUMPS (the mid-spectrum solver), SLURM +
# munge (for the local test cluster), and the Python
# packages of the plotting script and tests. Idempotent. Needs root or sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else echo "install-deps: run as root or install sudo" >&2; exit 1; fi
fi
packages=(libopenmpi-dev openmpi-bin libscalapack-openmpi-dev libopenblas-dev libhdf5-openmpi-dev hdf5-tools
          libslepc-real3.18-dev libpetsc-real3.18-dev pkg-config slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
python3 -m pip --version >/dev/null 2>&1 || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip; }
pyflags=()
python3 -m pip install --help 2>/dev/null | grep -q -- --break-system-packages && pyflags+=(--break-system-packages)
python3 - <<'PY' 2>/dev/null || python3 -m pip install -q "${pyflags[@]}" h5py matplotlib numpy scipy pytest
import h5py, matplotlib, numpy, scipy, pytest
PY
echo "install-deps: ok"
