#!/usr/bin/env python3
"""The complex Hermitian path (issue 21 §5): one S10b O(3) realization of
qglass on one rank with each complex LAPACK driver, against numpy's complex
`eigh` (and scipy's drivers) on random Hermitian matrices of the same
orders, one BLAS thread each, in one run on one machine.

    python3 Benchmarks/complex.py [--L 12] [--drivers zheevd,zheevr] [--n 2048,4096]
                                  [--peers numpy,scipy-evr,zheevd-blocked] [--group-drivers pzheevd,pzheevr] [--no-write]

qglass: `qglass ed --model heisenberg-o3 --L L --W 1 --realizations 1` (D = 2^L,
build, eigensolver, eigenpair checks, r, m_EA, HDF5 write) with
`--complex-lapack-driver` each driver; the times are the task's stored
seconds (wall_seconds: the whole task; seconds_solve: the eigensolver).
`--group-drivers` adds the same realization on a ScaLAPACK group of 2.

Peers, on a random complex Hermitian matrix of order n:
* numpy: `numpy.linalg.eigh` (LAPACK zheevd with the workspace its query returns);
* scipy-evr: `scipy.linalg.eigh(driver="evr")` (zheevr);
* zheevd-blocked: scipy's raw `zheevd` given the extra workspace that qglass
  gives it (64 n + 65*64 beyond the query), which keeps its back-transformation
  blocked;
* lapack-query / lapack-blocked / lapack-evr: Benchmarks/zheev_workspace.c,
  built here against the OpenBLAS that qglass links and run with qglass's
  environment (same kernel): zheevd with the workspace its query returns
  (what qglass did before issue 21), zheevd with the extra workspace (what it
  does now), zheevr.
A peer written name@n runs at that n only.

Debian's OpenBLAS 0.3.21 picks its kernel from the CPU model; on a CPU it does
not know (this machine's virtual "Intel(R) Xeon(R) Processor") it falls back
to the generic Prescott kernel, 6x slower at DGEMM than the AVX-512 one.
`--coretypes default,Haswell` runs qglass and the lapack-* peers once per
OPENBLAS_CORETYPE ("default": as the machine sets it); numpy's own OpenBLAS
detects the CPU itself. The kernel used is recorded (qglass: the file's
blas_core attribute; the peers: openblas_get_corename).

Every process runs with OPENBLAS_NUM_THREADS=1. The machine load (`uptime`)
is recorded before and after. The table goes into docs/performance.md
between the COMPLEX markers unless --no-write.
"""
import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import h5py

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from peers import ROOT, QGLASS, ENV, write_doc_section  # noqa: E402

# One peer measurement, run in a fresh interpreter so that the thread count
# is fixed before numpy loads OpenBLAS.
PEER = r"""
import json, sys, time
import numpy as np, scipy, scipy.linalg, scipy.linalg.lapack as lapack
name, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(n)
a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
a = np.asfortranarray((a + a.conj().T) / 2)
try:
    from threadpoolctl import threadpool_info
    blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}" for i in threadpool_info()]
except ImportError:
    blas = ["threadpoolctl not installed"]
t0 = time.perf_counter()
if name == "numpy":
    w, v = np.linalg.eigh(a)
elif name == "scipy-evr":
    w, v = scipy.linalg.eigh(a, driver="evr")
elif name == "scipy-evd":
    w, v = scipy.linalg.eigh(a, driver="evd")
elif name == "zheevd-blocked":
    lw = int(lapack.zheevd_lwork(n)[0].real) + 64 * n + 65 * 64
    w, v, info = lapack.zheevd(a, compute_v=1, lower=1, lwork=lw)
    assert info == 0, info
else:
    raise SystemExit(f"unknown peer {name}")
t = time.perf_counter() - t0
k = n // 2
res = float(np.linalg.norm(a @ v[:, k] - w[k] * v[:, k]))
print(json.dumps({"peer": name, "n": n, "seconds": t, "residual": res, "numpy": np.__version__, "scipy": scipy.__version__, "blas": blas}))
"""


