#!/usr/bin/env bash
# The README's second command: build and run every test (Swift unit tests,
# MPI tests that launch the built executable under mpirun, Python tests).
# Needs the dependencies from cluster/install-deps.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Keep OPENBLAS_CORETYPE as the machine sets it; one BLAS thread per rank.
swift build --build-tests
swift test --skip-build
QGLASS_BIN="$here/.build/debug/qglass" python3 -m pytest -q Tests/Python
