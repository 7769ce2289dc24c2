#!/usr/bin/env python3
"""Figures of a reduced qglass file (docs/hdf5-schema.md). S1 files are drawn here;
classical studies (fields, avalanche, twoflip, tempering) by qglass_plot_classical.py.

    python3 python/qglass_plot.py REDUCED.h5 --out DIR [--format png,svg] [--L 12] [--all-L]

or `qglass plot REDUCED.h5 --out DIR`. Writes, per alpha:
  phase_diagram_L{L}_alpha{a}.{fmt}  <r> and m_EA heat maps over (h_x, eps)
  r_vs_hx_alpha{a}.{fmt}             window <r>(h_x) per L, Poisson/GOE lines, crossings
  m_ea_vs_hx_alpha{a}.{fmt}          window <m_EA>(h_x) per L, crossings
  collapse_{r,m_ea}_alpha{a}.{fmt}   data collapse in (h_x - h_c) L^(1/nu) when fitted
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

POISSON = 2 * np.log(2) - 1
GOE = 0.5307
MARKERS = "osD^v<>pH*"

plt.rcParams.update({
    "font.size": 13, "axes.labelsize": 15, "axes.titlesize": 14, "legend.fontsize": 12,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "figure.dpi": 150, "savefig.dpi": 150,
})


def _edges_log(x):
    """Cell edges for pcolormesh on a log axis: geometric midpoints."""
    x = np.asarray(x, float)
    if len(x) == 1:
        return np.array([x[0] / 1.5, x[0] * 1.5])
    mid = np.sqrt(x[1:] * x[:-1])
    return np.concatenate([[x[0] ** 2 / mid[0]], mid, [x[-1] ** 2 / mid[-1]]])


def _read(f, path, default=None):
    return f[path][()] if path in f else default


def load(path):
    with h5py.File(path, "r") as f:
        if f.attrs.get("kind") != "reduced":
            raise SystemExit(f"{path}: not a reduced qglass file (attribute kind != 'reduced')")
        d = {k: f[f"lrsg/points/{k}"][()] for k in ("L", "alpha", "hx", "n_realizations")}
        d["edges"] = f["lrsg/eps/eps_edges"][()]
        for o in ("r", "m_ea"):
            d[f"eps_{o}"] = f[f"lrsg/eps/{o}_mean"][()]
            d[f"w_{o}"] = f[f"lrsg/window/{o}_mean"][()]
            d[f"w_{o}_err"] = f[f"lrsg/window/{o}_err"][()]
            d[f"cross_{o}"] = {k: _read(f, f"lrsg/crossings/{o}/{k}", np.array([])) for k in ("alpha", "L1", "L2", "hc", "hc_err", "found")}
            d[f"coll_{o}"] = {k: _read(f, f"lrsg/collapse/{o}/{k}", np.array([])) for k in ("alpha", "hc", "hc_err", "nu", "nu_err", "quality", "ok")}
        d["window"] = tuple(f.attrs["eps_window"])
        d["warnings"] = f.attrs.get("warnings", "")
    return d


def _save(fig, outdir, name, formats, written):
    for fmt in formats:
        p = os.path.join(outdir, f"{name}.{fmt}")
        fig.savefig(p, bbox_inches="tight")
        written.append(p)
    plt.close(fig)


def phase_diagram(d, L, alpha, outdir, formats, written):
    sel = (d["L"] == L) & (d["alpha"] == alpha)
    order = np.argsort(d["hx"][sel])
    hx = d["hx"][sel][order]
    xe, ye = _edges_log(hx), d["edges"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    for ax, (key, label, vmin, vmax, cmap) in zip(axes, [
        ("eps_r", r"$\langle r\rangle$", 0.38, 0.54, "viridis"),
        ("eps_m_ea", r"$\langle m_{EA}\rangle$", 0.0, 1.0, "magma"),
    ]):
        z = np.ma.masked_invalid(d[key][sel][order].T)
        mesh = ax.pcolormesh(xe, ye, z, vmin=vmin, vmax=vmax, cmap=cmap, shading="flat")
        ax.set_xscale("log")
        ax.set_xlabel(r"transverse field $h_x$")
        ax.set_ylabel(r"energy density $\epsilon$")
        ax.set_ylim(0, 1)
        cb = fig.colorbar(mesh, ax=ax)
        cb.set_label(label)
    n = int(np.min(d["n_realizations"][sel]))
    fig.suptitle(rf"Long-range quantum spin glass, $L={L}$, $\alpha={alpha:g}$ ({n} realizations per $h_x$)")
    _save(fig, outdir, f"phase_diagram_L{L}_alpha{alpha:g}", formats, written)


def curves(d, obs, alpha, outdir, formats, written):
    sizes = sorted(set(d["L"][d["alpha"] == alpha]))
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    for i, L in enumerate(sizes):
        sel = (d["L"] == L) & (d["alpha"] == alpha)
        o = np.argsort(d["hx"][sel])
        ax.errorbar(d["hx"][sel][o], d[f"w_{obs}"][sel][o], yerr=d[f"w_{obs}_err"][sel][o], color=colors[i],
                    marker=MARKERS[i % len(MARKERS)], ms=6, capsize=3, lw=1.6, label=f"L = {L}")
    if obs == "r":
        ax.axhline(GOE, ls="--", color="0.3", lw=1.2)
        ax.axhline(POISSON, ls="--", color="0.3", lw=1.2)
        ax.text(0.99, GOE, "GOE 0.531 ", transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=11, color="0.3")
        ax.text(0.99, POISSON, "Poisson 0.386 ", transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=11, color="0.3")
        ax.set_ylabel(r"$\langle r\rangle$")
    else:
        ax.set_ylabel(r"$\langle m_{EA}\rangle$")
    c = d[f"cross_{obs}"]
    shown = 0
    for k in range(len(c["hc"])):
        if c["alpha"][k] == alpha and c["found"][k] == 1 and np.isfinite(c["hc"][k]):
            # Mark the crossing on the larger size's curve, with its bootstrap error.
            sel = (d["L"] == c["L2"][k]) & (d["alpha"] == alpha)
            o = np.argsort(d["hx"][sel])
            y = np.interp(c["hc"][k], d["hx"][sel][o], d[f"w_{obs}"][sel][o])
            err = c["hc_err"][k] if np.isfinite(c["hc_err"][k]) else 0
            ax.errorbar([c["hc"][k]], [y], xerr=[[min(err, 0.9 * c["hc"][k])], [err]], fmt="*", ms=14, color="C3",
                        mec="k", capsize=4, zorder=5, label=f"$h_c({c['L1'][k]},{c['L2'][k]}) = {c['hc'][k]:.3f} \\pm {err:.3f}$")
            shown += 1
    ax.set_xscale("log")
    ax.set_xlabel(r"transverse field $h_x$")
    lo, hi = d["window"]
    ax.set_title(rf"$\alpha={alpha:g}$, $\epsilon \in [{lo:g}, {hi:g})$")
    ax.legend(loc="best", frameon=True, framealpha=0.85)
    _save(fig, outdir, f"{obs}_vs_hx_alpha{alpha:g}", formats, written)


def collapse(d, obs, alpha, outdir, formats, written):
    c = d[f"coll_{obs}"]
    rows = [k for k in range(len(c["alpha"])) if c["alpha"][k] == alpha and np.isfinite(c["hc"][k]) and np.isfinite(c["nu"][k])]
    if not rows:
        print(f"note: no collapse for {obs} at alpha {alpha:g}")
        return
    k = rows[0]
    hc, nu = c["hc"][k], c["nu"][k]
    sizes = sorted(set(d["L"][d["alpha"] == alpha]))
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, L in enumerate(sizes):
        sel = (d["L"] == L) & (d["alpha"] == alpha)
        o = np.argsort(d["hx"][sel])
        x = (d["hx"][sel][o] - hc) * L ** (1 / nu)
        ax.errorbar(x, d[f"w_{obs}"][sel][o], yerr=d[f"w_{obs}_err"][sel][o], color=colors[i],
                    marker=MARKERS[i % len(MARKERS)], ms=6, capsize=3, lw=1.2, label=f"L = {L}")
    ax.set_xlabel(r"$(h_x - h_c)\,L^{1/\nu}$")
    ax.set_ylabel(r"$\langle r\rangle$" if obs == "r" else r"$\langle m_{EA}\rangle$")
    ok = "" if c["ok"][k] == 1 else " (fit flagged)"
    ax.set_title(rf"$\alpha={alpha:g}$: $h_c={hc:.3f}\pm{c['hc_err'][k]:.3f}$, $\nu={nu:.2f}\pm{c['nu_err'][k]:.2f}$, $S={c['quality'][k]:.2f}${ok}")
    ax.legend(frameon=False)
    _save(fig, outdir, f"collapse_{obs}_alpha{alpha:g}", formats, written)


class PlotRefusal(Exception):
    """A reason not to plot, found before anything is created."""


def check(path, formats):
    """Raises PlotRefusal (one line) for an unknown format, a missing or
    non-HDF5 file, or a file that is not a reduced qglass file. Creates nothing."""
    supported = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    for fmt in formats:
        if fmt not in supported:
            raise PlotRefusal(f"unknown --format '{fmt}'; matplotlib writes {', '.join(sorted(supported))}")
    if not os.path.isfile(path):
        raise PlotRefusal(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            kind = f.attrs.get("kind")
    except OSError:
        raise PlotRefusal(f"{path}: not a readable HDF5 file") from None
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind != "reduced":
        raise PlotRefusal(f"{path} is not a reduced file (a campaign file?); run `qglass reduce {path} --out REDUCED.h5` first and plot REDUCED.h5")


def make_figures(path, outdir, formats=("png", "svg"), L=None, all_L=False):
    check(path, formats)
    written = []
    with h5py.File(path, "r") as f:
        study = f.attrs.get("study", b"lrsg")
        study = study.decode() if isinstance(study, bytes) else str(study)
    os.makedirs(outdir, exist_ok=True)
    if study != "lrsg":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from qglass_plot_classical import make_classical_figures
        make_classical_figures(path, study, lambda fig, name: _save(fig, outdir, name, formats, written))
        return written
    d = load(path)
    for alpha in sorted(set(d["alpha"])):
        sizes = sorted(set(d["L"][d["alpha"] == alpha]))
        chosen = [L] if L is not None else (sizes if all_L else sizes[-1:])
        for size in chosen:
            if size in sizes:
                phase_diagram(d, size, alpha, outdir, formats, written)
        for obs in ("r", "m_ea"):
            curves(d, obs, alpha, outdir, formats, written)
            collapse(d, obs, alpha, outdir, formats, written)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reduced")
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", default="png,svg")
    ap.add_argument("--L", type=int)
    ap.add_argument("--all-L", action="store_true")
    a = ap.parse_args(argv)
    try:
        written = make_figures(a.reduced, a.out, tuple(a.format.split(",")), a.L, a.all_L)
    except PlotRefusal as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
