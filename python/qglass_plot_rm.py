"""Figures of reduced resonance-model files (study rm, S10a; docs/resonance-model.md,
"The rm campaign", and docs/hdf5-schema.md, "Resonance model"). Entry
`qglass_plot_rm:plot`, called by qglass_plot.py. J = 1. Writes:

  rm_fig2ad_theta.{fmt}             seed 004 Fig. 2a/2d: exponent theta of [S] ~ omega^(-1+theta) vs
                                    1/zeta: theta0 (eq. 51), the local exponent at omega = slope_omega,
                                    theta_c = zeta_c/(2 Lambda) at the Floquet transition (eq. 57), 0+
                                    at the Hamiltonian one
  rm_fig2be_spectral_function.{fmt} seed Fig. 2b/2e: [S(omega)] per 1/xi, log-log, Floquet (eq. 53) and
                                    Hamiltonian (eq. 93), with omega_c (eq. 54) and omega_xi (eq. 59)
  rm_fig2f_czz.{fmt}                seed Fig. 2f: [C_zz] vs 1/zeta, L -> infinity and finite L
  rm_fig8_light_cone.{fmt}          seed Fig. 8 / eqs. 47-50, 92: [C_zz(t)] vs t (log t) with the
                                    light-cone approximation F(r(t)), and the front r(t)
  rm_fig9_probe_entropy.{fmt}       seed Fig. 9: [S_P] vs W/W_c per L with the L -> infinity limit;
                                    inset W_delta(L) (eq. 116) and eq. 117 with the fitted ell_delta
  rm_fig11_growth_diffusion.{fmt}   seed Fig. 11: Lambda |dF/dr| vs r/Lambda at xi = infinity (eq. 86
                                    solved numerically), with exp(-sqrt(r/Lambda)) (F1, dotted) and the
                                    (Lambda/r)^2 law of F (dashed)
  rm_fig12_distributions.{fmt}      seed Fig. 12: f(e, r) at log-spaced r vs (e - h/2)/(W sqrt(2r+1)),
                                    one panel per Lambda, with the loss-free Gaussian
  rm_F_of_r.{fmt}                   F(r) (eqs. 45, 91) and p(r) per 1/xi, both models (log y)
"""
import matplotlib.pyplot as plt
import numpy as np

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "rm@L", "rm@Lambda", "rm@slope_omega", "rm/exponents/inverse_zeta", "rm/exponents/theta0",
        "rm/exponents/theta_local_hamiltonian", "rm/exponents/theta_local_floquet", "rm/exponents/theta_c_floquet",
        "rm/exponents/czz_L", "rm/exponents/czz_hamiltonian", "rm/exponents/czz_floquet",
        "rm/exponents/czz_inf_hamiltonian", "rm/exponents/czz_inf_floquet", "rm/hamiltonian/inverse_xi",
        "rm/hamiltonian/omega", "rm/hamiltonian/S", "rm/hamiltonian/omega_c", "rm/hamiltonian/omega_xi",
        "rm/hamiltonian/p", "rm/hamiltonian/r", "rm/hamiltonian/F", "rm/hamiltonian/t", "rm/hamiltonian/czz",
        "rm/hamiltonian/czz_front", "rm/floquet/inverse_xi", "rm/floquet/omega", "rm/floquet/S", "rm/floquet/omega_c",
        "rm/floquet/omega_xi", "rm/floquet/p", "rm/floquet/r", "rm/floquet/F", "rm/floquet/t", "rm/floquet/czz",
        "rm/floquet/czz_front", "rm/floquet/light_cone", "rm/growth_diffusion@inverse_xi",
        "rm/growth_diffusion@field_over_W", "rm/growth_diffusion/Lambda", "rm/growth_diffusion/x",
        "rm/growth_diffusion/f", "rm/growth_diffusion/p", "rm/growth_diffusion/r_over_lambda",
        "rm/growth_diffusion/snapshot_r", "rm/drift@Wc", "rm/drift@delta", "rm/drift/L", "rm/drift/w",
        "rm/drift/probe_entropy", "rm/drift/probe_entropy_inf", "rm/drift/w_delta", "rm/drift/w_delta_formula",
        "rm/drift/ell_delta",
    ),
}

