#!/usr/bin/env python3
"""Peers for the qglass ED benchmark: the same realizations, diagonalized by
numpy / scipy / QuSpin, in this process, on the same machine.

    python3 Benchmarks/peers.py CAMPAIGN.h5 --L 12 --repeats 3 [--threads 2]

Reads J, alpha, h_x of the first completed task of /lrsg/L{L} from a qglass
campaign file, rebuilds the two parity-sector matrices exactly as qglass
defines them (docs/design.md), and times for each peer the full
per-realization pipeline: build + eigh (both sectors, eigenvectors) + r and
m_EA. Prints one JSON line per peer with the median wall time, and checks
that every peer's spectrum agrees with the one qglass stored (when stored).
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

import h5py
import numpy as np

# Shared by the benchmark scripts of this folder (complex.py, midspectrum.py):
# the repository, the release binary they time, and one thread per process.
ROOT = pathlib.Path(__file__).resolve().parents[1]
QGLASS = os.environ.get("QGLASS_BIN", str(ROOT / ".build" / "release" / "qglass"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
           OPENBLAS_NUM_THREADS="1")


def load_task(path, L):
    with h5py.File(path, "r") as f:
        g = f[f"lrsg/L{L}"]
        t = int(np.argmax(g["done"][:] == 1))
        energy = g["energy"][t] if "energy" in g else None
        bc = "periodic" if 'boundary = "periodic"' in f.attrs["config_canonical"] else "open"
        return g["J"][t], float(g["alpha"][t]), float(g["hx"][t]), bc, energy


def couplings(J, alpha, bc):
    L = J.shape[0]
    i, j = np.triu_indices(L, 1)
    d = np.abs(i - j)
    if bc == "periodic":
        d = np.minimum(d, L - d)
    K = np.zeros_like(J)
    K[i, j] = J[i, j] / d.astype(float) ** alpha
    return K + K.T


def sector_matrices(K, hx):
    """Representatives s = k << 1 (spin 0 up); flip of spin 0 maps to k ^ (D-1) with sign = parity."""
    L = K.shape[0]
    D = 1 << (L - 1)
    k = np.arange(D)
    s = k << 1
    bits = ((s[:, None] >> np.arange(L)) & 1).astype(np.int8)
    z = 1 - 2 * bits.astype(float)
    diag = 0.5 * np.einsum("si,ij,sj->s", z, K, z)
    out = []
    for parity in (1, -1):
        H = np.zeros((D, D))
        H[k, k] = diag
        for b in range(L - 1):
            np.add.at(H, (k ^ (1 << b), k), -hx)
        np.add.at(H, (k ^ (D - 1), k), -hx * parity)
        out.append(H)
    return out, z


def observables(e, V, z, L):
    r = np.full(len(e), np.nan)
    d = np.diff(e)
    r[1:-1] = np.minimum(d[:-1], d[1:]) / np.maximum(d[:-1], d[1:])
    W = V * V
    i, j = np.triu_indices(L, 1)
    T = z[:, i] * z[:, j]
    C = W.T @ T
    m = (L + 2 * (C * C).sum(axis=1)) / L**2
    return r, m


def pipeline_numpy(K, hx, solver):
    L = K.shape[0]
    mats, z = sector_matrices(K, hx)
    energies = []
    for H in mats:
        e, V = solver(H)
        observables(e, V, z, L)
        energies.append(e)
    return np.concatenate(energies)


def pipeline_quspin(K, hx):
    from quspin.basis import spin_basis_1d
    from quspin.operators import hamiltonian
    L = K.shape[0]
    zz = [[K[i, j], i, j] for i in range(L) for j in range(i + 1, L)]
    x = [[-hx, i] for i in range(L)]
    energies = []
    for zblock in (1, -1):
        basis = spin_basis_1d(L, zblock=zblock, pauli=1)
        H = hamiltonian([["zz", zz], ["x", x]], [], basis=basis, dtype=np.float64,
                        check_herm=False, check_symm=False, check_pcon=False)
        e, V = H.eigh()
        energies.append(e)
    return np.concatenate(energies)


def write_doc_section(root, name, text):
    """Replaces the text between <!-- NAME START --> and <!-- NAME END --> in
    docs/performance.md (the benchmark scripts' tables)."""
    doc = root / "docs" / "performance.md"
    s = doc.read_text()
    start, end = f"<!-- {name} START -->", f"<!-- {name} END -->"
    i, j = s.index(start) + len(start), s.index(end)
    doc.write_text(s[:i] + "\n" + text + "\n" + s[j:])


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("campaign")
    ap.add_argument("--L", type=int, required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peers", default="numpy,scipy-evd,scipy-evr,quspin")
    a = ap.parse_args()
    import scipy.linalg
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}" for i in threadpool_info()]
    except ImportError:
        blas = ["threadpoolctl not installed"]
    J, alpha, hx, bc, stored = load_task(a.campaign, a.L)
    K = couplings(J, alpha, bc)
    peers = {
        "numpy": lambda: pipeline_numpy(K, hx, np.linalg.eigh),
        "scipy-evd": lambda: pipeline_numpy(K, hx, lambda H: scipy.linalg.eigh(H, driver="evd")),
        "scipy-evr": lambda: pipeline_numpy(K, hx, lambda H: scipy.linalg.eigh(H, driver="evr")),
        "quspin": lambda: pipeline_quspin(K, hx),
    }
    for name in a.peers.split(","):
        try:
            t, e = timed(peers[name], a.repeats)
        except ImportError as err:
            print(json.dumps({"peer": name, "L": a.L, "error": f"not installed: {err}"}))
            continue
        agree = None
        if stored is not None:
            agree = float(np.max(np.abs(np.sort(e) - np.sort(stored))))
        print(json.dumps({"peer": name, "L": a.L, "seconds": t, "repeats": a.repeats, "max_abs_energy_diff": agree,
                          "blas": blas, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
