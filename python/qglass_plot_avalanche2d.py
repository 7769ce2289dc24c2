"""Figures of the S8 avalanche studies (docs/avalanche-ed-2d.md, docs/hdf5-schema.md).

Entry `qglass_plot_avalanche2d:plot_drh` (reduced `drh` files, seed 002 Fig. 2):
  drh_s_end_vs_a.{fmt}     [S_end] vs a per N (eps window, points with bootstrap errors), the
                           mean-field curves at the fitted g_10 on the same axes, inset on a log scale (Fig. 2a)
  drh_s_end_all_vs_a.{fmt} the same over all eigenstates
  drh_p_s_end.{fmt}        p(S_end) over the window eigenstates at three values of a, largest N (Fig. 2b)

Entry `qglass_plot_avalanche2d:plot_diamond` (reduced `diamond` files, seed 002 Figs. 4, 5):
  diamond_eta_vs_W_{kind}.{fmt}      [eta_tot] / (N ln 2) vs W per R (Fig. 5a qp, 5b random)
  diamond_faval_vs_W_{kind}.{fmt}    avalanche fraction vs W per R, with W_1/2 (and W_th for qp)
  diamond_eta_vs_theta0_W{W}.{fmt}   eta_tot vs theta_0 per R at the chosen W values (Figs. 5c, 5d)
  diamond_map_{kind}_R{R}_W{W}.{fmt} per-orbital [S_n] on the diamond, one sample (Fig. 4)
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot_drh": (
        "@eps_window", "drh/histogram_edges", "drh/points/N", "drh/points/a", "drh/points/n_realizations",
        "drh/points/s_end_all_mean", "drh/points/s_end_all_err", "drh/points/s_end_window_mean",
        "drh/points/s_end_window_err", "drh/points/histogram", "drh/mean_field@g10", "drh/mean_field@a_c",
        "drh/mean_field/N", "drh/mean_field/a", "drh/mean_field/s_end", "drh/mean_field/fit_N", "drh@coupling?",
    ),
    "plot_diamond": (
        "diamond@g0", "diamond/*/points/R", "diamond/*/points/W", "diamond/*/points/eta_mean",
        "diamond/*/points/eta_err", "diamond/*/points/f_aval", "diamond/*/points/f_aval_err",
        "diamond/*/points/n_samples", "diamond/*@W_th?", "diamond/*@W_half?", "diamond/qp/theta/R?",
        "diamond/qp/theta/W?", "diamond/qp/theta/theta0?", "diamond/qp/theta/eta?", "diamond/*/maps/*@R?",
        "diamond/*/maps/*@W?", "diamond/*/maps/*@theta0?", "diamond/*/maps/*@eta_tot?", "diamond/*/maps/*/n1?",
        "diamond/*/maps/*/n2?", "diamond/*/maps/*/s_site?",
    ),
}
LN2 = np.log(2.0)


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def plot_drh(f, save, options=None):
    pts, mf = f["drh/points"], f["drh/mean_field"]
    N, a = pts["N"][()], pts["a"][()]
    sizes = sorted(set(N))
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    mfN, mfa, mfS = list(mf["N"][()]), mf["a"][()], mf["s_end"][()]
    g10, ac = float(mf.attrs["g10"]), float(mf.attrs["a_c"])
    fitted = "fitted at $a_c$" if len(mf["fit_N"]) else "not fitted ($a_c$ outside the grid)"
    coupling = _text(f["drh"].attrs.get("coupling", "flipflop"))
    model = "DRH ED" if coupling == "flipflop" else f"DRH ED ({coupling} coupling)"
    lo, hi = f.attrs["eps_window"]
    for which, label in (("window", rf"$\epsilon \in [{lo:g}, {hi:g})$"), ("all", "all eigenstates")):
        y, dy = pts[f"s_end_{which}_mean"][()], pts[f"s_end_{which}_err"][()]
        fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
        inset = ax.inset_axes([0.13, 0.55, 0.33, 0.38])
        for i, n in enumerate(sizes):
            sel = N == n
            o = np.argsort(a[sel])
            m = int(np.min(pts["n_realizations"][()][sel]))
            for axx in (ax, inset):
                axx.errorbar(a[sel][o], y[sel][o], yerr=np.nan_to_num(dy[sel][o]), color=colors[i], marker=MARKERS[i % len(MARKERS)],
                             ls="none", ms=5, capsize=3, label=f"N = {n} ED ({m} real.)" if axx is ax else None)
            if n in mfN:
                for axx in (ax, inset):
                    axx.plot(mfa, mfS[mfN.index(n)], color=colors[i], lw=1.4)
        ax.axvline(ac, ls="--", color="0.5", lw=1)
        ax.axhline(LN2, ls=":", color="0.5", lw=1)
        inset.set_yscale("log")
        # Decimal labels at 1, 2, 5 x 10^k: compact, and clear of the main axis' labels.
        inset.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        for fmt in (inset.yaxis.set_major_formatter, inset.yaxis.set_minor_formatter):
            fmt(FuncFormatter(lambda v, _: f"{v:g}"))
        inset.tick_params(which="both", labelsize=8)
        ax.set_xlabel(r"coupling decay $a$  ($J_n = J_1 a^{n-1}$)")
        ax.set_ylabel(r"$[S_{\rm end}]$")
        ax.set_title(f"{model}, {label}; lines: mean field, $g_{{10}}$ = {g10:.3g} {fitted}", fontsize=11)
        ax.legend(loc="lower right", fontsize=9)
        save(fig, "drh_s_end_vs_a" if which == "window" else "drh_s_end_all_vs_a")

    # Fig. 2b: three a values of the largest N, nearest to 0.45, 0.55, 0.65 (the seed's).
    edges = f["drh/histogram_edges"][()]
    hist = pts["histogram"][()]
    nmax = sizes[-1]
    sel = np.where(N == nmax)[0]
    chosen = []
    for target in (0.45, 0.55, 0.65):
        j = sel[np.argmin(np.abs(a[sel] - target))]
        if j not in chosen:
            chosen.append(j)
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    centres = 0.5 * (edges[1:] + edges[:-1])
    wmean = pts["s_end_window_mean"][()]
    for k, j in enumerate(chosen):
        ax.plot(centres, hist[j], marker="+", ms=8, lw=1, color=plt.cm.plasma(0.15 + 0.3 * k),
                label=rf"$a$ = {a[j]:.3g}, $[S_{{\rm end}}]$ = {wmean[j]:.2f}")
    ax.set_yscale("log")
    ax.set_xlabel(r"$S_{\rm end}$")
    ax.set_ylabel(r"$p(S_{\rm end})$")
    ax.set_title(rf"{model}, N = {nmax}, $\epsilon \in [{lo:g}, {hi:g})$")
    ax.legend()
    save(fig, "drh_p_s_end")


def map_title(kind, attrs):
    """Title of one diamond map: theta_0 only where the potential has one (qp;
    the random potential stores NaN)."""
    theta0 = float(attrs["theta0"])
    parts = [kind, f"R = {int(attrs['R'])}", f"W = {float(attrs['W']):g}"]
    if np.isfinite(theta0):
        parts.append(rf"$\theta_0$ = {theta0:.4g}")
    parts.append(rf"$\eta_{{tot}}/\ln 2$ = {float(attrs['eta_tot']) / LN2:.3g}")
    return ", ".join(parts)


def plot_diamond(f, save, options=None):
    for kind in ("qp", "random"):
        if f"diamond/{kind}" not in f:
            continue
        g = f[f"diamond/{kind}/points"]
        R, W = g["R"][()], g["W"][()]
        Nsites = 2 * R * R + 2 * R + 1
        sizes = sorted(set(R))
        colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
        for obs, ylabel, name in (("eta", r"$[\eta_{\rm tot}]_\theta / (N \ln 2)$", "eta"),
                                  ("f_aval", r"avalanche fraction $f_{\rm aval}$", "faval")):
            fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
            for i, r in enumerate(sizes):
                sel = np.where(R == r)[0]
                o = sel[np.argsort(W[sel])]
                if obs == "eta":
                    y, dy = g["eta_mean"][()][o] / (Nsites[o] * LN2), g["eta_err"][()][o] / (Nsites[o] * LN2)
                else:
                    y, dy = g["f_aval"][()][o], g["f_aval_err"][()][o]
                m = int(np.min(g["n_samples"][()][o]))
                ax.errorbar(W[o], y, yerr=dy, color=colors[i], marker=MARKERS[i % len(MARKERS)], ms=5, capsize=3,
                            label=f"R = {r} (N = {2 * r * r + 2 * r + 1}, {m} samples)")
            if obs == "f_aval":
                ax.axhline(0.5, ls=":", color="0.5")
            for attr, style in (("W_half", "--"), ("W_th", "-.")):
                v = float(f[f"diamond/{kind}"].attrs.get(attr, np.nan))
                if np.isfinite(v):
                    ax.axvline(v, ls=style, color="0.4", lw=1, label=f"{attr} = {v:.3g}")
            ax.set_yscale("log" if obs == "eta" else "linear")
            ax.set_xlabel(r"potential amplitude $W$")
            ax.set_ylabel(ylabel)
            ax.set_title(f"diamond lattice, {kind} potential, $g_0$ = {float(f['diamond'].attrs['g0']):g}")
            ax.legend(fontsize=8)
            save(fig, f"diamond_{name}_vs_W_{kind}")

        if kind == "qp" and f"diamond/qp/theta" in f:
            th = f["diamond/qp/theta"]
            tR, tW, t0, eta = th["R"][()], th["W"][()], th["theta0"][()], th["eta"][()]
            for w in sorted(set(tW)):
                fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
                for i, r in enumerate(sizes):
                    sel = (tR == r) & (tW == w)
                    o = np.argsort(t0[sel])
                    ax.plot(t0[sel][o], eta[sel][o] / LN2, ".", ms=3, color=colors[i], label=f"R = {r}")
                ax.set_yscale("log")
                ax.set_xlabel(r"$\theta_0$")
                ax.set_ylabel(r"$\eta_{\rm tot} / \ln 2$")
                ax.set_title(f"quasiperiodic, W = {w:g}")
                ax.legend(fontsize=8, markerscale=3)
                save(fig, f"diamond_eta_vs_theta0_W{w:g}")

        if f"diamond/{kind}/maps" in f:
            mg = f[f"diamond/{kind}/maps"]
            for name in mg:
                m = mg[name]
                n1, n2, s = m["n1"][()], m["n2"][()], m["s_site"][()]
                fig, ax = plt.subplots(figsize=(6.4, 5.6), constrained_layout=True)
                # Lattice vectors at +-45 degrees from vertical, as in the seed's Fig. 4.
                x, y = (n1 - n2) / np.sqrt(2), (n1 + n2) / np.sqrt(2)
                sc = ax.scatter(x, y, c=s, s=max(4, 4000 / len(s)), marker="D", cmap="inferno", vmin=0, vmax=LN2)
                ax.plot([0], [0], "c*", ms=10)
                fig.colorbar(sc, ax=ax, label=r"$[S_n]$")
                ax.set_aspect("equal")
                ax.set_axis_off()
                ax.set_title(map_title(kind, m.attrs))
                save(fig, f"diamond_map_{name}")