LOG2 = np.log(2.0)


def _xi_label(ix):
    if ix == 0:
        return r"$1/\xi = 0$ (transition)"
    return rf"$1/\xi = {ix:g}$" + (" (MBL)" if ix > 0 else " (thermal)")


def _colors(n):
    return plt.cm.viridis(np.linspace(0, 0.9, max(n, 1)))


def fig2ad(f, save):
    g = f["rm/exponents"]
    z = g["inverse_zeta"][0]
    th = g["theta0"][0]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    for ax, model, tag in ((axes[0], "floquet", "(a) Floquet"), (axes[1], "hamiltonian", "(d) Hamiltonian")):
        mbl = z > LOG2
        ax.plot(z[mbl], th[mbl], "k-", lw=1.8, label=r"$\theta_0 = \zeta_c/(2\xi + \zeta_c)$ (eq. 51)")
        ax.plot(z[~mbl], th[~mbl], "k:", lw=1.2, label=r"$\theta_0$ (thermal side: correction $O(\theta_0)$)")
        loc = g[f"theta_local_{model}"][0]
        om = f["rm"].attrs["slope_omega"]
        ax.plot(z, loc, "o", ms=3.5, color="tab:blue", label=rf"local $1 + d\log[S]/d\log\omega$ at $\omega = {om:.0e}$")
        if model == "floquet":
            tc = g["theta_c_floquet"][0]
            ax.plot([LOG2], [tc], "o", ms=9, color="tab:orange", label=rf"$\theta_c = \zeta_c/(2\Lambda) = {tc:.3g}$ (eq. 57)")
        else:
            ax.plot([LOG2], [0], "o", ms=9, color="tab:orange", label=r"$\theta_c = 0^+$ (log corrections)")
        ax.axvline(LOG2, color="grey", lw=0.8, ls="--")
        ax.set_xlabel(r"$1/\zeta$")
        ax.set_ylabel(r"$\theta$")
        ax.set_title(f"{tag} RM, $\\Lambda = {f['rm'].attrs['Lambda']:g}$")
        ax.legend(fontsize=8)
    save(fig, "rm_fig2ad_theta")


