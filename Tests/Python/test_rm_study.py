"""S10a resonance-model campaign (study rm) end to end: jobscripts/s10a-rm-small.toml
run on 1 and 2 ranks (bit-identical payloads), reduced, drawn, and the stored
curves checked against theory that holds independently of the Swift code paths
that wrote them:

* F(r) equals `qglass theory rm` for the same (kind, xi, Lambda, r), bit for bit;
* closed forms recomputed with numpy: F = exp(-r/Lambda) (Floquet, xi = inf),
  [C_zz] = exp(-sqrt(L/(2 Lambda))) (Hamiltonian, xi = inf), [C_zz](L -> inf) =
  exp(-xi/Lambda) and exp(-sqrt(pi xi/(4 Lambda))), p = -dF/dr by numpy's gradient;
* the sum rule of [S(omega)] (residual stored by the task, and the stored curve
  itself integrated with numpy on its log grid), C_zz(0) = 1, the small- and
  large-r limits of F;
* the drift root [C_zz](W_delta) = delta, W_delta(L) increasing towards W_c;
* the growth-diffusion solution: F >= F1 (comparison principle), F(0) = 1, and
  without loss the snapshots would be the unit Gaussian;
* refusals: an unknown key, realizations != 1, 1/xi <= -log 2.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import math
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, ROOT, datasets, mpirun, qglass

SMALL = ROOT / "jobscripts" / "s10a-rm-small.toml"
FIGURES = ["rm_fig2ad_theta", "rm_fig2be_spectral_function", "rm_fig2f_czz", "rm_fig8_light_cone",
           "rm_fig9_probe_entropy", "rm_fig11_growth_diffusion", "rm_fig12_distributions", "rm_F_of_r"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("rm")
    one, two, red = d / "one.h5", d / "two.h5", d / "red.h5"
    qglass("run", str(SMALL), "--out", str(one), ranks=1)
    qglass("run", str(SMALL), "--out", str(two), ranks=2)
    res = qglass("reduce", str(two), "--out", str(red), ranks=1)
    return one, two, red, res.stdout + res.stderr, d


def test_payload_identical_on_1_and_2_ranks(runs):
    one, two, *_ = runs
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        names = [n for n, _ in datasets(a) if not n.endswith("_seconds")]
        assert len(names) > 60
        assert sorted(names) == sorted(n for n, _ in datasets(b) if not n.endswith("_seconds"))
        for n in names:
            x, y = a[n][()], b[n][()]
            assert x.dtype == y.dtype and x.shape == y.shape, n
            assert x.tobytes() == y.tobytes(), n
        assert np.all(a["rm/L_floquet/done"][()] == 1) and np.all(a["rm/L_growth_diffusion/done"][()] == 1)


def test_F_equals_theory_cli(runs):
    _, two, *_ = runs
    with h5py.File(two, "r") as f:
        lam = f["rm/L_floquet"].attrs["Lambda"]
        for block, kind in (("L_floquet", "floquet"), ("L_hamiltonian", "hamiltonian")):
            g = f["rm/" + block]
            for k, ix in enumerate(g["inverse_xi"][()]):
                r = g["r"][k][::7]
                xi = "inf" if ix == 0 else repr(1 / float(ix))
                res = subprocess.run([QGLASS, "theory", "rm", "--kind", kind, f"--xi={xi}", "--Lambda", repr(float(lam)),
                                      "--r", ",".join(repr(float(x)) for x in r)], capture_output=True, text=True, env=ENV)
                assert res.returncode == 0, res.stderr
                table = np.array([[float(w) for w in line.split()] for line in res.stdout.splitlines()])
                assert np.array_equal(table[:, 0], r)
                assert np.array_equal(table[:, 1], g["F"][k][::7]), (kind, ix)


def test_closed_forms(runs):
    _, two, *_ = runs
    with h5py.File(two, "r") as f:
        fl, hm = f["rm/L_floquet"], f["rm/L_hamiltonian"]
        lam, L = fl.attrs["Lambda"], fl.attrs["L"]
        for g, model in ((fl, "floquet"), (hm, "hamiltonian")):
            ix = g["inverse_xi"][()]
            for k in range(len(ix)):
                r, F, p = g["r"][k], g["F"][k], g["p"][k]
                assert np.all(np.diff(F) <= 0) and np.all(F <= 1) and np.all(F >= 0)
                # p = -dF/dr (numpy's second-order gradient on the stored grid), away from r -> 0
                # where the Hamiltonian p ~ r^(-1/2) is not resolved by the grid.
                dF = -np.gradient(F, r, edge_order=2)
                sel = (r >= 10 * r[0]) & (r < r[-2])
                assert np.allclose(dF[sel], p[sel], rtol=2e-2, atol=1e-3 * np.max(p)), (model, ix[k])
                if ix[k] > 0:
                    xi = 1 / ix[k]
                    want = np.exp(-xi / lam) if model == "floquet" else np.exp(-np.sqrt(np.pi * xi / (4 * lam)))
                    assert g["czz_inf"][k] == pytest.approx(want, rel=1e-14)
                else:
                    assert g["czz_inf"][k] == 0
                assert g["probe_entropy"][k] == pytest.approx(np.log(2) * (1 - g["czz_L"][k]), rel=1e-14)
        k0 = list(fl["inverse_xi"][()]).index(0.0)
        assert np.allclose(fl["F"][k0], np.exp(-fl["r"][k0] / lam), rtol=1e-14)
        assert hm["czz_L"][k0] == pytest.approx(np.exp(-np.sqrt(L / (2 * lam))), rel=1e-14)
        assert np.allclose(hm["F"][k0], np.exp(-np.sqrt(hm["r"][k0] / lam)), rtol=1e-13)


def test_sum_rule_and_limits(runs):
    _, two, *_ = runs
    with h5py.File(two, "r") as f:
        for block in ("L_floquet", "L_hamiltonian"):
            g = f["rm/" + block]
            assert np.all(np.abs(g["sum_rule_residual"][()]) < 1e-10), g["sum_rule_residual"][()]
            assert np.all(np.abs(g["czz_t0_residual"][()]) < 1e-10)
            assert np.all(np.abs(g["small_r_residual"][()]) < 1e-5)
            assert np.all(np.abs(g["large_r_residual"][()]) < 1e-12)
            assert np.all(g["p_derivative_residual"][()] < 1e-6)
            ix = g["inverse_xi"][()]
            for k in np.where(ix >= 0)[0]:
                # Full sum rule int S + [C_zz] = 1, and the stored S curve integrated by numpy
                # on its log grid (trapezoid in log omega; the grid misses only omega < omega_min).
                assert g["sum_rule_weight"][k] + g["czz_L"][k] == pytest.approx(1, abs=1e-10)
                om, S = g["omega"][k], g["S"][k]
                assert np.all(S[om < g["omega_c"][k] * (1 - 1e-9)] == 0)
                if block == "L_floquet":
                    # S is finite at omega -> J: trapezoid in log omega of the stored curve.
                    w = 2 * np.trapezoid(S * om, np.log(om))
                    assert w == pytest.approx(g["sum_rule_weight"][k], abs=0.05), (block, ix[k])
                else:
                    # The printed eq. 93 (with log|J/omega| in the erf), recomputed with math.erf;
                    # at xi = inf its limit (eq. 111 with the stretched exponential).
                    lam, zc = g.attrs["Lambda"], 1 / np.log(2)
                    sel = om > g["omega_c"][k] * (1 + 1e-9)
                    u = np.log(1 / om[sel])
                    if ix[k] > 0:
                        xi = 1 / ix[k]
                        th = zc / (2 * xi + zc)
                        erf = np.vectorize(math.erf)
                        want = 0.25 * np.sqrt(zc * (1 - th) / (2 * lam * u)) * om[sel] ** (-1 + th) \
                            * np.exp(-np.sqrt(np.pi * xi / (4 * lam)) * erf(np.sqrt(th * u)))
                    else:
                        want = 0.25 * np.sqrt(zc / (2 * lam * u)) / om[sel] * np.exp(-np.sqrt(zc * u / (2 * lam)))
                    assert np.allclose(S[sel], want, rtol=1e-10), (block, ix[k])
            for k in np.where(ix < 0)[0]:
                om = g["omega"][k]
                assert np.all(np.isnan(g["S"][k][om < g["omega_xi"][k]]))
                assert np.all(np.isfinite(g["S"][k][om > g["omega_xi"][k]]))


def test_exponents_drift_growth_diffusion(runs):
    _, two, *_ = runs
    with h5py.File(two, "r") as f:
        e = f["rm/L_exponents"]
        z, th = e["inverse_zeta"][0], e["theta0"][0]
        xi = 1 / (z - np.log(2))
        assert np.allclose(th, (1 / np.log(2)) / (2 * xi + 1 / np.log(2)), rtol=1e-12)
        assert e["theta_c_floquet"][0] == pytest.approx(1 / (2 * np.log(2) * e.attrs["Lambda"]), rel=1e-14)
        # Deep in the MBL phase the local exponent approaches theta0 (Floquet: exactly up to O(omega^theta0)).
        assert abs(e["theta_local_floquet"][0][-1] - th[-1]) < 0.02
        assert abs(e["theta_local_hamiltonian"][0][-1] - th[-1]) < 0.1
        # Finite-L [C_zz] decreases with L towards the L -> inf value.
        for model in ("floquet", "hamiltonian"):
            c = e[f"czz_{model}"][0]
            assert np.all(np.diff(c, axis=0) <= 1e-15)
            assert np.all(c[-1] >= e[f"czz_inf_{model}"][0] - 1e-15)

        d = f["rm/L_drift"]
        wd, Ls = d["w_delta"][0], d["L"][0]
        assert d["root_residual"][0] < 1e-10
        assert np.all(np.diff(wd) > 0) and np.all(wd < 1) and np.all(wd > 0)
        sp = d["probe_entropy"][0]
        assert np.all((sp >= 0) & (sp <= np.log(2) + 1e-15))
        assert np.all(np.diff(sp, axis=1) <= 1e-15)          # [S_P] falls with W
        small = Ls <= d.attrs["fit_L_max"]
        assert np.allclose(d["w_delta_formula"][0][small], wd[small], rtol=0.02)   # eq. 117 within 2 % on the fit range
        assert d["lambda_c"][0] == pytest.approx(np.pi * (10 / (4 * np.log(2))) ** 2, rel=1e-14)

        g = f["rm/L_growth_diffusion"]
        assert np.all(np.abs(g["F0_residual"][()]) < 1e-10)
        assert np.all(g["min_F_minus_F1"][()] > -1e-6)
        assert np.all(np.abs(g["mass_balance_residual"][()]) < 1e-6)
        for k in range(len(g["Lambda"][()])):
            F, F1 = g["F"][k], g["F1"][k]
            ok = np.isfinite(F)
            assert np.all(F[ok] >= F1[ok] - 1e-3)
            # f is normalized like a density in x whose weight is F(r) <= 1.
            x = g["x"][k]
            for j in range(g["f"].shape[1]):
                assert np.trapezoid(g["f"][k][j], x) <= 1 + 1e-6


def test_reduce_report_and_plot(runs, tmp_path):
    _, two, red, report, _ = runs
    assert "sum-rule residual" in report and "largest |sum-rule residual|" in report
    with h5py.File(red, "r") as r, h5py.File(two, "r") as c:
        assert r.attrs["kind"] == "reduced" and r.attrs["study"] == "rm"
        assert r.attrs["plot_module"] == "qglass_plot_rm:plot"
        assert r["rm"].attrs["max_abs_sum_rule_residual"] < 1e-10
        for fam, blk in (("floquet", "L_floquet"), ("hamiltonian", "L_hamiltonian"), ("exponents", "L_exponents"),
                         ("drift", "L_drift"), ("growth_diffusion", "L_growth_diffusion")):
            for name in ("done",) + tuple(k for k in c["rm/" + blk] if k not in ("done", "wall_seconds", "write_seconds")):
                assert np.array_equal(r[f"rm/{fam}/{name}"][()], c[f"rm/{blk}/{name}"][()], equal_nan=name != "done"), (fam, name)
    out = tmp_path / "figs"
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(out), "--format", "png"], capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stdout + res.stderr
    import matplotlib.image as mpimg
    for stem in FIGURES:
        assert (out / f"{stem}.png").exists(), stem
        img = mpimg.imread(out / f"{stem}.png")
        assert img[..., :3].std() > 0.03, f"blank figure {stem}"


@pytest.mark.parametrize("extra,text", [
    ("bogus = 1\n", "unknown key 'bogus'"),
    ("inverse_xi = [0.5, -0.7]\n", "inverse_xi = -0.7 out of range"),
    ("t_min = 10.0\nt_max = 5.0\n", "need t_min < t_max"),
    ("gd_Lambda = [1, 1]\n", "gd_Lambda must list distinct values"),
])
def test_refusals(tmp_path, extra, text):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[campaign]\nseed = 1\nrealizations = 1\n\n[rm]\n" + extra)
    res = mpirun("run", cfg, "--out", tmp_path / "x.h5", ranks=1)
    errors = [line for line in res.stderr.splitlines() if line.startswith("error")]
    assert res.returncode == 2 and len(errors) == 1 and text in errors[0], res.stderr
    assert not (tmp_path / "x.h5").exists()


def test_realizations_refused(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[campaign]\nseed = 1\nrealizations = 3\n\n[rm]\n")
    res = mpirun("run", cfg, "--out", tmp_path / "x.h5", ranks=1)
    assert res.returncode == 2 and "deterministic" in res.stderr and "realizations = 1" in res.stderr, res.stderr


def test_reduce_rules(runs, tmp_path):
    """One input only (nothing is averaged), refused in one line before anything is written; a
    row not done is refused without --allow-partial and, with it, reduced to NaN with done = 0
    while every other row keeps its values."""
    import shutil
    _, two, red, _, _ = runs
    def reduce(*args):
        return mpirun("reduce", *args)
    out = tmp_path / "r.h5"
    res = reduce(two, two, "--out", out)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error")]
    assert res.returncode == 2 and len(errors) == 1 and "reduce exactly one campaign file (got 2)" in errors[0], res.stderr
    assert not out.exists()
    part = tmp_path / "part.h5"
    shutil.copy(two, part)
    with h5py.File(part, "r+") as f:
        f["rm/L_floquet/done"][1] = 0
    res = reduce(part, "--out", out)
    assert res.returncode == 2 and "unfinished campaign" in res.stderr and not out.exists(), res.stderr
    res = reduce(part, "--out", out, "--allow-partial")
    assert res.returncode == 0, res.stdout + res.stderr
    with h5py.File(out, "r") as r, h5py.File(red, "r") as full:
        assert list(r["rm/floquet/done"][()]) == [1, 0] + [1] * (len(full["rm/floquet/done"]) - 2)
        for name in ("F", "czz_L", "sum_rule_residual"):
            x, y = r[f"rm/floquet/{name}"][()], full[f"rm/floquet/{name}"][()]
            assert np.all(np.isnan(x[1])) and np.array_equal(np.delete(x, 1, axis=0), np.delete(y, 1, axis=0)), name
        assert np.array_equal(r["rm/hamiltonian/F"][()], full["rm/hamiltonian/F"][()])
