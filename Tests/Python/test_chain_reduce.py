"""Reduction and figures of the random-field chain studies (xxz, heisenberg_o3):
small real campaigns under mpirun -n 2 (group sizes 1 and 2), the reduced
datasets checked with h5py against numpy on the campaign file, the figures
drawn, and split campaigns reducing to the numbers of the unsplit one.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import re
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, mpirun, qglass

MODELS = {
    # study: (table beyond L and W, group size of the fixture campaign, ergodic ensemble, dimension at L = 8)
    "xxz": ("delta = 1.0\n", 1, "GOE", 70),
    "heisenberg_o3": ("", 2, "GUE", 256),
}
SIZES, FIELDS, REALIZATIONS = (6, 8), (0.5, 3.0, 12.0), 6


def campaign(d, study, name, realizations, first=0, group=1):
    table, *_ = MODELS[study]
    cfg = d / f"{name}.toml"
    cfg.write_text(f"[campaign]\nseed = 21\nrealizations = {realizations}\nfirst_realization = {first}\ngroup_size = {group}\n\n"
                   f"[{study}]\nL = {list(SIZES)}\nW = {list(FIELDS)}\n{table}")
    out = d / f"{name}.h5"
    qglass("run", str(cfg), "--out", str(out))
    return out


def reduce(inputs, out, *extra):
    return qglass("reduce", *map(str, inputs), "--out", str(out), "--bootstrap", "40", "--force", *extra)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("chains")
    out = {}
    for study, (_, group, _, _) in MODELS.items():
        camp = campaign(d, study, study, REALIZATIONS, group=group)
        red = d / f"{study}-reduced.h5"
        res = reduce([camp], red)
        out[study] = (camp, red, res.stdout)
    return out


def window_means(camp, study, lo=0.4, hi=0.6):
    """Per (L, W): mean over realizations of the per-realization means of r and
    m_EA over the eigenstates with eps in [lo, hi) (r: the finite ones), with numpy."""
    out = {}
    with h5py.File(camp, "r") as f:
        for blk in f[study]:
            g = f[f"{study}/{blk}"]
            L = int(g.attrs["L"])
            eps, r, m, W = g["eps"][()], g["r"][()], g["m_ea"][()], g["W"][()]
            assert np.all(g["done"][()] == 1)
            for w in sorted(set(W)):
                rs, ms = [], []
                for t in np.where(W == w)[0]:
                    inw = (eps[t] >= lo) & (eps[t] < hi)
                    fin = inw & np.isfinite(r[t])
                    rs.append(r[t][fin].mean())
                    ms.append(m[t][inw].mean())
                out[(L, w)] = (np.mean(rs), np.mean(ms))
    return out


@pytest.mark.parametrize("study", list(MODELS))
def test_reduced_chain_file(runs, study):
    camp, red, report = runs[study]
    _, _, ensemble, dim8 = MODELS[study]
    expect = window_means(camp, study)
    with h5py.File(red, "r") as f:
        a = f.attrs
        assert a["kind"] == "reduced" and a["study"] == study
        assert a["plot_module"] == "qglass_plot_chains:plot"
        assert a["r_ensemble"] == ensemble
        assert a["r_poisson"] == pytest.approx(2 * np.log(2) - 1, abs=1e-12)
        assert a["r_goe"] == 0.5307 and a["r_gue"] == 0.5996
        assert a["r_ergodic"] == (0.5996 if ensemble == "GUE" else 0.5307)
        assert list(a["eps_window"]) == [0.4, 0.6] and a["average"] == "realization"
        pts, win = f[f"{study}/points"], f[f"{study}/window"]
        P = len(SIZES) * len(FIELDS)
        for name, dtype in [("L", np.int64), ("W", np.float64), ("n_realizations", np.int64), ("dimension", np.int64)]:
            assert pts[name].dtype == dtype and pts[name].shape == (P,), name
        for name in ("n_states", "r_mean", "r_err", "m_ea_mean", "m_ea_err"):
            assert win[name].dtype == np.float64 and win[name].shape == (P,), name
        assert list(pts["L"][()]) == [L for L in SIZES for _ in FIELDS]
        assert list(pts["W"][()]) == [w for _ in SIZES for w in FIELDS]
        assert np.all(pts["n_realizations"][()] == REALIZATIONS)
        assert pts["dimension"][()][pts["L"][()] == 8][0] == dim8
        for k in range(P):
            r, m = expect[(int(pts["L"][k]), float(pts["W"][k]))]
            assert win["r_mean"][k] == pytest.approx(r, abs=1e-12)
            assert win["m_ea_mean"][k] == pytest.approx(m, abs=1e-12)
            assert 0 < win["r_err"][k] < 0.2 and 0 < win["m_ea_err"][k] < 0.5
            assert win["n_states"][k] > 0
        # Strong disorder is near Poisson, weak disorder at L = 8 well above it.
        r8 = win["r_mean"][()][pts["L"][()] == 8]
        assert r8[0] > r8[-1] and abs(r8[-1] - a["r_poisson"]) < 0.06, r8
    assert f"{ensemble} " in report and "<r>" in report


@pytest.mark.parametrize("study", list(MODELS))
def test_plot_draws_r_and_m_ea_vs_W(runs, study, tmp_path):
    import matplotlib.image as mpimg
    _, red, _ = runs[study]
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path), "--format", "png,svg"],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    for stem in (f"{study}_r_vs_W", f"{study}_m_ea_vs_W"):
        assert (tmp_path / f"{stem}.png").exists() and (tmp_path / f"{stem}.svg").exists(), res.stdout
        img = mpimg.imread(tmp_path / f"{stem}.png")
        assert img.shape[0] > 500 and img.shape[1] > 800
        assert img[..., :3].std() > 0.05, "blank figure"


@pytest.mark.parametrize("study", list(MODELS))
def test_split_campaigns_reduce_to_the_unsplit_numbers(study, tmp_path):
    """Two campaign files with disjoint realizations (0-2 and 3-5), given in
    either order, reduce bit for bit to the numbers of one file with all six;
    an overlapping third file counts its duplicates once."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    full = campaign(tmp_path, study, "full", 6)
    a = campaign(tmp_path, study, "a", 3)
    b = campaign(tmp_path, study, "b", 3, first=3)
    overlap = campaign(tmp_path, study, "overlap", 2, first=2)
    reduce([full], tmp_path / "r-full.h5")
    reduce([b, a], tmp_path / "r-split.h5")
    res = reduce([a, overlap, b], tmp_path / "r-overlap.h5")
    # 2 overlapping tasks per W, named by the first duplicated key itself
    assert "duplicated task(s) found in several inputs" in res.stdout, res.stdout
    assert re.search(r"the first \(L \d+, W [0-9.]+, seed 21, realization [23]\)", res.stdout), res.stdout
    with h5py.File(tmp_path / "r-full.h5", "r") as f0:
        for other in ("r-split.h5", "r-overlap.h5"):
            with h5py.File(tmp_path / other, "r") as f1:
                for name in ("points/L", "points/W", "points/n_realizations", "points/dimension", "window/n_states",
                             "window/r_mean", "window/r_err", "window/m_ea_mean", "window/m_ea_err"):
                    x, y = f0[f"{study}/{name}"][()], f1[f"{study}/{name}"][()]
                    assert x.tobytes() == y.tobytes(), (other, name, x, y)