def fig2be(f, save):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    L = f["rm"].attrs["L"]
    for ax, model, tag in ((axes[0], "floquet", "(b) Floquet, eq. 53"), (axes[1], "hamiltonian", "(e) Hamiltonian, eq. 93")):
        g = f[f"rm/{model}"]
        ix = g["inverse_xi"][()]
        cols = _colors(len(ix))
        for k in range(len(ix)):
            om, S = g["omega"][k], g["S"][k]
            ok = np.isfinite(S) & (S > 0)
            ax.plot(om[ok], S[ok], color=cols[k], lw=1.8, label=_xi_label(ix[k]))
            wc, wx = g["omega_c"][k], g["omega_xi"][k]
            ax.axvline(wc, color=cols[k], lw=0.8, ls="--")
            if wx > 0:
                ax.axvline(wx, color=cols[k], lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\omega / J$")
        ax.set_ylabel(r"$[S(\omega)]\; J$")
        ax.set_title(f"{tag}, $L = {L:g}$ (dashed: $\\omega_c$, dotted: $\\omega_\\xi$)")
        ax.legend(fontsize=8)
    save(fig, "rm_fig2be_spectral_function")


def fig2f(f, save):
    g = f["rm/exponents"]
    z = g["inverse_zeta"][0]
    Ls = g["czz_L"][0]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    for ax, model, tag in ((axes[0], "floquet", "Floquet"), (axes[1], "hamiltonian", "Hamiltonian")):
        cols = _colors(len(Ls))
        for k, L in enumerate(Ls):
            ax.plot(z, g[f"czz_{model}"][0][k], color=cols[k], lw=1.5, label=f"$L = {L:g}$")
        ax.plot(z, g[f"czz_inf_{model}"][0], "k--", lw=1.8, label=r"$L \to \infty$")
        ax.axvline(LOG2, color="grey", lw=0.8, ls=":")
        ax.set_xlabel(r"$1/\zeta$")
        ax.set_ylabel(r"$[C_{zz}]$")
        ax.set_title(f"(f) {tag} RM, $\\Lambda = {f['rm'].attrs['Lambda']:g}$ (dotted: $1/\\zeta_c = \\log 2$)")
        ax.legend(fontsize=8)
    save(fig, "rm_fig2f_czz")


def fig8(f, save):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)
    L = f["rm"].attrs["L"]
    for ax, model in ((axes[0], "floquet"), (axes[1], "hamiltonian")):
        g = f[f"rm/{model}"]
        ix = g["inverse_xi"][()]
        cols = _colors(len(ix))
        for k in range(len(ix)):
            t = g["t"][k]
            ax.plot(t, g["czz"][k], color=cols[k], lw=1.8, label=_xi_label(ix[k]))
            ax.plot(t, g["czz_front"][k], color=cols[k], lw=1.0, ls="--")
        ax.set_xscale("log")
        ax.set_xlabel(r"$J t$")
        ax.set_ylabel(r"$[C_{zz}(t)]$")
        ax.set_title(f"{model.capitalize()} RM, $L = {L:g}$ (dashed: $F(r(t))$, eq. 49)")
        ax.legend(fontsize=8)
    g = f["rm/floquet"]
    ix = g["inverse_xi"][()]
    cols = _colors(len(ix))
    for k in range(len(ix)):
        axes[2].plot(g["t"][k], g["light_cone"][k], color=cols[k], lw=1.8, label=_xi_label(ix[k]))
    axes[2].set_xscale("log")
    axes[2].set_xlabel(r"$J t$")
    axes[2].set_ylabel(r"light-cone front $r(t)$")
    axes[2].set_title(r"Fig. 8: $r(t) = \min(\rho \log Jt,\, L/2)$ (eq. 50)")
    axes[2].legend(fontsize=8)
    save(fig, "rm_fig8_light_cone")


def fig9(f, save):
    g = f["rm/drift"]
    Ls, w = g["L"][0], g["w"][0]
    sp = g["probe_entropy"][0]
    fig, ax = plt.subplots(figsize=(8.5, 5.2), constrained_layout=True)
    cols = plt.cm.plasma(np.linspace(0, 0.9, len(Ls)))
    for k, L in enumerate(Ls):
        ax.plot(w, sp[k], color=cols[k], lw=1.5, label=f"$L = {L:g}$")
    ax.plot(w, g["probe_entropy_inf"][0], "k--", lw=1.5, label=r"$L \to \infty$")
    ax.set_xscale("log")
    ax.set_xlabel(r"$W / W_c$")
    ax.set_ylabel(r"$[S_P]$ (nats)")
    ax.set_title(rf"Fig. 9: $1/\xi = \log(W/W_c)$, $W_c = {g.attrs['Wc']:g}$, $\Lambda(W)$ eq. 83")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ins = ax.inset_axes([0.1, 0.1, 0.4, 0.42])
    ins.plot(Ls, g["w_delta"][0], "-", color="tab:green", lw=1.5, label=rf"$W_\delta$, $\delta = {g.attrs['delta']:g}$")
    ell = g["ell_delta"][0]
    ins.plot(Ls, g["w_delta_formula"][0], ":", color="k", lw=1.5, label=rf"eq. 117, $\ell_\delta = {ell:.2f}$")
    ins.set_xlabel(r"$L$", fontsize=8)
    ins.set_ylabel(r"$W_\delta / W_c$", fontsize=8)
    ins.tick_params(labelsize=7)
    ins.legend(fontsize=6)
    save(fig, "rm_fig9_probe_entropy")


