"""Figures of reduced classical qglass files (studies fields, avalanche, twoflip,
tempering; docs/hdf5-schema.md, "Reduced classical files"): one entry function per
study (plot entries `qglass_plot_classical:fields` etc.), called by qglass_plot.py
as function(f, save, options).

  fields     fields_{state}_alpha{a}.{fmt}  p(phi) per L, the L = inf extrapolation and the
                                            power-law fit; inset x(alpha) vs 1/alpha - 1 (seed 001 Fig. 1)
  avalanche  avalanche_L{L}_hx{h}.{fmt}     ever-resonant count vs step, random vs SFS (Fig. 2 left)
  twoflip    twoflip_hx{h}.{fmt}            all and genuine two-flip resonances vs L, log-log, with fits
  tempering  binder_alpha{a}.{fmt}          Binder ratio vs T per L, crossings, KY T_c band;
             equilibration_alpha{a}.{fmt}   link-overlap test per doubling stage
"""
import matplotlib.pyplot as plt
import numpy as np

MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "fields": (
        "fields/*@state", "fields/*@alpha", "fields/*@fit_lo", "fields/*@fit_hi", "fields/*@fit_prefactor",
        "fields/*@x", "fields/*@x_err", "fields/*/L", "fields/*/bin_centers", "fields/*/p", "fields/*/p_err",
        "fields/*/counts", "fields/*/p_inf", "fields/summary/state", "fields/summary/x", "fields/summary/x_err",
        "fields/summary/stability_bound",
    ),
    "avalanche": (
        "avalanche/*@L", "avalanche/*@hx", "avalanche/*@state", "avalanche/*@alpha", "avalanche/*@growth_exponent",
        "avalanche/*@growth_exponent_err", "avalanche/*@saturation_fraction", "avalanche/*/step", "avalanche/*/mean",
        "avalanche/*/std",
    ),
    "twoflip": (
        "twoflip/*@hx", "twoflip/*@state", "twoflip/*@alpha", "twoflip/*@exponent_all", "twoflip/*@exponent_all_err",
        "twoflip/*@exponent_genuine", "twoflip/*@exponent_genuine_err", "twoflip/*/L", "twoflip/*/all_mean",
        "twoflip/*/all_err", "twoflip/*/genuine_mean", "twoflip/*/genuine_err",
    ),
    "tempering": (
        "tempering/*@alpha", "tempering/*@normalization", "tempering/*/T", "tempering/*/L", "tempering/*/g",
        "tempering/*/g_err", "tempering/*/n_samples", "tempering/*/stage_sweeps", "tempering/*/link_diff",
        "tempering/*/link_diff_err", "tempering/*/crossings/Tc", "tempering/*/crossings/Tc_err",
        "tempering/*/crossings/found",
    ),
}
STATE_LABEL = {"random": r"$T=\infty$", "sfs": "SFS"}


def pm(v, e, digits=2):
    """'v \\pm e' for mathtext; NaN-safe (a NaN error is dropped, a NaN value is 'nan')."""
    if not np.isfinite(v):
        return r"\mathrm{nan}"
    return f"{v:.{digits}f}" + (rf"\pm{e:.{digits}f}" if np.isfinite(e) else "")


def _attr(g, k, default=None):
    v = g.attrs.get(k, default)
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.item()
    return v


def _sets(f, study):
    g = f[study]
    keys = sorted((k for k in g if k.startswith("set")), key=lambda k: int(k[3:]))
    return [g[k] for k in keys]


