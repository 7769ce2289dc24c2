"""Figures of reduced random-field chain files (studies xxz and heisenberg_o3;
docs/hdf5-schema.md, "Reduced chain files"). Entry `qglass_plot_chains:plot`,
called by qglass_plot.py. Writes, for the study in the file's `study` attribute:

  {study}_r_vs_W.{fmt}     mid-spectrum <r> vs disorder strength W per L, with the
                           Poisson line and the model's ergodic line (the file's
                           r_ensemble: GOE for a real Hamiltonian, GUE for a complex one)
  {study}_m_ea_vs_W.{fmt}  mid-spectrum <m_EA> vs W per L
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

MARKERS = "osD^v<>pH*"


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _curves(ax, pts, win, obs):
    L, W = pts["L"][()], pts["W"][()]
    y, dy = win[f"{obs}_mean"][()], win[f"{obs}_err"][()]
    sizes = sorted(set(L))
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    for i, size in enumerate(sizes):
        sel = L == size
        o = np.argsort(W[sel])
        n = int(np.min(pts["n_realizations"][()][sel]))
        ax.errorbar(W[sel][o], y[sel][o], yerr=np.nan_to_num(dy[sel][o]), color=colors[i], marker=MARKERS[i % len(MARKERS)],
                    ms=6, capsize=3, lw=1.6, label=f"L = {size} ({n} real.)")
    if np.all(W > 0) and W.max() / W.min() > 4:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"disorder strength $W$")


def plot(f, save, options=None):
    """Entry point: f an open reduced chain file, save(fig, name) writes one figure."""
    study = _text(f.attrs["study"])
    pts, win = f[f"{study}/points"], f[f"{study}/window"]
    lo, hi = f.attrs["eps_window"]
    ensemble = _text(f.attrs["r_ensemble"])
    title = rf"{study}, $\epsilon \in [{lo:g}, {hi:g})$"

    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    _curves(ax, pts, win, "r")
    for name, value in (("Poisson", float(f.attrs["r_poisson"])), (ensemble, float(f.attrs["r_ergodic"]))):
        ax.axhline(value, ls="--", color="0.3", lw=1.2)
        ax.text(0.99, value, f"{name} {value:.4f} ", transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=11, color="0.3")
    lo_y, hi_y = ax.get_ylim()
    ax.set_ylim(min(lo_y, float(f.attrs["r_poisson"]) - 0.02), max(hi_y, float(f.attrs["r_ergodic"]) + 0.02))
    ax.set_ylabel(r"$\langle r\rangle$")
    ax.set_title(title)
    ax.legend(loc="best", frameon=True, framealpha=0.85)
    save(fig, f"{study}_r_vs_W")

    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    _curves(ax, pts, win, "m_ea")
    ax.set_ylabel(r"$\langle m_{EA}\rangle$")
    ax.set_title(title)
    ax.legend(loc="best", frameon=True, framealpha=0.85)
    save(fig, f"{study}_m_ea_vs_W")
