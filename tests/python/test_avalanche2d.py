"""S8 studies drh (De Roeck-Huveneers ED) and diamond (2D free-fermion lattices +
mean field): small real campaigns, payloads bit-identical on 1, 2 and 3 ranks,
the stored disorder rebuilt with numpy, reduce + plot checked with h5py.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, datasets, qglass

LN2 = np.log(2.0)
TIMINGS = ("wall_seconds", "seconds_build", "seconds_solve", "seconds_observables", "seconds")

DRH = "[drh]\nN = [3, 5]\na = [0.2, 0.7071067811865476, 1.0]\n"
DIAMOND = ('[diamond]\nR = [3, 5]\nW = [5.0, 30.0, 80.0]\npotential = ["qp", "random"]\ng0 = 1.0\n'
           'theta_W = [30.0]\nmap_samples = 1\n')


def config(d, name, table, realizations, group=1):
    cfg = d / f"{name}.toml"
    cfg.write_text(f"[campaign]\nseed = 5\nrealizations = {realizations}\ngroup_size = {group}\n\n{table}")
    return cfg


def payload(path):
    out = {}
    with h5py.File(path, "r") as f:
        for name, ds in datasets(f):
            if name.split("/")[-1] not in TIMINGS:
                out[name] = ds[()]
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("aval2d")
    out = {}
    for study, table, nreal in (("drh", DRH, 3), ("diamond", DIAMOND, 6)):
        cfg = config(d, study, table, nreal)
        files = {}
        for n in (1, 2, 3):
            files[n] = d / f"{study}-{n}.h5"
            qglass("run", str(cfg), "--out", str(files[n]), ranks=n)
        red = d / f"{study}-reduced.h5"
        res = qglass("reduce", str(files[2]), "--out", str(red), "--bootstrap", "40", "--force", ranks=1)
        figs = d / f"{study}-figures"
        plot = subprocess.run([QGLASS, "plot", str(red), "--out", str(figs)], env=ENV, capture_output=True, text=True, timeout=600)
        assert plot.returncode == 0, plot.stdout + plot.stderr
        out[study] = (files, red, figs, res.stdout, d)
    return out


@pytest.mark.parametrize("study", ["drh", "diamond"])
def test_bit_identical_across_ranks(runs, study):
    files = runs[study][0]
    p1 = payload(files[1])
    for n in (2, 3):
        pn = payload(files[n])
        assert p1.keys() == pn.keys()
        for k in p1:
            assert np.array_equal(p1[k], pn[k], equal_nan=True), f"{study} {k} differs on {n} ranks"


def test_drh_stored_disorder_and_entropies(runs):
    files = runs["drh"][0]
    with h5py.File(files[2], "r") as f:
        for blk in ("N3", "N5"):
            g = f[f"drh/{blk}"]
            N = int(g.attrs["N"])
            assert g["grain"].shape[1] == 64 and g["h"].shape[1] == N
            grain = g["grain"][()].reshape(-1, 8, 8)
            assert np.allclose(np.sqrt(np.einsum("rij,rij->r", grain, grain) / 8), 1.5)
            assert np.all(np.abs(g["h"][()] - 1) <= 0.1)
            # Same disorder at every a (keyed by N and realization only).
            for r in set(g["realization"][()]):
                rows = np.where(g["realization"][()] == r)[0]
                assert all(np.array_equal(grain[rows[0]], grain[k]) for k in rows)
            s = g["s_end"][()]
            assert np.all((s >= -1e-12) & (s <= LN2 + 1e-12))
            # Rebuild H for one row with numpy and recompute S_end of every eigenstate.
            row = int(np.where(g["a"][()] == 1.0)[0][0])
            D = 8 << N
            h = g["h"][row]
            J = 0.41 * g["a"][row] ** np.arange(N)
            H = np.zeros((D, D))
            for st in range(D):
                gi = st & 7
                H[(st & ~7) | np.arange(8), st] += grain[row][:, gi]
                H[st, st] += sum(h[n] * (1 if (st >> (3 + n)) & 1 == 0 else -1) for n in range(N))
                for n in range(N):
                    if ((st >> (3 + n)) & 1) != (st & 1):
                        H[st ^ (1 | 1 << (3 + n)), st] += 2 * J[n]
            e, v = np.linalg.eigh(H)
            assert np.allclose(e, g["energy"][row], atol=1e-10)
            psi = v.reshape(2, D // 2, D)  # last l-bit = the highest bit = the slow index
            rho_up = np.einsum("ik,ik->k", psi[0], psi[0])
            off = np.einsum("ik,ik->k", psi[0], psi[1])
            lam = 0.5 + np.sqrt((rho_up - 0.5) ** 2 + off ** 2)
            with np.errstate(divide="ignore", invalid="ignore"):
                S = -np.nan_to_num(lam * np.log(lam)) - np.nan_to_num((1 - lam) * np.log(1 - lam))
            assert np.allclose(S, g["s_end"][row], atol=1e-8)


def test_drh_reduced(runs):
    files, red, figs, report, _ = runs["drh"]
    with h5py.File(files[2], "r") as c, h5py.File(red, "r") as f:
        assert f.attrs["study"] in (b"drh", "drh")
        pts = f["drh/points"]
        for i, (N, a) in enumerate(zip(pts["N"][()], pts["a"][()])):
            g = c[f"drh/N{N}"]
            rows = np.where(g["a"][()] == a)[0]
            eps, s = g["eps"][()][rows], g["s_end"][()][rows]
            inw = (eps >= 0.4) & (eps < 0.6)
            want = np.mean([s[k][inw[k]].mean() for k in range(len(rows))])
            assert np.isclose(pts["s_end_window_mean"][i], want, rtol=1e-12)
            assert np.isclose(pts["s_end_all_mean"][i], s.mean(), rtol=1e-12)
            hist = pts["histogram"][i]
            assert np.isclose(np.sum(hist) * LN2 / len(hist), 1.0)
        # [S_end] grows with a; the mean-field curves are monotone, fitted at a_c.
        mf = f["drh/mean_field"]
        assert mf.attrs["g10"] > 0 and np.isclose(mf.attrs["a_c"], 1 / np.sqrt(2))
        curves = mf["s_end"][()]
        assert np.all(np.diff(curves, axis=1) >= -1e-9) and np.all(curves <= LN2 + 1e-9)
        assert np.allclose(mf["fit_s_end_mf"][()], mf["fit_s_end_ed"][()], atol=0.15)
    for name in ("drh_s_end_vs_a", "drh_s_end_all_vs_a", "drh_p_s_end"):
        assert (figs / f"{name}.png").exists()
