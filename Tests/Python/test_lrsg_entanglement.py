"""S6a: the optional eigenstate-entanglement observable of S1 (`qglass ed
--entanglement`, `[lrsg] entanglement = true`), checked with h5py and numpy:

* off by default: no `entropy` / `hist_sum_entropy`, canonical config unchanged;
* with the flag, `entropy` [T, 2^L] equals an independent numpy computation:
  H rebuilt from the stored J, projected on each parity sector, eigh, the
  eigenvectors unfolded to the full basis, SVD across the half-chain cut;
* 1 and 2 ranks give identical payloads, and a ScaLAPACK group of 2 agrees;
* `energy`, `sector` and `eps` are stored with `entropy` even for L above
  `store_eigenstates_max_L` (always aligned; issue 12);
* the reduction adds /lrsg/entanglement (mean S, S/S_Page) and the figure.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, payload, qglass



def ed(d, name, *extra, ranks=2, group=1):
    out = d / f"{name}.h5"
    qglass("ed", "--model", "lrsg", "--L", "6", "--alpha", "0.7", "--hx", "0.3,1.0", "--realizations", "2", "--seed", "4",
           "--group-size", str(group), "--out", str(out), "--force", *extra, ranks=ranks)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("ent")
    return d, ed(d, "plain"), ed(d, "ent2", "--entanglement")


def test_off_by_default(runs):
    _, plain, ent = runs
    with h5py.File(plain, "r") as f, h5py.File(ent, "r") as g:
        assert "entropy" not in f["lrsg/L6"] and "hist_sum_entropy" not in f["lrsg/L6"]
        canon = f.attrs["config_canonical"]
        assert "entanglement" not in (canon.decode() if isinstance(canon, bytes) else canon)
        assert g["lrsg/L6/entropy"].shape == g["lrsg/L6/energy"].shape == (4, 64)
    # Everything else is the same payload.
    a, b = payload(plain), payload(ent)
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k


def numpy_entropies(J, L, alpha, hx):
    d = np.arange(L)
    dist = np.abs(d[:, None] - d[None, :])
    dist = np.minimum(dist, L - dist).astype(float)
    K = np.where(dist > 0, J / np.where(dist > 0, dist, 1) ** alpha, 0.0)
    s = np.arange(1 << L)
    z = 1 - 2 * ((s[:, None] >> np.arange(L)[None, :]) & 1)
    H = np.diag(0.5 * np.einsum("si,ij,sj->s", z, K, z))
    for i in range(L):
        H[s, s ^ (1 << i)] -= hx
    out_e, out_s = [], []
    reps = s[(s & 1) == 0]
    for p in (1, -1):
        V = np.zeros((1 << L, len(reps)))
        V[reps, np.arange(len(reps))] = 1 / np.sqrt(2)
        V[reps ^ ((1 << L) - 1), np.arange(len(reps))] += p / np.sqrt(2)
        e, v = np.linalg.eigh(V.T @ H @ V)
        psi = V @ v
        half = L // 2
        for k in range(psi.shape[1]):
            sv = np.linalg.svd(psi[:, k].reshape(1 << (L - half), 1 << half), compute_uv=False) ** 2
            sv = sv[sv > 1e-300]
            out_s.append(-np.sum(sv * np.log(sv)))
        out_e.append(e)
    return np.concatenate(out_e), np.array(out_s)


def test_entropy_matches_numpy(runs):
    _, _, ent = runs
    with h5py.File(ent, "r") as f:
        g = f["lrsg/L6"]
        for t in range(g["done"].shape[0]):
            e, S = numpy_entropies(g["J"][t], 6, g["alpha"][t], g["hx"][t])
            np.testing.assert_allclose(g["energy"][t], e, atol=1e-10)
            np.testing.assert_allclose(g["entropy"][t], S, atol=1e-8)
            assert np.all(S >= -1e-12) and np.all(S <= 3 * np.log(2) + 1e-12)
            # Per-eps-bin sums.
            bins = g["hist_count"].shape[1]
            b = np.minimum(bins - 1, (g["eps"][t] * bins).astype(int))
            np.testing.assert_allclose(g["hist_sum_entropy"][t], np.bincount(b, weights=S, minlength=bins), atol=1e-10)


def test_ranks_and_groups(runs):
    d, _, ent = runs
    a = payload(ent)
    b = payload(ed(d, "ent1", "--entanglement", ranks=1))
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k
    g = payload(ed(d, "entg", "--entanglement", ranks=2, group=2))
    np.testing.assert_allclose(g["lrsg/L6/entropy"], a["lrsg/L6/entropy"], atol=1e-8)


def test_energy_aligned_beyond_store_eigenstates_max_L(runs):
    d, _, ent = runs
    big = ed(d, "ent-nostore", "--entanglement", "--store-eigenstates-max-L", "4")
    with h5py.File(big, "r") as f, h5py.File(ent, "r") as g:
        b, a = f["lrsg/L6"], g["lrsg/L6"]
        assert b["entropy"].shape == b["energy"].shape == b["eps"].shape == b["sector"].shape == (4, 64)
        # r and m_ea still follow store_eigenstates_max_L.
        assert "r" not in b and "m_ea" not in b
        for k in ("energy", "eps", "sector", "entropy", "hist_sum_entropy"):
            assert np.array_equal(b[k][()], a[k][()]), k
    # Without the flag nothing per eigenstate is stored above the limit.
    plain = ed(d, "plain-nostore", "--store-eigenstates-max-L", "4")
    with h5py.File(plain, "r") as f:
        assert not any(k in f["lrsg/L6"] for k in ("energy", "eps", "sector", "entropy", "r", "m_ea"))


def test_reduce_and_figure(runs, tmp_path):
    _, plain, ent = runs
    red = tmp_path / "red.h5"
    res = qglass("reduce", str(ent), "--out", str(red), "--bootstrap", "30", "--force")
    assert "eigenstate entanglement" in res.stdout
    with h5py.File(red, "r") as f, h5py.File(ent, "r") as c:
        g = f["lrsg/entanglement"]
        page = g["page"][()]
        # Page value of a 3+3 qubit cut: sum_{k=9}^{64} 1/k - 7/16.
        np.testing.assert_allclose(page, np.sum(1 / np.arange(9, 65)) - 7 / 16, rtol=1e-12)
        hx = c["lrsg/L6/hx"][()]
        eps, S = c["lrsg/L6/eps"][()], c["lrsg/L6/entropy"][()]
        for i, h in enumerate(g["hx"][()]):
            rows = np.where(hx == h)[0]
            means = [S[t][(eps[t] >= 0.4) & (eps[t] < 0.6)].mean() for t in rows]
            np.testing.assert_allclose(g["window_S_mean"][i], np.mean(means), rtol=1e-10)
            np.testing.assert_allclose(g["window_S_over_page"][i], np.mean(means) / page[i], rtol=1e-10)
    red0 = tmp_path / "red0.h5"
    qglass("reduce", str(plain), "--out", str(red0), "--bootstrap", "30", "--force")
    with h5py.File(red0, "r") as f:
        assert "entanglement" not in f["lrsg"]
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path / "figs"), "--format", "png"], env=ENV, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "figs" / "entanglement_alpha0.7.png").exists()


def test_window_entropy_averages_the_bins_the_file_records(runs, tmp_path):
    """--eps-window 0.42,0.6 snaps to whole bins 8-11 of 20 ([0.4, 0.6), the
    bins whose centre lies in the request): the window entropy is the
    per-realization average over exactly the bins recorded as
    eps_window_bins, recomputed from the campaign's hist_sum_entropy and
    hist_count (issue 22: the entanglement pass used to average bins 9-11)."""
    _, _, ent = runs
    red = tmp_path / "red-window.h5"
    qglass("reduce", str(ent), "--out", str(red), "--bootstrap", "30", "--force", "--eps-window", "0.42,0.6")
    with h5py.File(red, "r") as f, h5py.File(ent, "r") as c:
        first, stop = (int(x) for x in f.attrs["eps_window_bins"])
        assert (first, stop) == (8, 12)
        np.testing.assert_allclose(f.attrs["eps_window"], [0.4, 0.6])
        g = f["lrsg/entanglement"]
        hx = c["lrsg/L6/hx"][()]
        num, den = c["lrsg/L6/hist_sum_entropy"][()], c["lrsg/L6/hist_count"][()]
        for i, h in enumerate(g["hx"][()]):
            rows = np.where(hx == h)[0]
            def window_mean(lo, hi):
                return np.mean([num[t, lo:hi].sum() / den[t, lo:hi].sum() for t in rows])
            expected = window_mean(first, stop)
            np.testing.assert_allclose(g["window_S_mean"][i], expected, rtol=1e-12)
            np.testing.assert_allclose(g["window_S_over_page"][i], expected / g["page"][i], rtol=1e-12)
            # The old selection (bins entirely inside [0.42, 0.6)) gives another number here.
            assert abs(window_mean(9, 12) - expected) > 1e-6 * abs(expected)
