#!/usr/bin/env bash
# The README's second command: build and run every test (Swift unit tests,
# MPI tests that launch the built executable under mpirun, Python tests).
# Needs the dependencies from cluster/install-deps.sh.
#
# The unit tests run in a debug build; the tests that launch qglass (under
# mpirun, from Swift and from Python) launch the release binary that users
# run (.build/release/qglass, the one cluster/demo.sh builds): it keeps
# Swift's overflow and bounds checks, and is several times faster than the
# debug one, which keeps the suite within CI's time. The MPI wrapper selftest
# (qglass-mpi-selftest) is built in release beside it, because the tests look
# for it next to the qglass they launch. QGLASS_BIN, where set, names another
# binary (with its qglass-mpi-selftest in the same folder).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Keep OPENBLAS_CORETYPE as the machine sets it; one BLAS thread per rank.
swift build --build-tests
swift build -c release --product qglass
swift build -c release --product qglass-mpi-selftest
export QGLASS_BIN="${QGLASS_BIN:-$here/.build/release/qglass}"
echo "tests launch $QGLASS_BIN"
swift test --skip-build
python3 -m pytest -q Tests/Python
