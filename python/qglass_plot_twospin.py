"""Figure of reduced S6b files (study `twospin`; docs/quench-entanglement.md).
Entry `qglass_plot_twospin:plot`, called by qglass_plot.py. Writes:

  twospin_entropy_vs_L.{fmt}  disorder mean of the sum of two-spin entropies across
                              the half-chain cut vs L (log-log) per h_x, with the
                              fitted power law S = a L^b and its exponent; the
                              area-law (L^0) and volume-law (L^1) slopes for reference
"""
import matplotlib.pyplot as plt
import numpy as np

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "twospin/points/L", "twospin/points/alpha", "twospin/points/state", "twospin/points/hx",
        "twospin/points/S_mean", "twospin/points/S_err", "twospin/fit/alpha", "twospin/fit/state", "twospin/fit/hx",
        "twospin/fit/exponent", "twospin/fit/exponent_err", "twospin/fit/prefactor",
    ),
}


def plot(f, save, options=None):
    p, fit = f["twospin/points"], f["twospin/fit"]
    L, A, St, H = p["L"][()], p["alpha"][()], p["state"][()], p["hx"][()]
    S, dS = p["S_mean"][()], p["S_err"][()]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for i in range(len(fit["hx"][()])):
        a, s, h = fit["alpha"][i], fit["state"][i], fit["hx"][i]
        sel = np.where((A == a) & (St == s) & (H == h))[0]
        o = sel[np.argsort(L[sel])]
        b, db = fit["exponent"][i], fit["exponent_err"][i]
        line = ax.errorbar(L[o], S[o], yerr=np.nan_to_num(dS[o]), marker=MARKERS[i % len(MARKERS)], ls="none", capsize=3,
                           label=rf"$h_x$ = {h:g}, $\alpha$ = {a:g}: $b$ = {b:.3f} ± {db:.3f}")
        if np.isfinite(b):
            xs = np.geomspace(L[o].min(), L[o].max(), 50)
            ax.plot(xs, fit["prefactor"][i] * xs ** b, color=line[0].get_color(), lw=1)
    x0 = L.min()
    y0 = np.nanmin(S[S > 0]) if np.any(S > 0) else 1
    xs = np.geomspace(L.min(), L.max(), 10)
    ax.plot(xs, y0 * (xs / x0) ** 0, "k:", lw=0.8, label="area law $L^0$")
    ax.plot(xs, y0 * (xs / x0) ** 1, "k--", lw=0.8, label="volume law $L^1$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chain size $L$")
    ax.set_ylabel(r"$\sum_{i\in A, j\in B} S_{ij}$ (nats)")
    ax.set_title("S6b: two-spin entanglement sum across the cut (SFS states)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, "twospin_entropy_vs_L")
