"""Figures of reduced Emch-Radin files (study emch_radin, S9; docs/emch-radin.md and
docs/hdf5-schema.md, "Reduced Emch-Radin files"). Entry `qglass_plot_emch_radin:plot`,
called by qglass_plot.py. Writes:

  emch_radin_fig1_curves.{fmt}        seed 003 Fig. 1: sample-averaged <s_x(tau)> and purity
                                      vs J_NN tau (all spins and interior spins, with standard
                                      errors) and the thermodynamic-limit curves, for d = 3,
                                      alpha = 6 at the largest N (else the first (d, alpha)),
                                      smallest x
  emch_radin_fig2a_beta_vs_x.{fmt}    seed Fig. 2a: fitted beta vs packing x (magnetization and
                                      purity, all and interior spins) for d = 3, alpha = 6,
                                      N = 100 (else the (d, alpha, N) with most packings)
  emch_radin_fig2b_error_vs_N.{fmt}   seed Fig. 2b: |beta - d/alpha| vs N per (d, alpha) (all
                                      spins, magnetization and purity) with the power-law fits
                                      ~ N^(-p); written when some (d, alpha) has two sizes
  emch_radin_fig2c_p.{fmt}            seed Fig. 2c: the exponent p vs alpha for d = 1, 2, 3;
                                      written when some (d, alpha) has two sizes
  emch_radin_beta_vs_theory.{fmt}     fitted beta (all and interior, magnetization) vs d/alpha
                                      for every (d, alpha) at its largest N
"""
import matplotlib.pyplot as plt
import numpy as np

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "@disordered_packing", "emch_radin/points/d", "emch_radin/points/alpha", "emch_radin/points/N",
        "emch_radin/points/x", "emch_radin/points/n_samples", "emch_radin/points/n_interior_mean",
        "emch_radin/points/j_nn_median", "emch_radin/points/gamma_m_theory", "emch_radin/points/gamma_ratio_theory",
        "emch_radin/points/beta_all", "emch_radin/points/beta_all_err", "emch_radin/points/beta_interior",
        "emch_radin/points/beta_interior_err", "emch_radin/points/beta_purity_all",
        "emch_radin/points/beta_purity_all_err", "emch_radin/points/beta_purity_interior",
        "emch_radin/points/beta_purity_interior_err", "emch_radin/curves/tau",
        "emch_radin/curves/magnetization_all_mean", "emch_radin/curves/magnetization_all_err",
        "emch_radin/curves/magnetization_interior_mean", "emch_radin/curves/magnetization_interior_err",
        "emch_radin/curves/purity_all_mean", "emch_radin/curves/purity_all_err",
        "emch_radin/curves/purity_interior_mean", "emch_radin/curves/purity_interior_err", "emch_radin/fits/d",
        "emch_radin/fits/alpha", "emch_radin/fits/N", "emch_radin/fits/beta_theory", "emch_radin/fits/beta_all",
        "emch_radin/fits/beta_all_err", "emch_radin/fits/beta_interior", "emch_radin/fits/beta_interior_err",
        "emch_radin/fits/beta_purity_all", "emch_radin/fits/beta_purity_all_err", "emch_radin/scaling/d",
        "emch_radin/scaling/alpha", "emch_radin/scaling/n_sizes_all", "emch_radin/scaling/p_all",
        "emch_radin/scaling/p_all_err", "emch_radin/scaling/amplitude_all", "emch_radin/scaling/p_purity_all",
        "emch_radin/scaling/p_purity_all_err", "emch_radin/scaling/amplitude_purity_all",
    ),
}

COLORS = {("m", "all"): "tab:blue", ("m", "interior"): "navy", ("p", "all"): "tab:green", ("p", "interior"): "darkgreen"}
DIM_MARK = {1: "o", 2: "s", 3: "D"}


def _pick(mask, fallback):
    idx = np.where(mask)[0]
    return idx if len(idx) else fallback


