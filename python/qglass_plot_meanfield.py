"""Figures of the mean-field chain study `meanfield` (S8, seed 002 Fig. 3;
docs/avalanche-mean-field.md section 7, docs/hdf5-schema.md).

Entry `qglass_plot_meanfield:plot` (reduced `meanfield` files):
  meanfield_profile_N{N}.{fmt}   [S_n] vs n for the stored delta_a values at one N, log y (Fig. 3a); for
                                 N > 200 the n axis ends beyond the fronts of the failed avalanches
  meanfield_memory_N{N}.{fmt}    C_n = infinite-time memory of sigma^z_n vs n, same chains
  meanfield_eta_vs_delta_a.{fmt} eta_tot vs |delta_a| per N, log-log, failing side filled, avalanching
                                 side open, the fitted |delta_a|^-theta and the |delta_a|^-1 guide (Fig. 3b)
  meanfield_nstar_vs_delta_a.{fmt} n_* = eta_tot / ln 2 vs |delta_a| per N, with |delta_a|^-1 and the fit
  meanfield_ac_vs_N.{fmt}        a_c(N) vs N (midpoint criterion) with 1/sqrt(2); inset N (a_c - 1/sqrt(2))
"""
import matplotlib.pyplot as plt
import numpy as np

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "meanfield@g10", "meanfield@convention", "meanfield@a_c_infinity", "meanfield/points/N",
        "meanfield/points/delta_a", "meanfield/points/eta_tot", "meanfield/points/n_star", "meanfield/fit/delta_a",
        "meanfield/fit@theta", "meanfield/fit@theta_err", "meanfield/fit@nu", "meanfield/fit@nu_err",
        "meanfield/fit@prefactor", "meanfield/fit@nu_prefactor", "meanfield/fit@N", "meanfield/profiles/*@N?",
        "meanfield/profiles/*/delta_a?", "meanfield/profiles/*/eta_tot?", "meanfield/profiles/*/memory_n?",
        "meanfield/profiles/*/s_n?", "meanfield/critical/N?", "meanfield/critical/a_c?",
        "meanfield/critical/scaled_shift?", "meanfield/critical@a_inf?", "meanfield/critical@A1?",
        "meanfield/critical@A2?",
    ),
}
LN2 = np.log(2.0)


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _colors(n):
    return plt.cm.viridis(np.linspace(0, 0.85, max(n, 1)))


