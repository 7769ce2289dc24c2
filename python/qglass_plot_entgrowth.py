"""Figure of reduced S6c files (study `entgrowth`; docs/quench-entanglement.md).
Entry `qglass_plot_entgrowth:plot`, called by qglass_plot.py. Writes:

  entgrowth_S_vs_t.{fmt}    disorder-averaged half-chain S(t) after the quench vs t (log
                            axis), one panel per h_x and initial state, one curve per L,
                            with the Page values (dotted) and the fitted log-t growth
  entgrowth_saturation.{fmt} saturation value S_sat / S_Page vs L per h_x
"""
import matplotlib.pyplot as plt
import numpy as np

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "entgrowth/times", "entgrowth/L", "entgrowth/hx", "entgrowth/state", "entgrowth/S_mean", "entgrowth/S_err",
        "entgrowth/n_realizations", "entgrowth/page", "entgrowth/S_sat", "entgrowth/S_sat_err",
    ),
}


def plot(f, save, options=None):
    g = f["entgrowth"]
    t = g["times"][()]
    L, H, St = g["L"][()], g["hx"][()], g["state"][()]
    S, dS = g["S_mean"][()], g["S_err"][()]
    panels = sorted(set(zip(St, H)))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.8), squeeze=False, sharey=True)
    sizes = sorted(set(L))
    cols = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    for j, (st, h) in enumerate(panels):
        ax = axes[0, j]
        for i in np.where((St == st) & (H == h))[0]:
            c = cols[sizes.index(L[i])]
            ax.plot(t, S[i], color=c, lw=1.4, label=f"L = {L[i]} ({g['n_realizations'][i]} real.)")
            ax.fill_between(t, S[i] - np.nan_to_num(dS[i]), S[i] + np.nan_to_num(dS[i]), color=c, alpha=0.2)
            ax.axhline(g["page"][i], color=c, ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("time $t$")
        ax.set_title(f"$h_x$ = {h:g}, {'SFS' if st == 1 else 'random'} product state")
    axes[0, 0].set_ylabel(r"$\langle S(t)\rangle$ half chain (dotted: Page)")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    save(fig, "entgrowth_S_vs_t")

    fig, ax = plt.subplots(figsize=(5, 3.8))
    for j, (st, h) in enumerate(panels):
        sel = np.where((St == st) & (H == h))[0]
        o = sel[np.argsort(L[sel])]
        ax.errorbar(L[o], g["S_sat"][o] / g["page"][o], yerr=np.nan_to_num(g["S_sat_err"][o] / g["page"][o]), marker=MARKERS[j % len(MARKERS)],
                    capsize=3, label=f"$h_x$ = {h:g}, {'SFS' if st == 1 else 'random'}")
    ax.axhline(1, color="gray", ls=":", lw=0.8)
    ax.set_xlabel("L")
    ax.set_ylabel(r"$S_{\rm sat}/S_{\rm Page}$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, "entgrowth_saturation")