def fields(f, save, options=None):
    sets = _sets(f, "fields")
    summary = f["fields/summary"]
    for g in sets:
        state, alpha = _attr(g, "state"), float(_attr(g, "alpha"))
        Ls, c, p, perr = g["L"][:], g["bin_centers"][:], g["p"][:], g["p_err"][:]
        fig, ax = plt.subplots(figsize=(7.5, 5.5))
        cmap = plt.get_cmap("viridis")
        counts = g["counts"][:]
        for i, L in enumerate(Ls):
            ok = counts[i] >= 5  # bins with a handful of counts are noise on a log scale
            ax.errorbar(c[ok], p[i][ok], yerr=perr[i][ok], fmt=MARKERS[i % len(MARKERS)], ms=3.5, lw=0.8, capsize=0,
                        color=cmap(i / max(1, len(Ls) - 1) * 0.85), label=f"L = {L}")
        pinf = g["p_inf"][:]
        ok = (pinf > 0) & (counts.min(axis=0) >= 5)
        ax.plot(c[ok], pinf[ok], "k-", lw=1.8, label=r"$L\to\infty$ (1/L, 2nd order)")
        lo, hi, x, xe = (float(_attr(g, k)) for k in ("fit_lo", "fit_hi", "x", "x_err"))
        if np.isfinite(x):
            xx = np.geomspace(lo, hi, 50)
            ax.plot(xx, float(_attr(g, "fit_prefactor")) * xx ** x, "r--", lw=2,
                    label=rf"$p\sim|\phi|^{{x}}$, $x={pm(x, xe)}$")
            ax.axvspan(lo, hi, color="r", alpha=0.06)
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_xlabel(r"$|\phi|$"); ax.set_ylabel(r"$p(\phi)$")
        ax.set_title(rf"Effective fields, {state} states, $\alpha={alpha:g}$")
        ax.set_ylim(bottom=max(ax.get_ylim()[0], 1e-6))
        ax.legend(frameon=False, loc="lower right", fontsize=10)
        # Inset: x(alpha) against 1/alpha - 1 for the SFS sets.
        st = summary["state"][:]
        sel = st == 1
        if state == "sfs" and sel.sum() >= 1:
            ins = ax.inset_axes([0.1, 0.1, 0.3, 0.32])
            b = summary["stability_bound"][:][sel]
            ins.errorbar(b, summary["x"][:][sel], yerr=summary["x_err"][:][sel], fmt="o", ms=4, color="C3")
            lim = [0, max(1.0, float(np.nanmax(np.concatenate([b, summary["x"][:][sel]]))) * 1.1)]
            ins.plot(lim, lim, "k--", lw=1)
            ins.set_xlim(lim); ins.set_ylim(lim)
            ins.set_xlabel(r"$1/\alpha-1$", fontsize=10); ins.set_ylabel(r"$x$", fontsize=10)
            ins.tick_params(labelsize=8)
        save(fig, f"fields_{state}_alpha{alpha:g}")


def avalanche(f, save, options=None):
    groups = {}
    for g in _sets(f, "avalanche"):
        groups.setdefault((int(_attr(g, "L")), float(_attr(g, "hx"))), []).append(g)
    for (L, hx), gs in sorted(groups.items()):
        fig, ax = plt.subplots(figsize=(7.5, 5.5))
        for i, g in enumerate(sorted(gs, key=lambda g: (_attr(g, "state"), float(_attr(g, "alpha"))))):
            s, m, sd = g["step"][:], g["mean"][:], g["std"][:]
            st, a = _attr(g, "state"), float(_attr(g, "alpha"))
            ls = "-" if st == "random" else "--"
            col = f"C{i}"
            ge, gee = float(_attr(g, "growth_exponent")), float(_attr(g, "growth_exponent_err"))
            lab = (STATE_LABEL[st]) + rf", $\alpha={a:g}$"
            if st == "random":
                lab += rf" (slope ${pm(ge, gee, 3)}$)"
            else:
                lab += f" (final {100 * float(_attr(g, 'saturation_fraction')):.1f}% of spins)"
            x = s[1:]
            ax.plot(x, m[1:], ls, color=col, lw=2, label=lab)
            ax.fill_between(x, np.maximum(m[1:] - sd[1:], 0.5), m[1:] + sd[1:], color=col, alpha=0.12)
        xs = np.array([10, s[-1]])
        ax.plot(xs, 3 * np.sqrt(xs), "k:", lw=1.2, label=r"$\propto \sqrt{\rm step}$")
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_ylim(bottom=0.5)
        ax.set_xlabel("avalanche step (one resonant spin flipped)")
        ax.set_ylabel("spins ever resonant")
        ax.set_title(rf"Resonance avalanche, $L={L}$, $h_x={hx:g}$")
        ax.legend(frameon=False, fontsize=9.5, loc="upper left")
        save(fig, f"avalanche_L{L}_hx{hx:g}")


