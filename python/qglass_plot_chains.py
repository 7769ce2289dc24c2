"""Figures of reduced random-field chain files (studies xxz and heisenberg_o3;
docs/hdf5-schema.md, "Reduced chain files"). Entry `qglass_plot_chains:plot`,
called by qglass_plot.py. Writes, for the study in the file's `study` attribute:

  {study}_r_vs_W.{fmt}     mid-spectrum <r> vs disorder strength W per L, with the
                           Poisson line and the model's ergodic line (the file's
                           r_ensemble: GOE for a real Hamiltonian, GUE for a complex one)
  {study}_m_ea_vs_W.{fmt}  mid-spectrum <m_EA> vs W per L

and, when the campaign ran with matrix_elements = true (S10b, group
{study}/matrix_elements; docs/resonance-model.md, "ED checks on random-field chains"):

  {study}_rho_vbar_vs_L.{fmt}       rho v_bar vs L per W (log scale), with the thermal 2^(L/2) slope
  {study}_rho_vbar_vs_W.{fmt}       rho v_bar vs W per L, the line rho v_bar = 1, and the <r> and
                                    rho v_bar crossings of consecutive sizes
  {study}_log_chi_vs_L.{fmt}        [log chi] vs L per W, with slopes L log 2 and 2 L log 2 (L^0 is flat)
  {study}_log_chi_distribution.{fmt} distribution of log chi at the largest L per W (log scale: the tail)
  {study}_rho_v.{fmt}               rho(v) at the largest L per W (log-log), with v^-2 for reference
  {study}_spectral_function.{fmt}   [S(omega)] as in seed 004 Fig. 10: ([S] omega W)^-2 vs (W omega)^-1
  {study}_czz_vs_W.{fmt}            infinite-time [C_zz] vs W per L
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "@study", "@eps_window", "@r_ensemble", "@r_poisson", "@r_ergodic", "*/points/L", "*/points/W",
        "*/points/n_realizations", "*/window/r_mean", "*/window/r_err", "*/window/m_ea_mean", "*/window/m_ea_err",
        "*/matrix_elements@window?", "*/matrix_elements/rho_vbar_mean?", "*/matrix_elements/rho_vbar_err?",
        "*/matrix_elements/log_chi_mean?", "*/matrix_elements/log_chi_err?", "*/matrix_elements/log_chi_edges?",
        "*/matrix_elements/log_chi_density?", "*/matrix_elements/v_edges?", "*/matrix_elements/rho_v?",
        "*/matrix_elements/omega_edges?", "*/matrix_elements/s_omega?", "*/matrix_elements/czz_mean?",
        "*/matrix_elements/czz_err?", "*/matrix_elements/crossings/L_small?", "*/matrix_elements/crossings/L_large?",
        "*/matrix_elements/crossings/W_r?", "*/matrix_elements/crossings/W_rho_vbar?",
    ),
}


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def log_w_axis(ax, W):
    """Log W axis whose tick labels are the grid's W values (a decade rarely
    holds more than one power of ten, so the default locator labels one tick)."""
    ax.set_xscale("log")
    grid = np.unique(np.asarray(W, float))
    ax.xaxis.set_major_locator(FixedLocator(grid))
    # Every grid W gets a tick; a label only when it is at least 1/14 of the
    # axis' decades from the last labelled one (dense grids: 3, 3.5, 4).
    span = np.log10(grid[-1] / grid[0]) if len(grid) > 1 else 1.0
    labels, last = [], None
    for w in grid:
        keep = last is None or np.log10(w / last) >= span / 14
        labels.append(f"{w:g}" if keep else "")
        last = w if keep else last
    ax.xaxis.set_major_formatter(FixedFormatter(labels))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


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
        log_w_axis(ax, W)
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

    if f"{study}/matrix_elements" in f:
        plot_matrix_elements(f, save, study)


def _by_w(pts):
    L, W = pts["L"][()], pts["W"][()]
    ws = sorted(set(W))
    return L, W, ws, plt.cm.plasma(np.linspace(0, 0.85, len(ws)))


def _largest(L, W, ws):
    Lmax = int(L.max())
    return Lmax, [int(np.where((L == Lmax) & (W == w))[0][0]) if np.any((L == Lmax) & (W == w)) else None for w in ws]


def plot_matrix_elements(f, save, study):
    pts, me = f[f"{study}/points"], f[f"{study}/matrix_elements"]
    L, W, ws, colors = _by_w(pts)
    rvb, drvb = me["rho_vbar_mean"][()], me["rho_vbar_err"][()]
    lchi, dlchi = me["log_chi_mean"][()], me["log_chi_err"][()]
    window = float(me.attrs["window"])

    # rho v_bar vs L per W
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, w in enumerate(ws):
        sel = np.where(W == w)[0]
        o = sel[np.argsort(L[sel])]
        ax.errorbar(L[o], rvb[o], yerr=drvb[o], color=colors[i], marker=MARKERS[i % len(MARKERS)], ms=6, capsize=3, label=f"W = {w:g}")
    Ls = np.array(sorted(set(L)), dtype=float)
    ref = rvb[(W == ws[0])][np.argsort(L[W == ws[0]])][0] if np.any(W == ws[0]) else 1.0
    ax.plot(Ls, ref * 2 ** ((Ls - Ls[0]) / 2), "k--", lw=1.2, label=r"$\propto 2^{L/2}$ (thermal)")
    ax.axhline(1, color="0.5", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel(r"$L$")
    ax.set_ylabel(r"$\rho\,\bar v$")
    ax.set_title(rf"{study}: $\rho\bar v$ (eqs. 129-131), window $\omega$ = {window:g}")
    ax.legend(loc="best", fontsize=9, ncol=2)
    save(fig, f"{study}_rho_vbar_vs_L")

    # rho v_bar vs W per L, crossings
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    win = {"rho_vbar_mean": rvb, "rho_vbar_err": drvb}
    _curves(ax, pts, win, "rho_vbar")
    ax.set_yscale("log")
    ax.axhline(1, color="0.4", ls=":", lw=1.2)
    cr = me["crossings"]
    for k in range(len(cr["L_small"][()])):
        a, b = int(cr["L_small"][k]), int(cr["L_large"][k])
        for name, ls in (("W_r", "--"), ("W_rho_vbar", "-.")):
            x = float(cr[name][k])
            if np.isfinite(x):
                ax.axvline(x, color="0.3", ls=ls, lw=1)
                ax.text(x, 0.02 + 0.06 * k, f" {name[2:]} {a}-{b}", transform=ax.get_xaxis_transform(), fontsize=8, rotation=90, va="bottom")
    ax.set_ylabel(r"$\rho\,\bar v$")
    ax.set_title(rf"{study}: $\rho\bar v$ vs $W$; dashed: $\langle r\rangle$ crossings, dash-dot: $\rho\bar v$ crossings")
    ax.legend(loc="best", fontsize=9)
    save(fig, f"{study}_rho_vbar_vs_W")

    # [log chi] vs L
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, w in enumerate(ws):
        sel = np.where(W == w)[0]
        o = sel[np.argsort(L[sel])]
        ax.errorbar(L[o], lchi[o], yerr=dlchi[o], color=colors[i], marker=MARKERS[i % len(MARKERS)], ms=6, capsize=3, label=f"W = {w:g}")
    y0 = np.nanmax(lchi[L == Ls[0]]) if np.any(np.isfinite(lchi[L == Ls[0]])) else 0
    ax.plot(Ls, y0 + (Ls - Ls[0]) * np.log(2), "k--", lw=1.2, label=r"slope $\log 2$ (thermal)")
    ax.plot(Ls, y0 + (Ls - Ls[0]) * 2 * np.log(2), "k:", lw=1.4, label=r"slope $2\log 2$ (maximal chaos)")
    ax.set_xlabel(r"$L$")
    ax.set_ylabel(r"$[\log\chi]$")
    ax.set_title(f"{study}: fidelity susceptibility (eqs. 123-125)")
    ax.legend(loc="best", fontsize=9, ncol=2)
    save(fig, f"{study}_log_chi_vs_L")

    Lmax, rows = _largest(L, W, ws)
    # log chi distribution at the largest L
    edges = me["log_chi_edges"][()]
    dens = me["log_chi_density"][()]
    c = 0.5 * (edges[1:] + edges[:-1])
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, (w, r) in enumerate(zip(ws, rows)):
        if r is not None:
            ok = dens[r] > 0
            ax.plot(c[ok], dens[r][ok], color=colors[i], lw=1.5, label=f"W = {w:g}")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\log\chi_a$")
    ax.set_ylabel("probability density")
    ax.set_title(f"{study}: distribution of log chi, L = {Lmax} (mid-spectrum states)")
    ax.legend(loc="best", fontsize=9, ncol=2)
    save(fig, f"{study}_log_chi_distribution")

    # rho(v) at the largest L
    ve = me["v_edges"][()]
    vc = np.sqrt(ve[1:] * ve[:-1])
    rho_v = me["rho_v"][()]
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, (w, r) in enumerate(zip(ws, rows)):
        if r is not None:
            ok = rho_v[r] > 0
            ax.plot(vc[ok], rho_v[r][ok], color=colors[i], lw=1.5, label=f"W = {w:g}")
    if np.any(rho_v > 0):
        v0 = vc[np.argmax(np.nanmax(rho_v, axis=0))]
        ax.plot(vc, np.nanmax(rho_v) * (vc / v0) ** -2.0, "k:", lw=1, label=r"$v^{-2}$")
        ax.set_ylim(np.nanmin(rho_v[rho_v > 0]) / 3, np.nanmax(rho_v) * 10)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$v = |\langle E_b|V|E_a\rangle|$")
    ax.set_ylabel(r"$\varrho(v)$  ($\int \varrho\,dv = \rho$)")
    ax.set_title(rf"{study}: matrix elements within $\omega$ = {window:g}, L = {Lmax}")
    ax.legend(loc="best", fontsize=9, ncol=2)
    save(fig, f"{study}_rho_v")

    # [S(omega)] as in seed 004 Fig. 10
    oe = me["omega_edges"][()]
    om = np.sqrt(oe[1:] * oe[:-1])
    S = me["s_omega"][()]
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, (w, r) in enumerate(zip(ws, rows)):
        if r is not None and w > 0:
            # Below the band edge only (omega W < 2): above it S falls off exponentially.
            ok = (S[r] > 0) & (w * om < 2)
            ax.plot(1 / (w * om[ok]), (S[r][ok] * om[ok] * w) ** -2.0, color=colors[i], marker=".", lw=1.2, label=f"W = {w:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$(W\omega)^{-1}$")
    ax.set_ylabel(r"$([S(\omega)]\,\omega\, W)^{-2}$")
    ax.set_title(f"{study}: spectral function of V, L = {Lmax} (seed 004 Fig. 10 axes)")
    ax.legend(loc="best", fontsize=9, ncol=2)
    save(fig, f"{study}_spectral_function")

    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    _curves(ax, pts, {"czz_mean": me["czz_mean"][()], "czz_err": me["czz_err"][()]}, "czz")
    ax.set_ylabel(r"$[C_{zz}]$ (infinite time)")
    ax.set_title(f"{study}: time-averaged autocorrelation of V")
    ax.legend(loc="best", fontsize=9)
    save(fig, f"{study}_czz_vs_W")
