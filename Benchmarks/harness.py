#!/usr/bin/env python3
"""qglass vs its peers on the same work, in one run on one machine.

    bash Benchmarks/run.sh [--sizes 10,12,14] [--repeats 3]

For each L: qglass runs `--repeats` realizations (both parity sectors,
eigenvectors, r, m_EA, HDF5 write) with the machine fully used by one rank
(2 BLAS threads); the peers (numpy, scipy evd/evr, QuSpin) rebuild the same
realization from the stored J and run build + eigh + observables with their
default threading (all cores). Then throughput (-n 1 vs -n 2), ScaLAPACK
group of 2 vs LAPACK, DGEMM roofline, and the per-stage profile. Medians;
ratios are peer time / qglass time. Writes the tables into
docs/performance.md between the BENCHMARK markers.
"""
import argparse
import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
QGLASS = str(ROOT / ".build" / "release" / "qglass")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
CORES = os.cpu_count()


def run(cmd, env=ENV):
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
    return res.stdout


def campaign(tmp, name, L, realizations, ranks, threads, group=1, seed=1):
    out = str(tmp / f"{name}.h5")
    t0 = datetime.datetime.now()
    run(["bash", "cluster/mpirun.sh", "-n", str(ranks), QGLASS, "ed", "--L", str(L), "--alpha", "0.7", "--hx", "0.5",
         "--realizations", str(realizations), "--seed", str(seed), "--group-size", str(group),
         "--blas-threads", str(threads), "--out", out, "--force"])
    wall = (datetime.datetime.now() - t0).total_seconds()
    with h5py.File(out, "r") as f:
        g = f[f"lrsg/L{L}"]
        per = {k: g[k][:] for k in ("wall_seconds", "write_seconds", "seconds_build", "seconds_solve", "seconds_observables")}
    return out, wall, per


