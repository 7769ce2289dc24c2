"""S6b (`twospin`) and S6c (`entgrowth`): small real campaigns under mpirun,
checked with h5py against independent numpy computations.

* twospin: the stored sum equals the sum over pairs across the cut of the
  entropy of the 4 x 4 eigenstate (numpy eigh) with the largest overlap with
  |z_i z_j>, on the SFS chain rebuilt from the stored J and state; 1 and 2
  ranks identical; reduce gives a finite exponent, the figure is drawn.
* entgrowth: S(t) equals numpy (full H from the stored J, eigh, psi(t), SVD
  across the half-chain cut); S(t_min) ~ 0 for a product state; 1 and 2 ranks
  identical, a ScaLAPACK group of 2 agrees; reduce + figures.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, payload, qglass



def campaign(d, name, text, ranks=2):
    cfg = d / f"{name}.toml"
    cfg.write_text(text)
    out = d / f"{name}.h5"
    qglass("run", str(cfg), "--out", str(out), "--force", ranks=ranks)
    return out


def kmatrix(J, L, alpha):
    d = np.arange(L)
    dist = np.abs(d[:, None] - d[None, :])
    dist = np.minimum(dist, L - dist).astype(float)
    return np.where(dist > 0, J / np.where(dist > 0, dist, 1) ** alpha, 0.0)


def entropy_of(psi, L):
    sv = np.linalg.svd(psi.reshape(1 << (L - L // 2), 1 << (L // 2)), compute_uv=False) ** 2
    sv = sv[sv > 1e-300]
    return -np.sum(sv * np.log(sv))


TWOSPIN = "[campaign]\nseed = 8\nrealizations = 2\ngroup_size = {g}\n\n[twospin]\nL = [12, 24, 48]\nalpha = [0.7]\nhx = [0.1, 0.3]\nstore_disorder = true\n"
GROWTH = "[campaign]\nseed = 8\nrealizations = 2\ngroup_size = {g}\n\n[entgrowth]\nL = [6, 8]\nalpha = 0.7\nhx = [0.5]\nstate = [\"random\", \"sfs\"]\nt_max = 1e3\nper_decade = 4\n"


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    return tmp_path_factory.mktemp("s6")


def two_spin_entropy(p1, p2, J, hx, z1, z2):
    Z = np.diag([1.0, -1.0])
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    I = np.eye(2)
    # Basis index s = b1 + 2 b2 (bit 0 = spin 1): kron(spin 2, spin 1).
    H = p1 * np.kron(I, Z) + p2 * np.kron(Z, I) + J * np.kron(Z, Z) - hx * (np.kron(I, X) + np.kron(X, I))
    e, v = np.linalg.eigh(H)
    s0 = (1 if z1 < 0 else 0) + (2 if z2 < 0 else 0)
    psi = v[:, np.argmax(np.abs(v[s0]))]
    return entropy_of(psi, 2)


def test_twospin(d, tmp_path):
    path = campaign(d, "ts2", TWOSPIN.format(g=1))
    a, b = payload(path), payload(campaign(d, "ts1", TWOSPIN.format(g=1), ranks=1))
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k
    with h5py.File(path, "r") as f:
        g = f["twospin/L12"]
        for t in range(2):
            L, z = 12, g["z"][t].astype(float)
            K = kmatrix(g["J"][t], L, 0.7)
            phi = K @ z
            assert np.all(z * phi < 0)
            for k, hx in enumerate(g["hx"][t]):
                total = sum(two_spin_entropy(phi[i] - K[i, j] * z[j], phi[j] - K[i, j] * z[i], K[i, j], hx, z[i], z[j])
                            for i in range(L // 2) for j in range(L // 2, L))
                np.testing.assert_allclose(g["entropy_sum"][t, k], total, rtol=1e-8, atol=1e-10)
    red = tmp_path / "ts-red.h5"
    res = qglass("reduce", str(path), "--out", str(red), "--bootstrap", "20", "--force")
    assert "b = " in res.stdout
    with h5py.File(red, "r") as f:
        assert np.all(np.isfinite(f["twospin/fit/exponent"][()]))
        assert np.isclose(f.attrs["maximum_pair_entropy"], np.log(2))
    r = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path / "f"), "--format", "png"], env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "f" / "twospin_entropy_vs_L.png").exists()


def test_entgrowth(d, tmp_path):
    path = campaign(d, "eg2", GROWTH.format(g=1))
    a, b = payload(path), payload(campaign(d, "eg1", GROWTH.format(g=1), ranks=1))
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k
    grp = payload(campaign(d, "egg", GROWTH.format(g=2), ranks=2))
    for L in (6, 8):
        np.testing.assert_allclose(grp[f"entgrowth/L{L}/entropy"], a[f"entgrowth/L{L}/entropy"], atol=1e-7)
    with h5py.File(path, "r") as f:
        for L in (6, 8):
            g = f[f"entgrowth/L{L}"]
            s = np.arange(1 << L)
            zz = 1 - 2 * ((s[:, None] >> np.arange(L)[None, :]) & 1)
            for t in range(g["done"].shape[0]):
                K = kmatrix(g["J"][t], L, 0.7)
                H = np.diag(0.5 * np.einsum("si,ij,sj->s", zz, K, zz))
                for i in range(L):
                    H[s, s ^ (1 << i)] -= g["hx"][t]
                e, v = np.linalg.eigh(H)
                s0 = int(sum(1 << i for i in range(L) if g["z"][t][i] < 0))
                times = g["times"][t]
                psi = v @ (v[s0][:, None] * np.exp(-1j * np.outer(e, times)))
                S = np.array([entropy_of(psi[:, k], L) for k in range(len(times))])
                np.testing.assert_allclose(g["entropy"][t], S, atol=1e-7)
                assert g["entropy"][t][0] < 1e-2
    red = tmp_path / "eg-red.h5"
    res = qglass("reduce", str(path), "--out", str(red), "--bootstrap", "20", "--force")
    assert "S_sat" in res.stdout
    with h5py.File(red, "r") as f, h5py.File(path, "r") as c:
        g = f["entgrowth"]
        i = int(np.where((g["L"][()] == 8) & (g["state"][()] == 0))[0][0])
        np.testing.assert_allclose(g["S_mean"][i], c["entgrowth/L8/entropy"][()][c["entgrowth/L8/state"][()] == 0].mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(g["page"][i], np.sum(1 / np.arange(17, 257)) - 15 / 32, rtol=1e-12)
    r = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path / "f"), "--format", "png"], env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("entgrowth_S_vs_t", "entgrowth_saturation"):
        assert (tmp_path / "f" / f"{name}.png").exists()
