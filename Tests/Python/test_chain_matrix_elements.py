"""S10b: the matrix-element observables of the chain studies (matrix_elements = true).

Small real campaigns (XXZ at S^z = 0, real; Heisenberg-O(3), complex):
payloads bit-identical on 1 and 2 ranks (group size 1), a ScaLAPACK group of 2
against serial to 1e-10, the sum rule of S(omega) and the normalization of
rho(v) read back from the payload, the reduced numbers against numpy, the
figures drawn, and the config refusals.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, datasets, mpirun, payload, qglass

MODELS = {"xxz": ("L = [6, 8]\nW = [1.0, 6.0]\ndelta = 1.0\n", 0.5), "heisenberg_o3": ("L = [4, 6]\nW = [1.0, 6.0]\n", 1.0)}
ME = "matrix_elements = true\nwindow = 0.5\nomega_range = [0.001, 20.0]\nomega_bins = 30\nv_bins = 40\n"


def campaign(d, study, name, ranks, group=1, extra=ME):
    table, _ = MODELS[study]
    cfg = d / f"{name}.toml"
    cfg.write_text(f"[campaign]\nseed = 7\nrealizations = 3\ngroup_size = {group}\n\n[{study}]\n{table}{extra}")
    out = d / f"{name}.h5"
    qglass("run", str(cfg), "--out", str(out), ranks=ranks)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("s10b")
    out = {}
    for study in MODELS:
        out[study] = {"n1": campaign(d, study, f"{study}-n1", 1), "n2": campaign(d, study, f"{study}-n2", 2),
                      "g2": campaign(d, study, f"{study}-g2", 2, group=2)}
        red = d / f"{study}-reduced.h5"
        qglass("reduce", str(out[study]["n2"]), "--out", str(red), "--bootstrap", "20", "--force")
        out[study]["reduced"] = red
    return out


@pytest.mark.parametrize("study", list(MODELS))
def test_payload_bit_identical_on_1_and_2_ranks(runs, study):
    a, b = payload(runs[study]["n1"]), payload(runs[study]["n2"])
    assert set(a) == set(b) and any(k.endswith("log_chi") for k in a)
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f"), k


@pytest.mark.parametrize("study", list(MODELS))
def test_group_of_two_matches_serial(runs, study):
    a, b = payload(runs[study]["n1"]), payload(runs[study]["g2"])
    for k in a:
        name = k.split("/")[-1]
        if name in ("v_diag", "rho_vbar", "s_weight", "s_diagonal_weight", "czz_time_average", "energy"):
            assert np.allclose(a[k], b[k], rtol=0, atol=1e-10), k
        elif name == "log_chi":
            assert np.allclose(np.exp(a[k]), np.exp(b[k]), rtol=1e-10, atol=0), k
        elif name == "window_count":
            assert np.array_equal(a[k], b[k]), k


@pytest.mark.parametrize("study", list(MODELS))
def test_sum_rule_and_rho_v_normalization_in_the_payload(runs, study):
    scale = MODELS[study][1]
    with h5py.File(runs[study]["n1"], "r") as f:
        for blk in f[study]:
            g = f[f"{study}/{blk}"]
            lo, hi = g.attrs["mid_lo"], g.attrs["mid_hi"]
            # [S(omega)]: bins + below + above + diagonal = <V^2> (= scale^2 for a one-site Pauli operator).
            total = g["s_weight"][()].sum(axis=1) + g["s_diagonal_weight"][()]
            assert np.allclose(total, scale ** 2, rtol=0, atol=1e-12)
            assert np.all(g["v2_mean"][()] == scale ** 2)
            assert np.all((g["czz_time_average"][()] >= 0) & (g["czz_time_average"][()] <= 1 + 1e-12))
            # rho(v): one count per (mid-spectrum a, partner b), so sum = sum of the partner counts.
            eps, cnt = g["eps"][()], g["window_count"][()]
            mid = (eps >= lo) & (eps < hi)
            assert np.array_equal(g["v_counts"][()].sum(axis=1), (cnt * mid).sum(axis=1).astype(np.int64))
            # Partner counts from the energies alone.
            e, w = g["energy"][()], g.attrs["window"]
            for t in range(e.shape[0]):
                diff = np.abs(e[t][:, None] - e[t][None, :])
                assert np.array_equal(cnt[t], ((diff <= w / 2) & (diff > g.attrs["degeneracy"])).sum(axis=0))


@pytest.mark.parametrize("study", list(MODELS))
def test_reduced_matrix_elements_match_numpy(runs, study):
    with h5py.File(runs[study]["n2"], "r") as c, h5py.File(runs[study]["reduced"], "r") as r:
        me, pts = r[f"{study}/matrix_elements"], r[f"{study}/points"]
        window = me.attrs["window"]
        ve = me["v_edges"][()]
        for p, (L, W) in enumerate(zip(pts["L"][()], pts["W"][()])):
            g = c[f"{study}/L{L}"]
            sel = np.where(g["W"][()] == W)[0]
            eps = g["eps"][()][sel]
            mid = (eps >= 0.4) & (eps < 0.6)
            rvb = [np.mean(g["rho_vbar"][()][t][m]) for t, m in zip(sel, mid)]
            lchi = [np.mean(g["log_chi"][()][t][m]) for t, m in zip(sel, mid)]
            assert me["rho_vbar_mean"][p] == pytest.approx(np.mean(rvb), rel=1e-12)
            assert me["log_chi_mean"][p] == pytest.approx(np.mean(lchi), rel=1e-12, abs=1e-12)
            assert me["czz_mean"][p] == pytest.approx(np.mean(g["czz_time_average"][()][sel]), rel=1e-12)
            # int rho(v) dv (+ outside the bins) = rho = partners per state / omega.
            integral = np.sum(me["rho_v"][p] * np.diff(ve)) + me["rho_v_outside"][p].sum()
            assert integral == pytest.approx(me["rho_dos"][p], rel=1e-12)
            # [S(omega)] integrates (two-sided) with the tails and the diagonal to <V^2>.
            oe = me["omega_edges"][()]
            s_int = np.sum(2 * me["s_omega"][p] * np.diff(oe)) + me["s_outside"][p].sum()
            assert s_int == pytest.approx(MODELS[study][1] ** 2, rel=1e-12)
        sl = me["slopes"]
        assert list(sl["W"][()]) == [1.0, 6.0]
        # Thermal W = 1: [log chi] and log(rho v_bar) grow with L; W = 6: slower.
        assert sl["log_chi_slope"][0] > 0.3 and sl["log_rho_vbar_slope"][0] > 0.1
        assert sl["log_chi_slope"][1] < sl["log_chi_slope"][0]


def test_plot_draws_the_s10b_figures(runs, tmp_path):
    res = subprocess.run([QGLASS, "plot", str(runs["xxz"]["reduced"]), "--out", str(tmp_path)], capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    for stem in ("rho_vbar_vs_L", "rho_vbar_vs_W", "log_chi_vs_L", "log_chi_distribution", "rho_v", "spectral_function", "czz_vs_W"):
        assert (tmp_path / f"xxz_{stem}.png").exists(), stem


@pytest.mark.parametrize("table,message", [
    ("window = 0.2\n", "config error: [xxz] 'window' needs matrix_elements = true"),
    ("matrix_elements = true\noperator_site = 6\n", "config error: [xxz] operator_site must be in 0..<6 (the smallest L; got 6)"),
    ("matrix_elements = true\nwindow = -1.0\n", "config error: [xxz] window must be finite and > 0 (got -1.0)"),
    ("matrix_elements = true\nmid_spectrum = [0.6, 0.4]\n", "config error: [xxz] mid_spectrum must be [lo, hi] with 0 <= lo < hi <= 1 (energy densities)"),
])
def test_config_refusals(tmp_path, table, message):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f"[campaign]\nseed = 1\nrealizations = 1\n\n[xxz]\nL = [6, 8]\nW = [1.0]\n{table}")
    res = subprocess.run([QGLASS, "run", str(cfg), "--out", str(tmp_path / "x.h5")], capture_output=True, text=True, env=ENV)
    assert res.returncode == 2
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and message in lines[0], res.stderr


def test_reduce_refuses_differing_bins_and_skips_a_partial_s10b_set(tmp_path):
    """The S10b analysis runs on the same records as <r>: inputs whose S10b bins differ (here
    v_bins, at two sizes, so the per-size settings agree) are refused before anything is written,
    naming the study and the size; inputs of which only some carry S10b data reduce <r> and m_EA
    with a warning and no /xxz/matrix_elements."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    def camp(name, L, extra):
        cfg = tmp_path / f"{name}.toml"
        cfg.write_text(f"[campaign]\nseed = 7\nrealizations = 2\n\n[xxz]\nL = [{L}]\nW = [1.0]\n{extra}")
        out = tmp_path / f"{name}.h5"
        qglass("run", str(cfg), "--out", str(out))
        return out
    a = camp("a", 6, ME)
    b = camp("b", 8, ME.replace("v_bins = 40", "v_bins = 20"))
    c = camp("c", 8, "")
    out = tmp_path / "r.h5"
    cmd = ["reduce", "--bootstrap", "10", "--out", out]
    res = mpirun(*cmd, a, b)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error: ")]
    assert res.returncode == 2 and len(errors) == 1 and "xxz: S10b bins differ between sizes or inputs (L 8)" in errors[0], res.stderr
    assert not out.exists()
    res = mpirun(*cmd, a, c)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "some tasks carry S10b matrix-element data and some do not" in res.stdout
    with h5py.File(out, "r") as f:
        assert list(f["xxz/points/L"][()]) == [6, 8] and "matrix_elements" not in f["xxz"]