def median_task(per):
    return float(np.median(per["wall_seconds"] + per["write_seconds"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,12,14")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--throughput-L", type=int, default=12)
    ap.add_argument("--scalapack-L", type=int, default=14)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="qglass-bench-"))
    sizes = [int(x) for x in a.sizes.split(",")]
    lines = []
    info = json.loads(run([QGLASS, "bench", "--gemm-n", "2048", "--eig-n", "0", "--threads", str(CORES)]))
    info1 = json.loads(run([QGLASS, "bench", "--gemm-n", "2048", "--eig-n", "0", "--threads", "1"]))
    dgemm = info["dgemm_gflops"]
    core = info["blas_core"]
    print(f"BLAS kernel {core}; DGEMM n=2048: {dgemm:.1f} GFLOP/s with {CORES} threads, {info1['dgemm_gflops']:.1f} with 1", flush=True)

    # 1. Per-realization pipeline vs peers.
    rows = []
    profile = []
    for L in sizes:
        reps = a.repeats if L < 14 else 1   # L >= 14: one realization (minutes each)
        out, _, per = campaign(tmp, f"pipe{L}", L, reps, 1, CORES)
        q = median_task(per)
        D = 2 ** (L - 1)
        solve = float(np.median(per["seconds_solve"]))
        frac = 2 * (10 / 3) * D**3 / solve / 1e9 / dgemm
        profile.append((L, float(np.median(per["seconds_build"])), solve, float(np.median(per["seconds_observables"])),
                        float(np.median(per["write_seconds"])), frac))
        peers = {}
        txt = run([sys.executable, "Benchmarks/peers.py", out, "--L", str(L), "--repeats", str(reps)])
        for line in txt.splitlines():
            r = json.loads(line)
            peers[r["peer"]] = r
        row = [L, q] + [peers.get(p, {}).get("seconds", float("nan")) for p in ("numpy", "scipy-evd", "scipy-evr", "quspin")]
        rows.append(row)
        agree = max((p.get("max_abs_energy_diff") or 0) for p in peers.values() if "seconds" in p)
        print(f"L={L}: qglass {q:.3f} s/realization; " + ", ".join(f"{k} {v.get('seconds', float('nan')):.3f} s" for k, v in peers.items())
              + f"; spectra agree to {agree:.1e}", flush=True)

    # 2. Throughput: one rank with all threads vs one rank per core.
    Lt = a.throughput_L
    n = 4 * CORES
    _, w1, _ = campaign(tmp, "tp1", Lt, n, 1, 1)
    _, wall1t, _ = campaign(tmp, "tp1t", Lt, n, 1, CORES)
    _, w2, _ = campaign(tmp, "tp2", Lt, n, CORES, 1)
    tput = (60 * n / w1, 60 * n / wall1t, 60 * n / w2)
    print(f"throughput L={Lt}: -n 1 (1 thread) {tput[0]:.1f}/min, -n 1 ({CORES} threads) {tput[1]:.1f}/min, -n {CORES} (1 thread each) {tput[2]:.1f}/min", flush=True)

    # 3. ScaLAPACK group of 2 vs the best single-rank time.
    Ls = a.scalapack_L
    _, _, g1 = campaign(tmp, "sl1", Ls, 1, 1, CORES)
    _, _, g2 = campaign(tmp, "sl2", Ls, 1, 2, 1, group=2)
    t_lapack, t_scalapack = median_task(g1), median_task(g2)
    print(f"L={Ls}: LAPACK 1 rank x {CORES} threads {t_lapack:.1f} s, ScaLAPACK group of 2 {t_scalapack:.1f} s", flush=True)

    # Report.
    today = datetime.date.today().isoformat()
    md = [f"Measured {today} by `bash Benchmarks/run.sh` on this project's reference machine "
          f"({CORES} cores; OpenBLAS kernel `{core}`, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}). "
          f"Medians of {a.repeats} realizations (1 for L >= 14); peers run in the same harness on the same J.",
          "",
          "Per realization (both sectors, eigenvectors, r, m_EA; qglass includes the HDF5 write), seconds, machine fully used by each:",
          "",
          "| L | qglass | numpy eigh | scipy evd | scipy evr | QuSpin | QuSpin / qglass | numpy / qglass |",
          "|---|---|---|---|---|---|---|---|"]
    for L, q, npy, evd, evr, qs in rows:
        md.append(f"| {L} | {q:.3f} | {npy:.3f} | {evd:.3f} | {evr:.3f} | {qs:.3f} | {qs / q:.2f} | {npy / q:.2f} |")
    md += ["", f"DGEMM (n = 2048): {dgemm:.1f} GFLOP/s with {CORES} threads, {info1['dgemm_gflops']:.1f} GFLOP/s with 1.", "",
           "Where the time goes (qglass, one rank with all threads), seconds per realization, and the eigensolver's rate on 10/3 D³ flops per sector as a fraction of DGEMM:",
           "", "| L | build | solve | checks + observables | HDF5 write | (obs + I/O) / solve | solver / DGEMM |", "|---|---|---|---|---|---|---|"]
    for L, b, s, o, w, f in profile:
        md.append(f"| {L} | {b:.4f} | {s:.3f} | {o:.4f} | {w:.4f} | {(o + w) / s:.3f} | {f:.2f} |")
    md += ["", f"Throughput at L = {Lt} ({n} realizations): -n 1 with 1 thread {tput[0]:.1f}/min; -n 1 with {CORES} threads {tput[1]:.1f}/min; "
           f"-n {CORES} with 1 thread each {tput[2]:.1f}/min: {tput[2] / tput[0]:.2f}x the single-thread rank, {tput[2] / tput[1]:.2f}x the threaded rank.",
           "", f"L = {Ls}, one realization: LAPACK on one rank with {CORES} threads {t_lapack:.1f} s; ScaLAPACK group of 2 ranks {t_scalapack:.1f} s "
           f"(ratio {t_scalapack / t_lapack:.2f})."]
    text = "\n".join(md)
    print(text)
    if not a.no_write:
        sys.path.insert(0, str(ROOT / "Benchmarks"))
        from peers import write_doc_section
        write_doc_section(ROOT, "BENCHMARK", text)
        print(f"updated {doc}")


if __name__ == "__main__":
    main()
