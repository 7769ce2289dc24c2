#!/usr/bin/env bash
# One command for the benchmark harness: builds qglass (release), installs the
# peers (QuSpin, threadpoolctl) if missing and runs Benchmarks/harness.py,
# which prints the ratios and writes the tables into docs/performance.md.
#   bash Benchmarks/run.sh [--sizes 10,12,14] [--repeats 3] [--no-write]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
python3 -c "import quspin, threadpoolctl" 2>/dev/null || python3 -m pip install -q quspin threadpoolctl
python3 Benchmarks/harness.py "$@"