def fig11(f, save):
    g = f["rm/growth_diffusion"]
    lams = g["Lambda"][()]
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    cols = _colors(len(lams))
    for k, lam in enumerate(lams):
        x = g["r_over_lambda"][k]
        y = lam * g["p"][k]
        ok = np.isfinite(y) & (y > 0)
        ax.plot(x[ok], y[ok], color=cols[k], lw=1.8, label=rf"$\Lambda = {lam:g}$")
    x = g["r_over_lambda"][0]
    # F1 = exp(-sqrt(r/Lambda)) at xi = infinity: Lambda |dF1/dr| = exp(-sqrt(x)) / (2 sqrt(x)).
    ax.plot(x, np.exp(-np.sqrt(x)) / (2 * np.sqrt(x)), "k:", lw=1.3, label=r"$F = e^{-\sqrt{r/\Lambda}}$")
    big = x >= 1
    if np.any(big):
        k0 = len(lams) - 1
        y0 = lams[k0] * g["p"][k0]
        ref = np.nanmean(y0[big][-5:] * x[big][-5:] ** 3) if np.any(np.isfinite(y0[big])) else 1.0
        ax.plot(x[big], ref * x[big] ** -3.0, "k--", lw=1.3, label=r"$F \propto (\Lambda/r)^2$")
    ax.axvline(1, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$r / \Lambda$")
    ax.set_ylabel(r"$\Lambda\, |dF/dr|$")
    ax.set_title(rf"Fig. 11: growth-diffusion eq. 86, $1/\xi = {g.attrs['inverse_xi']:g}$, $h/W = {g.attrs['field_over_W']:g}$")
    ax.legend(fontsize=8)
    save(fig, "rm_fig11_growth_diffusion")


def fig12(f, save):
    g = f["rm/growth_diffusion"]
    lams = g["Lambda"][()]
    n = len(lams)
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.4), constrained_layout=True, squeeze=False)
    for k, lam in enumerate(lams):
        ax = axes[0][k]
        x = g["x"][k]
        rs = g["snapshot_r"][k]
        cols = plt.cm.magma(np.linspace(0, 0.85, len(rs)))
        for j, r in enumerate(rs):
            ax.plot(x, g["f"][k][j], color=cols[j], lw=1.5, label=rf"$r/\Lambda = {r / lam:.3g}$")
        ax.plot(x, np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi), "k--", lw=1.0, label="no loss")
        ax.set_yscale("log")
        ax.set_ylim(1e-8, 1)
        ax.set_xlabel(r"$(e - h/2) / (W\sqrt{2r+1})$")
        ax.set_ylabel(r"$\sqrt{2r+1}\, f(e, r)$")
        ax.set_title(rf"Fig. 12: $\Lambda = {lam:g}$")
        ax.legend(fontsize=7)
    save(fig, "rm_fig12_distributions")


def fig_F(f, save):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    for ax, model, eq in ((axes[0], "floquet", "eq. 45"), (axes[1], "hamiltonian", "eq. 91")):
        g = f[f"rm/{model}"]
        ix = g["inverse_xi"][()]
        cols = _colors(len(ix))
        for k in range(len(ix)):
            r = g["r"][k]
            F = g["F"][k]
            ok = F > 0
            ax.plot(r[ok], F[ok], color=cols[k], lw=1.8, label=_xi_label(ix[k]))
            p = g["p"][k]
            okp = p > 0
            ax.plot(r[okp], p[okp], color=cols[k], lw=1.0, ls="--")
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 1.5)
        ax.set_xlabel(r"range $r$")
        ax.set_ylabel(r"$F(r)$ (solid), $p(r) = -dF/dr$ (dashed)")
        ax.set_title(f"{model.capitalize()} RM ({eq}), $\\Lambda = {f['rm'].attrs['Lambda']:g}$")
        ax.legend(fontsize=8)
    save(fig, "rm_F_of_r")


def plot(f, save, options=None):
    fig2ad(f, save)
    fig2be(f, save)
    fig2f(f, save)
    fig8(f, save)
    fig9(f, save)
    fig11(f, save)
    fig12(f, save)
    fig_F(f, save)