def reduce_raw(inputs, out, *extra):
    return mpirun("reduce", *inputs, "--out", out, "--bootstrap", "20", *extra)


def error_lines(res):
    return [line for line in res.stderr.splitlines() if line.startswith("error: ")]


def test_pooled_average_and_another_window_match_numpy(runs, tmp_path):
    camp, _, _ = runs["xxz"]
    red = tmp_path / "pooled.h5"
    reduce([camp], red, "--average", "pooled", "--eps-window", "0.2,0.8")
    expect = {}
    with h5py.File(camp, "r") as f:
        for blk in f["xxz"]:
            g = f[f"xxz/{blk}"]
            eps, r, m, W = g["eps"][()], g["r"][()], g["m_ea"][()], g["W"][()]
            for w in sorted(set(W)):
                sel = W == w
                inw = (eps[sel] >= 0.2) & (eps[sel] < 0.8)
                fin = inw & np.isfinite(r[sel])
                expect[(int(g.attrs["L"]), w)] = (r[sel][fin].sum() / fin.sum(), m[sel][inw].sum() / inw.sum(), inw.sum())
    with h5py.File(red, "r") as f:
        assert f.attrs["average"] == "pooled" and list(f.attrs["eps_window"]) == [0.2, 0.8]
        pts, win = f["xxz/points"], f["xxz/window"]
        for k in range(len(pts["L"])):
            r, m, n = expect[(int(pts["L"][k]), float(pts["W"][k]))]
            assert win["r_mean"][k] == pytest.approx(r, abs=1e-12)
            assert win["m_ea_mean"][k] == pytest.approx(m, abs=1e-12)
            assert win["n_states"][k] == n