def twoflip(f, save, options=None):
    groups = {}
    for g in _sets(f, "twoflip"):
        groups.setdefault(float(_attr(g, "hx")), []).append(g)
    for hx, gs in sorted(groups.items()):
        fig, ax = plt.subplots(figsize=(7.5, 5.5))
        k = 0
        for g in sorted(gs, key=lambda g: (_attr(g, "state"), float(_attr(g, "alpha")))):
            st, a = _attr(g, "state"), float(_attr(g, "alpha"))
            L = g["L"][:].astype(float)
            for kind, fill in (("all", "full"), ("genuine", "none")):
                m, e = g[f"{kind}_mean"][:], g[f"{kind}_err"][:]
                ex, ee = float(_attr(g, f"exponent_{kind}")), float(_attr(g, f"exponent_{kind}_err"))
                ok = m > 0
                col = f"C{k}"
                ax.errorbar(L[ok], m[ok], yerr=e[ok], fmt=MARKERS[k % len(MARKERS)], fillstyle=fill, color=col, ms=6, capsize=2,
                            label=STATE_LABEL[st] + rf" {kind}, $\alpha={a:g}$: "
                            + (rf"$L^{{{pm(ex, ee)}}}$" if np.isfinite(ex) else "no fit"))
                if ok.sum() >= 2 and np.isfinite(ex):
                    c0 = np.exp(np.mean(np.log(m[ok]) - ex * np.log(L[ok])))
                    ax.plot(L[ok], c0 * L[ok] ** ex, "-", color=col, lw=1)
                k += 1
        ax.plot(L, L, "k:", lw=1, label=r"$\propto L$")
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_xlabel("L"); ax.set_ylabel("two-spin-flip resonances per sample")
        ax.set_title(rf"Two-flip resonances $|A_{{12}}|>1$ (seed eq. 6), $h_x={hx:g}$")
        ax.legend(frameon=False, fontsize=9, loc="upper left")
        save(fig, f"twoflip_hx{hx:g}")


def tempering(f, save, options=None):
    for g in _sets(f, "tempering"):
        a = float(_attr(g, "alpha"))
        T, Ls, gg, ge = g["T"][:], g["L"][:], g["g"][:], g["g_err"][:]
        fig, ax = plt.subplots(figsize=(7.5, 5.5))
        for i, L in enumerate(Ls):
            ax.errorbar(T, gg[i], yerr=ge[i], fmt=MARKERS[i % len(MARKERS)] + "-", ms=5, capsize=2, lw=1.2,
                        label=f"L = {L} ({g['n_samples'][i]} samples)")
        cr = g["crossings"]
        for j in range(len(cr["Tc"])):
            if cr["found"][j]:
                tc, te = cr["Tc"][j], cr["Tc_err"][j]
                ax.axvline(tc, color=f"C{j}", ls=":", lw=1.2)
                ax.annotate(rf"$T_\times({cr['L1'][j]},{cr['L2'][j]})={pm(tc, te)}$", xy=(0.98, 0.95 - 0.07 * j),
                            xycoords="axes fraction", ha="right", va="top", fontsize=10)
        norm = _attr(g, "normalization")
        if norm == "mean-field" and abs(a - 0.75) < 1e-9:
            ax.axvspan(0.59, 0.65, color="0.6", alpha=0.25, label=r"KY 2003: $T_c=0.62\pm0.03$")
        ax.set_xlabel(r"$T$" + (r"  [$T_c^{\rm MF}=1$]" if norm == "mean-field" else ""))
        ax.set_ylabel(r"Binder ratio $g$")
        ax.set_ylim(0, 1)
        ax.set_title(rf"Classical spin-glass transition, $\alpha={a:g}$")
        ax.legend(frameon=False, loc="lower left", fontsize=10)
        save(fig, f"binder_alpha{a:g}")

        fig, ax = plt.subplots(figsize=(7.5, 5.0))
        sw, d, de = g["stage_sweeps"][:], g["link_diff"][:], g["link_diff_err"][:]
        for i, L in enumerate(Ls):
            ax.errorbar(sw[i], d[i], yerr=de[i], fmt=MARKERS[i % len(MARKERS)] + "-", capsize=2, label=f"L = {L}")
        ax.axhline(0, color="k", lw=1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("total sweeps at the end of the stage")
        ax.set_ylabel(r"$[q_l] - (1 + 2T[e]/(T_c^{\rm MF})^2)$ at $T_{\min}$")
        ax.set_title(rf"Link-overlap equilibration test, $T={T[0]:.2f}$")
        ax.legend(frameon=False)
        save(fig, f"equilibration_alpha{a:g}")
