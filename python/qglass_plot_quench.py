"""Figures of reduced S5 quench files (study `quench`; docs/hdf5-schema.md,
"Reduced quench files"; docs/quench-entanglement.md). Entry
`qglass_plot_quench:plot`, called by qglass_plot.py. Writes:

  quench_P_vs_L.{fmt}      remnant polarization P(n, L) of the n-th most resonant
                           spin (n = 1..6) vs the chain size L, one panel per L_s,
                           with the L_s -> inf extrapolation as a last panel when
                           there are two or more L_s (like seed 001 Fig. 2 right)
  quench_P_vs_phi.{fmt}    remnant polarization vs the initial |phi| of the spin
                           (all cluster spins pooled), per (L, L_s)
  quench_traces.{fmt}      mean z_I <Z_I(t)> vs t for n = 1..6, largest L_s,
                           one panel per L
"""
import matplotlib.pyplot as plt
import numpy as np

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "quench@hx", "quench@alpha", "quench/P_mean", "quench/P_err", "quench/points/L", "quench/points/Ls",
        "quench/points/n_realizations", "quench/extrapolation/L", "quench/extrapolation/P_inf",
        "quench/extrapolation/P_inf_err", "quench/phi/edges", "quench/phi/remnant_mean", "quench/phi/remnant_err",
        "quench/phi/count", "quench/trace/times", "quench/trace/mean",
    ),
}


def _n_colors(k):
    return plt.cm.plasma(np.linspace(0, 0.85, k))


def plot(f, save, options=None):
    """Entry point: f an open reduced quench file, save(fig, name) writes one figure."""
    g = f["quench"]
    hx, alpha = float(g.attrs["hx"]), float(g.attrs["alpha"])
    L, Ls = g["points/L"][()], g["points/Ls"][()]
    nreal = g["points/n_realizations"][()]
    P, dP = g["P_mean"][()], g["P_err"][()]
    nmax = P.shape[1]
    cols = _n_colors(nmax)
    cl_sizes = sorted(set(Ls))
    sizes = sorted(set(L))

    # 1. P(n, L) vs L per L_s (+ extrapolated panel).
    ex = g["extrapolation"]
    panels = len(cl_sizes) + (1 if len(cl_sizes) >= 2 else 0)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.8), sharey=True, squeeze=False)
    for j, ls in enumerate(cl_sizes):
        ax = axes[0, j]
        sel = np.where(Ls == ls)[0]
        o = sel[np.argsort(L[sel])]
        for n in range(min(nmax, ls)):
            ax.errorbar(L[o], P[o, n], yerr=np.nan_to_num(dP[o, n]), color=cols[n], marker=MARKERS[n], ms=5, capsize=3,
                        label=f"n = {n + 1}")
        ax.set_xscale("log")
        ax.set_xlabel("chain size $L$")
        ax.set_title(f"$L_s$ = {ls} ({int(nreal[o].min())} real.)")
    if panels > len(cl_sizes):
        ax = axes[0, -1]
        exL = ex["L"][()]
        for n in range(nmax):
            ax.errorbar(exL, ex["P_inf"][:, n], yerr=np.nan_to_num(ex["P_inf_err"][:, n]), color=cols[n], marker=MARKERS[n],
                        ms=5, capsize=3, ls="--")
        ax.set_xscale("log")
        ax.set_xlabel("chain size $L$")
        ax.set_title(r"$L_s\to\infty$ ($P_\infty + a/L_s$)")
    axes[0, 0].set_ylabel(r"remnant polarization $P(n, L)$")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(rf"S5 quench of the most resonant spins, $h_x$ = {hx:g}, $\alpha$ = {alpha:g}")
    fig.tight_layout()
    save(fig, "quench_P_vs_L")

    # 2. P vs initial |phi|.
    edges = g["phi/edges"][()]
    centers = np.sqrt(edges[1:] * edges[:-1])
    pm, pe, pc = g["phi/remnant_mean"][()], g["phi/remnant_err"][()], g["phi/count"][()]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    pc_cols = plt.cm.viridis(np.linspace(0, 0.85, len(L)))
    for i in range(len(L)):
        ok = pc[i] > 0
        ax.errorbar(centers[ok], pm[i, ok], yerr=np.nan_to_num(pe[i, ok]), color=pc_cols[i], marker=MARKERS[i % len(MARKERS)],
                    ms=4, capsize=2, label=f"L = {L[i]}, $L_s$ = {Ls[i]}")
    ax.axvline(hx, color="gray", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel(r"initial effective field $|\phi|$")
    ax.set_ylabel(r"remnant polarization $z\langle Z\rangle_{DE}$")
    ax.legend(fontsize=7)
    ax.set_title(rf"remnant vs initial field ($h_x$ = {hx:g}, dotted)")
    fig.tight_layout()
    save(fig, "quench_P_vs_phi")

    # 3. Time traces at the largest L_s, per L.
    t = g["trace/times"][()]
    tr = g["trace/mean"][()]
    ls = max(cl_sizes)
    fig, axes = plt.subplots(1, len(sizes), figsize=(4.2 * len(sizes), 3.6), sharey=True, squeeze=False)
    for j, size in enumerate(sizes):
        ax = axes[0, j]
        i = int(np.where((L == size) & (Ls == ls))[0][0])
        for n in range(min(nmax, ls)):
            ax.plot(t, tr[i, n], color=cols[n], lw=1.3, label=f"n = {n + 1}")
            ax.axhline(P[i, n], color=cols[n], ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("time $t$")
        ax.set_title(f"L = {size}, $L_s$ = {ls}")
    axes[0, 0].set_ylabel(r"$z_I\langle Z_I(t)\rangle$ (dotted: diagonal ensemble)")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    save(fig, "quench_traces")