def test_corrupt_task_is_named_and_skipped_only_with_allow_partial(runs, tmp_path):
    import shutil
    camp, _, _ = runs["xxz"]
    bad = tmp_path / "bad.h5"
    shutil.copy(camp, bad)
    with h5py.File(bad, "r+") as f:
        g = f["xxz/L6"]
        W, real = g["W"][4], g["realization"][4]
        e = g["eps"][4]
        e[3] = np.nan
        g["eps"][4] = e
    out = tmp_path / "r.h5"
    res = reduce_raw([bad], out)
    assert res.returncode == 2, res.stderr
    assert error_lines(res)[0] == (f"error: {bad}, /xxz/L6 row 4 (W {W:g}, realization {real}): marked done but its eps are not sorted "
                                   "in [0, 1] or its m_ea are not finite"), res.stderr
    assert not out.exists()
    res = reduce_raw([bad], out, "--allow-partial")
    assert res.returncode == 0, res.stderr
    with h5py.File(out, "r") as f:
        assert f.attrs["skipped_corrupt"] == 1 and "row 4" in f.attrs["warnings"]
        pts = f["xxz/points"]
        n = dict(zip(zip(pts["L"][()], pts["W"][()]), pts["n_realizations"][()]))
        assert n[(6, W)] == REALIZATIONS - 1 and sum(n.values()) == len(SIZES) * len(FIELDS) * REALIZATIONS - 1


def test_mismatched_configs_and_disorder_are_errors(runs, tmp_path):
    import shutil
    camp, _, _ = runs["xxz"]
    cfg = tmp_path / "aniso.toml"
    cfg.write_text(f"[campaign]\nseed = 21\nrealizations = 2\nfirst_realization = {REALIZATIONS}\n\n[xxz]\nL = [6]\nW = [0.5]\ndelta = 0.5\n")
    aniso = tmp_path / "aniso.h5"
    qglass("run", str(cfg), "--out", str(aniso))
    res = reduce_raw([camp, aniso], tmp_path / "r.h5")
    assert res.returncode == 2 and error_lines(res)[0].startswith("error: mismatched configs for L = 6: "), res.stderr
    # The same task in two files with different stored disorder.
    tampered = tmp_path / "tampered.h5"
    shutil.copy(camp, tampered)
    with h5py.File(tampered, "r+") as f:
        f["xxz/L8/h"][0] = f["xxz/L8/h"][0] + 1e-3
    res = reduce_raw([camp, tampered], tmp_path / "r.h5")
    assert res.returncode == 2, res.stderr
    assert "with different disorder" in error_lines(res)[0], res.stderr