def fig1(f, save):
    pts, cur = f["emch_radin/points"], f["emch_radin/curves"]
    d, a, N, x = (pts[k][()] for k in ("d", "alpha", "N", "x"))
    cand = _pick((d == 3) & (a == 6.0), np.where((d == d[0]) & (a == a[0]))[0])
    cand = cand[N[cand] == N[cand].max()]
    i = int(cand[np.argmin(x[cand])])
    s = d[i] / a[i]
    tau = cur["tau"][i]
    jnn = pts["j_nn_median"][i]
    t = tau * jnn
    gm = pts["gamma_m_theory"][i]
    gp = gm * pts["gamma_ratio_theory"][i]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    for ax, obs, name in ((axes[0], "magnetization", r"$\langle s_x(\tau)\rangle$"), (axes[1], "purity", r"purity $\mathrm{tr}\,\rho_i^2$")):
        key = "m" if obs == "magnetization" else "p"
        for avg in ("all", "interior"):
            y, dy = cur[f"{obs}_{avg}_mean"][i], cur[f"{obs}_{avg}_err"][i]
            if not np.any(np.isfinite(y)):
                continue
            c = COLORS[(key, avg)]
            ax.plot(t, y, color=c, lw=1.8, label=f"{avg} spins" + (f" (~{pts['n_interior_mean'][i]:.0f} per sample)" if avg == "interior" else ""))
            ax.fill_between(t, y - np.nan_to_num(dy), y + np.nan_to_num(dy), color=c, alpha=0.25, lw=0)
        if obs == "magnetization":
            th = 0.5 * np.exp(-(gm * tau) ** s)
        else:
            th = 0.5 * (1 + np.exp(-(gp * tau) ** s))
        ax.plot(t, th, "k--", lw=1.3, label=rf"$N\to\infty$: $\beta = d/\alpha = {s:.3g}$")
        ax.set_xscale("log")
        ax.set_xlabel(r"$J_{NN}\,\tau$ (median nearest-neighbour coupling)")
        ax.set_ylabel(name)
        ax.legend(loc="best", frameon=True, framealpha=0.85)
    fig.suptitle(rf"Emch-Radin dynamics, $d = {d[i]}$, $\alpha = {a[i]:g}$, $N = {N[i]}$, $x = {x[i]:g}$, {pts['n_samples'][i]} samples")
    save(fig, "emch_radin_fig1_curves")


def fig2a(f, save):
    pts = f["emch_radin/points"]
    d, a, N, x = (pts[k][()] for k in ("d", "alpha", "N", "x"))
    sel = np.where((d == 3) & (a == 6.0) & (N == 100))[0]
    if len(sel) < 2:
        keys = sorted(set(zip(d, a, N)), key=lambda k: -np.sum((d == k[0]) & (a == k[1]) & (N == k[2])))
        k = keys[0]
        sel = np.where((d == k[0]) & (a == k[1]) & (N == k[2]))[0]
    sel = sel[np.argsort(x[sel])]
    i0 = sel[0]
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    xs = np.where(x[sel] > 0, x[sel], np.nan)
    for key, obs in (("m", "beta"), ("p", "beta_purity")):
        for avg in ("all", "interior"):
            y, dy = pts[f"{obs}_{avg}"][()][sel], pts[f"{obs}_{avg}_err"][()][sel]
            lab = ("magnetization" if key == "m" else "purity") + f", {avg} spins"
            ax.errorbar(xs, y, yerr=np.nan_to_num(dy), color=COLORS[(key, avg)], marker="o" if avg == "all" else "s",
                        ms=5, capsize=3, lw=1.2, ls="-" if avg == "all" else ":", label=lab)
            plateau = (x[sel] <= float(f.attrs["disordered_packing"])) & np.isfinite(y)
            if plateau.sum() >= 1 and avg == "all":
                ax.axhline(np.mean(y[plateau]), color=COLORS[(key, avg)], ls="--", lw=0.9)
    ax.axhline(d[i0] / a[i0], color="k", lw=1.4, ls="-.", label=rf"$d/\alpha = {d[i0] / a[i0]:.3g}$")
    if np.nanmax(xs) / np.nanmin(xs) > 5:
        ax.set_xscale("log")
    ax.set_xlabel(r"packing $x = N r_b^d / r_0^d$")
    ax.set_ylabel(r"fitted $\beta$")
    ax.set_title(rf"$\beta$ vs packing: $d = {d[i0]}$, $\alpha = {a[i0]:g}$, $N = {N[i0]}$, {pts['n_samples'][i0]} samples per $x$")
    ax.legend(loc="best", frameon=True, framealpha=0.85, fontsize=9)
    save(fig, "emch_radin_fig2a_beta_vs_x")