def run(cmd, env=ENV):
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
    return res.stdout


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def qglass_task(tmp, L, driver, env, group=1):
    """One O(3) realization; returns the task's stored seconds."""
    out = tmp / f"o3-{driver}-g{group}.h5"
    flag = "--complex-lapack-driver" if group == 1 else "--complex-scalapack-driver"
    run(["bash", "cluster/mpirun.sh", "-n", str(group), QGLASS, "ed", "--model", "heisenberg-o3", "--L", str(L), "--W", "1.0",
         "--realizations", "1", "--seed", "21", "--group-size", str(group), "--blas-threads", "1", flag, driver,
         "--out", str(out), "--force"], env=env)
    with h5py.File(out, "r") as f:
        g = f[f"heisenberg_o3/L{L}"]
        row = {k: float(g[k][0]) for k in ("wall_seconds", "seconds_build", "seconds_solve", "seconds_observables")}
        row["blas_core"] = str(f.attrs["blas_core"])
    row.update(driver=driver, group=group, L=L, n=2 ** L)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--L", type=int, default=12)
    ap.add_argument("--drivers", default="zheevd,zheevr")
    ap.add_argument("--group-drivers", default="", help="ScaLAPACK drivers to run on a group of 2 (e.g. pzheevd,pzheevr)")
    ap.add_argument("--n", default="2048,4096", help="orders of the peers' matrices")
    ap.add_argument("--peers", default="numpy,scipy-evr,zheevd-blocked")
    ap.add_argument("--coretypes", default="default", help="OPENBLAS_CORETYPE values for qglass and the lapack-* peers, comma separated ('default': as the machine sets it)")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="qglass-complex-"))
    envs = [(c, ENV if c == "default" else dict(ENV, OPENBLAS_CORETYPE=c)) for c in a.coretypes.split(",") if c]
    lapack = tmp / "zheev_workspace"
    run(["cc", "-O2", "-o", str(lapack), str(ROOT / "Benchmarks" / "zheev_workspace.c"), "-lopenblas", "-lm"])
    load_before = uptime()
    print(f"load before: {load_before}", flush=True)
    rows = []
    for core, env in envs:
        for d in [x for x in a.drivers.split(",") if x]:
            r = qglass_task(tmp, a.L, d, env)
            print(json.dumps(r), flush=True)
            rows.append(r)
        for d in [x for x in a.group_drivers.split(",") if x]:
            r = qglass_task(tmp, a.L, d, env, group=2)
            print(json.dumps(r), flush=True)
            rows.append(r)
    peers = []
    for n in [int(x) for x in a.n.split(",") if x]:
        for p in [x for x in a.peers.split(",") if x]:
            p, _, only = p.partition("@")   # name@n: at that n only
            if only and int(only) != n:
                continue
            for core, env in (envs if p.startswith("lapack-") else [("", ENV)]):
                if p.startswith("lapack-"):
                    r = json.loads(run([str(lapack), str(n), p.removeprefix("lapack-")], env=env))
                else:
                    r = json.loads(run([sys.executable, "-c", PEER, p, str(n)]))
                print(json.dumps(r), flush=True)
                peers.append(r)
    load_after = uptime()
    print(f"load after: {load_after}", flush=True)

    numpy_at = {r["n"]: r["seconds"] for r in peers if r["peer"] == "numpy"}
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Measured {stamp} by `python3 Benchmarks/complex.py {' '.join(sys.argv[1:])}` "
             f"(qglass: {pathlib.Path(QGLASS).parent.name} build; every process one BLAS thread).",
             f"Load before: `{load_before}`; after: `{load_after}`.",
             f"qglass's OpenBLAS kernels: {', '.join(sorted({r['blas_core'] for r in rows})) or 'n/a'} "
             f"(OPENBLAS_CORETYPE: {a.coretypes}); numpy's and scipy's: "
             f"{'; '.join(sorted({b for r in peers if not r['peer'].startswith('lapack-') for b in r['blas']})) or 'n/a'}.", "",
             "| what | driver | n | seconds | numpy eigh at n (same run) | ratio |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        ref = numpy_at.get(r["n"])
        where = "one rank" if r["group"] == 1 else f"group of {r['group']}"
        for key, label in (("wall_seconds", "O(3) realization, task wall"), ("seconds_solve", "O(3) realization, eigensolver")):
            refs = f"{ref:.1f} | {r[key] / ref:.2f}" if ref else " | "
            lines.append(f"| qglass L = {r['L']} {label}, {where}, kernel {r['blas_core']} | {r['driver']} | {r['n']} | {r[key]:.2f} | {refs} |")
    for r in peers:
        ref = numpy_at.get(r["n"])
        what = "random Hermitian" + (f", {r['blas'][0]}" if r["peer"].startswith("lapack-") else "")
        refs = f"{ref:.1f} | {r['seconds'] / ref:.2f}" if ref else " | "
        lines.append(f"| peer: {what} | {r['peer']} | {r['n']} | {r['seconds']:.2f} | {refs} |")
    text = "\n".join(lines)
    print(text)
    if not a.no_write:
        write_doc_section(ROOT, "COMPLEX", text)


if __name__ == "__main__":
    main()
