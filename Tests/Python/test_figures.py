"""Figures a physicist would put in a talk (issue 21, section 6): tiny real
campaigns under mpirun -n 2, reduced, then drawn by the study's plot module with
a `save` that keeps the figures, so that the tests read the matplotlib objects:

* S10b "vs W": the log W axis labels the grid's W values (not one "1.0").
* S6a: no near-white curve; the legends sit outside the axes, off the data.
* S9 Fig. 2b: the legends sit outside the axes.
* S8 diamond maps: the random potential's titles carry no "theta_0 = nan".

Runs the built executable (QGLASS_BIN, default .build/debug/qglass).
"""
import colorsys
import os
import sys

import h5py
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from qgtest import QGLASS, ROOT, qglass  # noqa: E402

sys.path.insert(0, str(ROOT / "python"))
import qglass_plot_avalanche2d  # noqa: E402
import qglass_plot_chains  # noqa: E402
import qglass_plot_emch_radin  # noqa: E402
import qglass_plot_lrsg  # noqa: E402

pytestmark = pytest.mark.skipif(not os.path.exists(QGLASS), reason=f"{QGLASS} not built")


def reduced(tmp, name, toml, *extra):
    """Runs the config text, reduces it; the reduced file's path."""
    cfg = tmp / f"{name}.toml"
    cfg.write_text(toml)
    camp, red = tmp / f"{name}.h5", tmp / f"{name}-reduced.h5"
    qglass("run", str(cfg), "--out", str(camp))
    qglass("reduce", str(camp), "--out", str(red), "--bootstrap", "20", "--force", *extra, ranks=1)
    return red


def figures(draw, path):
    """{name: figure} drawn by draw(f, save, options), each canvas drawn."""
    figs = {}

    def save(fig, name):
        fig.canvas.draw()
        figs[name] = fig

    with h5py.File(path, "r") as f:
        draw(f, save, type("O", (), {"L": None, "all_L": False})())
    return figs


def outside(fig, ax, legend):
    """Whether the legend's box and the axes' data area do not overlap (display units)."""
    r = fig.canvas.get_renderer()
    lb, ab = legend.get_window_extent(r), ax.get_window_extent(r)
    return lb.x1 <= ab.x0 or lb.x0 >= ab.x1 or lb.y1 <= ab.y0 or lb.y0 >= ab.y1


def test_vs_W_axis_labels_the_grid_values(tmp_path):
    grid = [0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0]   # the S10b small grid; the old axis labelled only "1.0"
    red = reduced(tmp_path, "xxz", f"[campaign]\nseed = 3\nrealizations = 2\n\n[xxz]\nL = [6]\nW = {grid}\ndelta = 1.0\n")
    figs = figures(qglass_plot_chains.plot, red)
    for name in ("xxz_r_vs_W", "xxz_m_ea_vs_W"):
        ax = figs[name].axes[0]
        assert ax.get_xscale() == "log"
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert len(labels) >= 5, labels
        assert set(labels) <= {f"{w:g}" for w in grid} and {"0.5", "8"} <= set(labels), labels
        lo, hi = ax.get_xlim()
        assert all(lo <= w <= hi for w in grid)
    plt.close("all")


def test_s6a_colors_are_not_near_white_and_legends_are_off_the_data(tmp_path):
    red = reduced(tmp_path, "s6a", "[campaign]\nseed = 4\nrealizations = 2\n\n[lrsg]\nL = [6, 8]\nalpha = [0.7]\n"
                  "hx = [0.05, 0.3, 1.0]\nentanglement = true\n")
    figs = figures(qglass_plot_lrsg.plot, red)
    fig = figs["entanglement_alpha0.7"]
    ax, bx = fig.axes[:2]
    lines = [ln for ln in ax.get_lines() if ln.get_label() and not ln.get_label().startswith("_")] or ax.get_lines()
    assert lines
    for ln in lines:
        rgb = matplotlib.colors.to_rgb(ln.get_color())
        assert colorsys.rgb_to_hls(*rgb)[1] < 0.7, (ln.get_label(), rgb)   # coolwarm's midpoint: 0.865
    for a in (ax, bx):
        assert a.get_legend() is not None and outside(fig, a, a.get_legend())
    plt.close("all")


def test_s9_fig2b_legends_are_off_the_data(tmp_path):
    red = reduced(tmp_path, "s9", "[campaign]\nseed = 5\nrealizations = 4\n\n[emch_radin]\nd = [1]\nalpha = [3]\n"
                  "N = [20, 40]\nx = [0.01]\ntau_points = 24\n")
    figs = figures(qglass_plot_emch_radin.plot, red)
    fig = figs["emch_radin_fig2b_error_vs_N"]
    for a in fig.axes:
        assert a.get_legend() is not None and outside(fig, a, a.get_legend()), a.get_title()
    plt.close("all")


def test_diamond_map_titles_have_no_nan_theta0(tmp_path):
    red = reduced(tmp_path, "s8", "[campaign]\nseed = 6\nrealizations = 2\n\n[diamond]\nR = [4]\nW = [20.0]\n"
                  "potential = [\"qp\", \"random\"]\ng0 = 1.0\nmap_R = 4\nmap_W = [20.0]\nmap_theta0 = 2.954\n")
    figs = figures(qglass_plot_avalanche2d.plot_diamond, red)
    maps = {n: f.axes[0].get_title() for n, f in figs.items() if n.startswith("diamond_map_")}
    assert any(n.startswith("diamond_map_random") for n in maps) and any(n.startswith("diamond_map_qp") for n in maps), list(figs)
    for n, title in maps.items():
        assert "nan" not in title.lower(), title
        assert ("theta_0" in title) == n.startswith("diamond_map_qp"), title
    plt.close("all")


def test_s8_small_config_maps_straddle_the_threshold(tmp_path):
    """jobscripts/s8-diamond-small.toml's map_W: for each potential one map
    thermalizes (mean [S_n] near ln 2) and one fails (mean [S_n] near 0); the
    old [20, 45] gave two fully thermalized maps per potential."""
    import tomllib
    import numpy as np
    cfg = ROOT / "jobscripts" / "s8-diamond-small.toml"
    map_w = tomllib.loads(cfg.read_text())["diamond"]["map_W"]
    camp, red = tmp_path / "maps.h5", tmp_path / "maps-reduced.h5"
    qglass("run", str(cfg), "--set", "diamond.R=[15]", "--set", "diamond.W=[20.0]", "--set", "diamond.theta_W=[20.0]",
           "--set", "campaign.realizations=1", "--out", str(camp))
    qglass("reduce", str(camp), "--out", str(red), "--force", ranks=1)
    with h5py.File(red, "r") as f:
        for kind in ("qp", "random"):
            maps = f[f"diamond/{kind}/maps"]
            assert len(maps) == len(map_w)
            s = sorted(float(np.mean(m["s_site"][()])) / np.log(2) for m in maps.values())
            assert s[0] < 0.1 and s[-1] > 0.9, (kind, s)
