"""S9 Emch-Radin campaigns end to end: the interface contract

    qglass emch-radin --d 1 --alpha 2 --N 300 --samples 60 --seed S --out F.h5
    qglass reduce F.h5 --out R.h5

(R.h5 holds /emch_radin/fits/{d, alpha, N, beta_interior, beta_interior_err,
beta_all, beta_all_err}), the stored curves against numpy products over the
stored positions, the pooled curves against numpy on the campaign file, the
fits recovering beta = d/alpha and gamma_p/gamma_m = 2^(1 - alpha/d) within
their errors, a packing scan and a size scan (beta vs x, the power law of the
error), and the figures.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, mpirun, qglass


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("emch")
    camp, red = d / "F.h5", d / "R.h5"
    qglass("emch-radin", "--d", "1", "--alpha", "2", "--N", "300", "--samples", "60", "--seed", "7", "--out", str(camp))
    res = qglass("reduce", str(camp), "--out", str(red), ranks=1)
    return camp, red, res.stdout


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A small size and packing scan in d = 3 (alpha = 3, 6)."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("emch-scan")
    cfg = d / "scan.toml"
    cfg.write_text("[campaign]\nseed = 3\nrealizations = 12\n\n[emch_radin]\nd = [3]\nalpha = [3, 6]\nN = [60, 120, 240]\n"
                   "x = [0.001, 0.01, 0.3]\ntau_points = 64\n")
    camp, red = d / "scan.h5", d / "scan-reduced.h5"
    qglass("run", str(cfg), "--out", str(camp))
    res = qglass("reduce", str(camp), "--out", str(red), ranks=1)
    return camp, red, res.stdout


def test_contract_datasets(contract):
    _, red, report = contract
    with h5py.File(red, "r") as f:
        assert f.attrs["kind"] == "reduced" and f.attrs["study"] == "emch_radin"
        assert f.attrs["plot_module"] == "qglass_plot_emch_radin:plot"
        g = f["emch_radin/fits"]
        for name in ("beta_interior", "beta_interior_err", "beta_all", "beta_all_err", "alpha"):
            assert g[name].dtype == np.float64 and g[name].shape == (1,), name
        for name in ("d", "N"):
            assert g[name].dtype == np.int64 and g[name].shape == (1,), name
        assert list(g["d"][()]) == [1] and list(g["alpha"][()]) == [2.0] and list(g["N"][()]) == [300]
        assert np.all(g["beta_all_err"][()] > 0) and np.all(g["beta_interior_err"][()] > 0)
        assert np.all(g["n_samples"][()] == 60)
    assert "beta_m(all)" in report


def test_fits_recover_theory(contract):
    """d = 1, alpha = 2, N = 300, 60 samples: beta within 3 sigma of d/alpha (interior and all,
    magnetization and purity), gamma_p/gamma_m within 3 sigma of 2^(1 - alpha/d),
    the fitted gamma_m within 5 % of the analytic rate."""
    _, red, _ = contract
    with h5py.File(red, "r") as f:
        g = f["emch_radin/fits"]
        th = g["beta_theory"][()]
        assert np.allclose(th, [0.5])
        for name in ("beta_all", "beta_interior", "beta_purity_all", "beta_purity_interior"):
            v, e = g[name][()], g[name + "_err"][()]
            assert np.all(e < 0.02), (name, e)
            assert np.all(np.abs(v - th) < 3 * e + 1e-3), (name, v, e)
        for avg in ("all", "interior"):
            r, e = g[f"gamma_ratio_{avg}"][()], g[f"gamma_ratio_{avg}_err"][()]
            assert np.allclose(g["gamma_ratio_theory"][()], [0.5])
            assert np.all(np.abs(r - g["gamma_ratio_theory"][()]) < 3 * e + 0.01), (avg, r, e)
        assert np.all(np.abs(g["gamma_m_interior"][()] / g["gamma_m_theory"][()] - 1) < 0.05)


def test_stored_curves_are_the_exact_products(contract):
    """Task rows against numpy: <s_x> and purity from prod_k cos(2 J_ik tau) over the
    stored positions, all spins and the interior mask (r_0 - |r_i| >= 2 r_0 N^(-1/d))."""
    camp, _, _ = contract
    with h5py.File(camp, "r") as f:
        g = f["emch_radin/L_d1_N300"]
        assert g.attrs["d"] == 1 and g.attrs["N"] == 300 and g.attrs["interior_depth"] == 2
        assert g["positions"].shape == (60, 300, 1) and np.all(g["done"][()] == 1)
        for row in (0, 37):
            pos = g["positions"][row][:, 0]
            r = np.abs(pos[:, None] - pos[None, :])
            np.fill_diagonal(r, np.inf)
            interior = (1 - np.abs(pos)) >= 2 * 300 ** -1.0
            assert g["n_interior"][row] == interior.sum()
            for k, alpha in enumerate(g["alpha"][row]):
                tau = g["tau"][row][k]
                J = r ** -alpha
                c = np.cos(2 * J[:, :, None] * tau[None, None, :])
                sx = np.prod(c, axis=1)
                np.testing.assert_allclose(g["magnetization_all"][row][k], 0.5 * sx.mean(axis=0), atol=1e-11)
                np.testing.assert_allclose(g["purity_all"][row][k], 0.5 * (1 + (sx ** 2).mean(axis=0)), atol=1e-11)
                np.testing.assert_allclose(g["magnetization_interior"][row][k], 0.5 * sx[interior].mean(axis=0), atol=1e-11)
                # The grid: (gamma_m tau)^(d/alpha) log-spaced from 0.01 to 8.
                u = (g["gamma_m_theory"][row][k] * tau) ** (1 / alpha)
                np.testing.assert_allclose(u[[0, -1]], [0.01, 8.0], rtol=1e-12)


def test_pooled_curves_match_numpy(contract):
    camp, red, _ = contract
    with h5py.File(camp, "r") as f, h5py.File(red, "r") as r:
        g = f["emch_radin/L_d1_N300"]
        n = g["n_interior"][()].astype(float)
        cur = r["emch_radin/curves"]
        for k in range(1):
            m = g["magnetization_all"][:, k, :]
            np.testing.assert_allclose(cur["magnetization_all_mean"][k], m.mean(axis=0), rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(cur["magnetization_all_err"][k], m.std(axis=0, ddof=1) / np.sqrt(len(m)), rtol=1e-9, atol=1e-15)
            mi = g["magnetization_interior"][:, k, :]
            np.testing.assert_allclose(cur["magnetization_interior_mean"][k], (n[:, None] * mi).sum(axis=0) / n.sum(), rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(cur["tau"][k], g["tau"][0, k], rtol=0, atol=0)


def test_bit_identical_reruns_and_split_samples(contract, tmp_path):
    """A rerun on 3 ranks writes the same payload; samples 0-29 and 30-59 in two
    files reduce to the numbers of the single file."""
    camp, red, _ = contract
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    qglass("emch-radin", "--d", "1", "--alpha", "2", "--N", "300", "--samples", "30", "--seed", "7", "--out", str(a), ranks=3)
    qglass("emch-radin", "--d", "1", "--alpha", "2", "--N", "300", "--samples", "30", "--first-sample", "30", "--seed", "7", "--out", str(b))
    with h5py.File(camp, "r") as f, h5py.File(a, "r") as fa:
        for name in ("positions", "magnetization_all", "purity_interior", "tau", "n_interior"):
            assert f[f"emch_radin/L_d1_N300/{name}"][:30].tobytes() == fa[f"emch_radin/L_d1_N300/{name}"][()].tobytes(), name
    out = tmp_path / "r.h5"
    qglass("reduce", str(b), str(a), "--out", str(out), ranks=1)
    with h5py.File(red, "r") as f0, h5py.File(out, "r") as f1:
        for name in ("beta_all", "beta_all_err", "beta_interior", "beta_interior_err", "gamma_ratio_all"):
            assert f0[f"emch_radin/fits/{name}"][()].tobytes() == f1[f"emch_radin/fits/{name}"][()].tobytes(), name


def test_scan_beta_vs_x_and_power_law(scan):
    """d = 3, alpha = 3, 6: the per-(d, alpha, N) fits combine the two packings x <= 0.01;
    the all-spin beta is biased low by the slow surface spins, the interior beta is not;
    dense packing (x = 0.3) regularizes the positions and raises beta well above d/alpha;
    every (d, alpha) gets an exponent p from its three sizes."""
    _, red, report = scan
    with h5py.File(red, "r") as f:
        pts, fits, sc = f["emch_radin/points"], f["emch_radin/fits"], f["emch_radin/scaling"]
        assert len(pts["x"]) == 2 * 3 * 3
        assert np.all(fits["n_packings"][()] == 2) and np.all(fits["x_max"][()] == 0.01)
        assert list(sc["d"][()]) == [3, 3] and list(sc["alpha"][()]) == [3.0, 6.0]
        assert np.all(sc["n_sizes_all"][()] == 3) and np.all(np.isfinite(sc["p_all"][()])) and np.all(sc["p_all_err"][()] > 0)
        sel = (fits["d"][()] == 3) & (fits["alpha"][()] == 3)
        b_all, b_int = fits["beta_all"][()][sel], fits["beta_interior"][()][sel]
        assert b_all.mean() < 0.97 and b_int.mean() > b_all.mean() + 0.03, (b_all, b_int)
        assert abs(b_int.mean() - 1) < 0.08, b_int
        s = (pts["d"][()] == 3) & (pts["alpha"][()] == 3)
        x, b = pts["x"][()][s], pts["beta_all"][()][s]
        assert b[x == 0.3].min() > 1.1 and b[x <= 0.01].max() < 1.0, (x, b)
    assert "error of beta vs N" in report


def test_plots(contract, scan, tmp_path):
    import matplotlib.image as mpimg
    for red, stems in ((contract[1], ["emch_radin_fig1_curves", "emch_radin_fig2a_beta_vs_x", "emch_radin_beta_vs_theory"]),
                       (scan[1], ["emch_radin_fig1_curves", "emch_radin_fig2a_beta_vs_x", "emch_radin_fig2b_error_vs_N",
                                  "emch_radin_fig2c_p", "emch_radin_beta_vs_theory"])):
        out = tmp_path / red.stem
        res = subprocess.run([QGLASS, "plot", str(red), "--out", str(out), "--format", "png"], capture_output=True, text=True, env=ENV)
        assert res.returncode == 0, res.stderr
        for stem in stems:
            assert (out / f"{stem}.png").exists(), (stem, res.stdout)
            img = mpimg.imread(out / f"{stem}.png")
            assert img[..., :3].std() > 0.03, f"blank figure {stem}"


def test_refusals(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    for args, text in ((["--d", "4", "--alpha", "6", "--N", "10"], "d = 4 out of range"),
                       (["--d", "3", "--alpha", "2", "--N", "10"], "no alpha >= d = 3"),
                       (["--d", "1", "--alpha", "2", "--N", "10", "--x", "1.6"], "jamming"),
                       (["--d", "1", "--alpha", "2", "--N", "1"], "N = 1 out of range")):
        res = mpirun("emch-radin", *args, "--samples", "2", "--seed", "1", "--out", tmp_path / "x.h5", ranks=1)
        errors = [line for line in res.stderr.splitlines() if line.startswith("error")]
        assert res.returncode == 2 and len(errors) == 1 and text in errors[0], res.stderr