def plot(f, save, options=None):
    mf = f["meanfield"]
    g10, conv = float(mf.attrs["g10"]), _text(mf.attrs["convention"])
    ac = float(mf.attrs["a_c_infinity"])
    tag = rf"$g_{{1,0}}$ = {g10:g}, {conv}"

    # Fig. 3a: profiles.
    if "profiles" in mf:
        for name in sorted(mf["profiles"], key=lambda s: int(s[1:])):
            p = mf["profiles"][name]
            N = int(p.attrs["N"])
            da, s, c, eta = p["delta_a"][()], p["s_n"][()], p["memory_n"][()], p["eta_tot"][()]
            n = np.arange(1, N + 1)
            cols = plt.cm.plasma(np.linspace(0.05, 0.85, len(da)))
            for what, data, ylabel, fname in (("S", s, r"mean entanglement entropy $[S_n]$ (nat)", "profile"),
                                               ("C", c, r"memory $C_n = [(P-Q)^2]$ of $\sigma^z_n$", "memory")):
                fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
                for k in range(len(da)):
                    y = data[k]
                    ax.plot(n, np.where(y > 0, y, np.nan), marker="o" if N <= 200 else None, ms=3, lw=1.2, color=cols[k],
                            label=rf"$\delta a$ = {da[k]:+.3g}: $\eta_{{\rm tot}}$ = {eta[k]:.4g}, $n_*$ = {eta[k] / LN2:.4g}")
                if what == "S":
                    ax.axhline(LN2, ls=":", color="0.4", lw=1, label=r"$\ln 2$")
                    ax.axhline(LN2 / 2, ls="--", color="0.6", lw=0.8, label=r"$(\ln 2)/2$")
                    ax.set_yscale("log")
                    lo = np.nanmin(np.where(data > 0, data, np.nan))
                    ax.set_ylim(max(lo, 1e-16) / 2, 1.5)
                ax.set_xlabel(r"l-bit index $n$")
                ax.set_ylabel(ylabel)
                if N > 200:
                    # Long chains: show the fronts of the failed avalanches (linear n, as the seed's Fig. 3a);
                    # avalanching chains are flat at ln 2 beyond the window.
                    fronts = [np.max(np.nonzero(s[k] > 1e-16)[0], initial=0) for k in range(len(da)) if eta[k] < 0.5 * N * LN2]
                    if fronts:
                        ax.set_xlim(0, min(N, 1.2 * max(fronts) + 10))
                ax.set_title(rf"mean-field chain, N = {N}, $\delta a = a - 1/\sqrt{{2}}$, {tag}")
                ax.legend(fontsize=8)
                save(fig, f"meanfield_{fname}_N{N}")

    pts = mf["points"]
    N, da, eta, nst = pts["N"][()], pts["delta_a"][()], pts["eta_tot"][()], pts["n_star"][()]
    sizes = sorted(set(N))
    cols = _colors(len(sizes))
    fit = mf["fit"]
    theta, theta_err = float(fit.attrs["theta"]), float(fit.attrs["theta_err"])
    nu, nu_err = float(fit.attrs["nu"]), float(fit.attrs["nu_err"])
    fit_da = fit["delta_a"][()]

    # Fig. 3b and n_* vs |delta a|.
    for y, pref_key, expo, expo_err, ylabel, fname, fitname in (
            (eta, "prefactor", theta, theta_err, r"total enhancement $\eta_{\rm tot} = \sum_n \eta(g_n)$ (nat)", "eta", r"\theta"),
            (nst, "nu_prefactor", nu, nu_err, r"absorbed l-bits $n_* = \eta_{\rm tot} / \ln 2$", "nstar", r"\nu")):
        fig, ax = plt.subplots(figsize=(9.8, 5.4), constrained_layout=True)
        for i, n in enumerate(sizes):
            sel = (N == n) & (da != 0)
            o = np.argsort(np.abs(da[sel]))
            x, v, d = np.abs(da[sel][o]), y[sel][o], da[sel][o]
            neg, pos = d < 0, d > 0
            m = MARKERS[i % len(MARKERS)]
            ax.plot(x[neg], v[neg], marker=m, ms=5, lw=1, color=cols[i], label=rf"N = {n}, $\delta a < 0$")
            if pos.any():
                ax.plot(x[pos], v[pos], marker=m, ms=5, lw=0.8, ls="--", mfc="none", color=cols[i], label=rf"N = {n}, $\delta a > 0$")
        xs = np.abs(da[da != 0])
        if xs.size:
            grid = np.geomspace(xs.min(), xs.max(), 50)
            pref = float(fit.attrs[pref_key])
            if fit_da.size:
                # |delta a|^-1 guide through the fit's middle point.
                xm = np.sqrt(np.abs(fit_da).min() * np.abs(fit_da).max())
                ym = pref * xm ** (-expo)
                ax.plot(grid, ym * xm / grid, "k--", lw=1.2, label=r"$\propto |\delta a|^{-1}$")
                xf = np.geomspace(np.abs(fit_da).min(), np.abs(fit_da).max(), 20)
                ax.plot(xf, pref * xf ** (-expo), "-", color="tab:red", lw=2.5, alpha=0.6,
                        label=rf"fit N = {int(fit.attrs['N'])}: ${fitname}$ = {expo:.3f} $\pm$ {expo_err:.1g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"distance to the critical point $|\delta a| = |a - 1/\sqrt{2}|$")
        ax.set_ylabel(ylabel)
        ax.set_title(rf"mean-field chain $g_{{n,0}} = g_{{1,0}} a^{{n-1}}$, {tag}")
        ax.legend(fontsize=8, bbox_to_anchor=(1.02, 1), loc="upper left")
        save(fig, f"meanfield_{fname}_vs_delta_a")

    # a_c(N).
    if "critical" in mf and mf["critical/N"].shape[0] > 0:
        cg = mf["critical"]
        cN, a_c, scaled = cg["N"][()], cg["a_c"][()], cg["scaled_shift"][()]
        fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
        ax.plot(cN, a_c, "o-", color="tab:blue", ms=6, label=r"$a_c(N)$: $[S_N](a_c) = (\ln 2)/2$")
        ax.axhline(ac, ls="--", color="k", lw=1, label=r"$a_c = 1/\sqrt{2}$")
        a_inf, A1 = float(cg.attrs["a_inf"]), float(cg.attrs["A1"])
        if np.isfinite(a_inf):
            A2 = float(cg.attrs["A2"]) if np.isfinite(float(cg.attrs["A2"])) else 0.0
            grid = np.geomspace(cN.min(), cN.max() * 3, 100)
            ax.plot(grid, a_inf + A1 / grid + A2 / grid ** 2, ":", color="tab:red",
                    label=rf"$a_\infty + A_1/N$ (+$A_2/N^2$): $a_\infty$ = {a_inf:.7f}, $A_1$ = {A1:.4g}")
        ax.set_xscale("log")
        ax.set_xlabel(r"number of l-bits $N$")
        ax.set_ylabel(r"critical decay ratio $a_c(N)$")
        ax.set_title(rf"finite-size critical point of the mean-field chain, {tag}")
        ax.legend(fontsize=8, loc="lower right")
        inset = ax.inset_axes([0.45, 0.42, 0.5, 0.3])
        inset.plot(cN, scaled, "s-", color="tab:green", ms=4)
        inset.set_xscale("log")
        inset.set_ylabel(r"$N(a_c - 1/\sqrt{2})$", fontsize=8)
        inset.tick_params(labelsize=7)
        save(fig, "meanfield_ac_vs_N")