def fig2b(f, save):
    fits, sc = f["emch_radin/fits"], f["emch_radin/scaling"]
    d, a, N = fits["d"][()], fits["alpha"][()], fits["N"][()]
    sd, sa = sc["d"][()], sc["alpha"][()]
    have = [k for k in range(len(sd)) if sc["n_sizes_all"][k] >= 2]
    if not have:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True, sharey=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(have)))
    for ax, obs, suffix, title in ((axes[0], "beta_all", "_all", "magnetization"), (axes[1], "beta_purity_all", "_purity_all", "purity")):
        for c, k in zip(colors, have):
            sel = np.where((d == sd[k]) & (a == sa[k]))[0]
            sel = sel[np.argsort(N[sel])]
            dev = np.abs(fits[obs][()][sel] - fits["beta_theory"][()][sel])
            err = fits[f"{obs}_err"][()][sel]
            ax.errorbar(N[sel], dev, yerr=np.nan_to_num(err), color=c, marker=DIM_MARK.get(int(sd[k]), "o"), ms=5, capsize=3, ls="none",
                        label=rf"$d={sd[k]}$, $\alpha={sa[k]:g}$: $p = {sc['p' + suffix][k]:.2f}\pm{sc['p' + suffix + '_err'][k]:.2f}$")
            if np.isfinite(sc["p" + suffix][k]):
                n = np.geomspace(N[sel].min(), N[sel].max(), 50)
                ax.plot(n, sc["amplitude" + suffix][k] * n ** (-sc["p" + suffix][k]), color=c, ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$N$")
        ax.set_title(f"{title}, all spins")
        # Below the panel, off the data (the error bars span the whole panel).
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=2, frameon=False)
    axes[0].set_ylabel(r"$|\beta - d/\alpha|$")
    save(fig, "emch_radin_fig2b_error_vs_N")
    return True


def fig2c(f, save):
    sc = f["emch_radin/scaling"]
    sd, sa = sc["d"][()], sc["alpha"][()]
    ok = sc["n_sizes_all"][()] >= 2
    if not ok.any():
        return
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for dim in sorted(set(sd[ok])):
        sel = np.where(ok & (sd == dim))[0]
        sel = sel[np.argsort(sa[sel])]
        for suffix, fill, lab in (("_all", True, "magnetization"), ("_purity_all", False, "purity")):
            ax.errorbar(sa[sel], sc["p" + suffix][()][sel], yerr=np.nan_to_num(sc["p" + suffix + "_err"][()][sel]),
                        marker=DIM_MARK.get(int(dim), "o"), ms=6, capsize=3, ls="-" if fill else ":",
                        mfc=None if fill else "white", color=plt.cm.tab10(int(dim) - 1), label=f"d = {dim}, {lab}")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"exponent $p$ of $|\beta - d/\alpha| \propto N^{-p}$")
    ax.set_title("finite-size convergence of the stretch exponent (all spins)")
    ax.legend(loc="best", frameon=True, framealpha=0.85, fontsize=9)
    save(fig, "emch_radin_fig2c_p")


def beta_vs_theory(f, save):
    fits = f["emch_radin/fits"]
    d, a, N = fits["d"][()], fits["alpha"][()], fits["N"][()]
    fig, ax = plt.subplots(figsize=(7, 5.5), constrained_layout=True)
    for dim in sorted(set(d)):
        sel = [int(np.where((d == dim) & (a == al))[0][np.argmax(N[(d == dim) & (a == al)])]) for al in sorted(set(a[d == dim]))]
        for avg, mfc in (("all", None), ("interior", "white")):
            ax.errorbar(fits["beta_theory"][()][sel], fits[f"beta_{avg}"][()][sel], yerr=np.nan_to_num(fits[f"beta_{avg}_err"][()][sel]),
                        marker=DIM_MARK.get(int(dim), "o"), mfc=mfc, ls="none", capsize=3, color=plt.cm.tab10(int(dim) - 1),
                        label=f"d = {dim}, {avg} spins (N = {N[sel].max()})")
    lim = [0, 1.05]
    ax.plot(lim, lim, "k--", lw=1, label=r"$\beta = d/\alpha$")
    ax.set_xlabel(r"$d/\alpha$")
    ax.set_ylabel(r"fitted $\beta$ (magnetization)")
    ax.legend(loc="best", fontsize=9, frameon=True, framealpha=0.85)
    save(fig, "emch_radin_beta_vs_theory")


def plot(f, save, options=None):
    """Entry point: f an open reduced emch_radin file, save(fig, name) writes one figure."""
    fig1(f, save)
    fig2a(f, save)
    if fig2b(f, save):
        fig2c(f, save)
    beta_vs_theory(f, save)
