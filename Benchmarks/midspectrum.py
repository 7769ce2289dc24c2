#!/usr/bin/env python3
"""Mid-spectrum benchmark (issue 15): qglass's two mid-spectrum methods
(shift-invert with MUMPS, SLEPc's polynomial filter) against scipy's
shift-invert (`eigsh(sigma=...)`, SuperLU), on the same realization, one
process each, with wall time and peak RSS from /usr/bin/time.

    python3 Benchmarks/midspectrum.py [--sizes 12,14,16] [--k 100] [--peer-max-L 14] [--filter-max-L 14] [--no-write]

Run it on a quiet machine (docs/performance.md: oversubscribed OpenBLAS and
MUMPS slow down by large factors). The table goes into docs/performance.md
between the MIDSPECTRUM markers unless --no-write.
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from peers import ROOT, QGLASS, ENV, couplings, write_doc_section  # noqa: E402


def timed(cmd):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS in GB, stdout)."""
    res = subprocess.run(["/usr/bin/time", "-f", "QGTIME %e %M", *cmd], env=ENV, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
    wall, kb = re.search(r"QGTIME ([0-9.]+) ([0-9]+)", res.stderr).groups()
    return float(wall), int(kb) / 1e6, res.stdout


def sparse_sector(K, hx, parity):
    """The parity sector as a scipy CSR matrix (representatives s = k << 1, docs/models.md)."""
    import scipy.sparse as sp
    L = K.shape[0]
    D = 1 << (L - 1)
    k = np.arange(D)
    z = 1.0 - 2.0 * (((k[:, None] << 1) >> np.arange(L)) & 1)
    diag = 0.5 * np.einsum("si,ij,sj->s", z, K, z)
    rows, cols, vals = [k], [k], [diag]
    for b in range(L - 1):
        rows.append(k ^ (1 << b)); cols.append(k); vals.append(np.full(D, -hx))
    rows.append(k ^ (D - 1)); cols.append(k); vals.append(np.full(D, -hx * parity))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(D, D))


def peer(path, L, k):
    """In a child process: scipy shift-invert on both sectors of the file's realization."""
    from scipy.sparse.linalg import eigsh
    with h5py.File(path, "r") as f:
        g = f[f"lrsg/L{L}"]
        J, alpha, hx, target = g["J"][0], float(g["alpha"][0]), float(g["hx"][0]), float(g["target_energy"][0])
        want = g["energy"][0]
    K = couplings(J, alpha, "periodic")
    t0 = time.perf_counter()
    got = []
    for parity in (1, -1):
        H = sparse_sector(K, hx, parity)
        w = eigsh(H, k=k, sigma=target, which="LM", return_eigenvectors=True)[0]
        got.append(np.sort(w))
    seconds = time.perf_counter() - t0
    err = float(np.max(np.abs(np.concatenate(got) - want)))
    print(json.dumps({"seconds": seconds, "max_diff": err}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="12,14,16")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--methods", default="shift-invert,filter")
    ap.add_argument("--peer-max-L", type=int, default=14)
    ap.add_argument("--filter-max-L", type=int, default=14, help="largest L for the filter method (slower than shift-invert here)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hx", default="1.0")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--peer", nargs=3, metavar=("FILE", "L", "K"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.peer:
        return peer(a.peer[0], int(a.peer[1]), int(a.peer[2]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for L in [int(x) for x in a.sizes.split(",")]:
            for method in a.methods.split(","):
                if method == "filter" and L > a.filter_max_L:
                    continue
                out = f"{tmp}/m-{L}-{method}.h5"
                wall, rss, _ = timed(["mpirun", "-n", "1", "--bind-to", "none", QGLASS, "ed", "--model", "lrsg", "--L", str(L),
                                      "--alpha", "0.7", "--hx", a.hx, "--realizations", "1", "--seed", str(a.seed), "--solver",
                                      "midspectrum", "--k", str(a.k), "--midspectrum-method", method, "--out", out, "--quiet"])
                with h5py.File(out, "r") as f:
                    g = f[f"lrsg/L{L}"]
                    solve = float(g["seconds_solve"][0])
                rows.append(dict(L=L, method=f"qglass {method}", k=a.k, wall=wall, solve=solve, rss=rss))
                print(json.dumps(rows[-1]), flush=True)
                if method == "shift-invert" and L <= a.peer_max_L:
                    pw, prss, so = timed([sys.executable, __file__, "--peer", out, str(L), str(a.k)])
                    p = json.loads(so.strip().splitlines()[-1])
                    assert p["max_diff"] < 1e-8, p
                    rows.append(dict(L=L, method="scipy eigsh shift-invert (SuperLU)", k=a.k, wall=pw, solve=p["seconds"], rss=prss,
                                     ratio=p["seconds"] / solve))
                    print(json.dumps(rows[-1]), flush=True)
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `python3 Benchmarks/midspectrum.py --sizes {a.sizes} --k {a.k}` "
             "(one process, one BLAS thread; h_x = " + a.hx + ", alpha = 0.7, target eps = 0.5; both sectors).", "",
             "| L | D per sector | method | k per sector | solve (s) | process wall (s) | peak RSS (GB) | peer / qglass shift-invert |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['L']} | {1 << (r['L'] - 1)} | {r['method']} | {r['k']} | {r['solve']:.2f} | {r['wall']:.2f} | {r['rss']:.2f} | "
                     + (f"{r['ratio']:.2f}" if "ratio" in r else "") + " |")
    table = "\n".join(lines)
    print(table)
    if not a.no_write:
        write_doc_section(ROOT, "MIDSPECTRUM", table)


if __name__ == "__main__":
    main()
