"""S1 figures (study lrsg) of a reduced qglass file (docs/hdf5-schema.md,
"Reduced file"). Entry `qglass_plot_lrsg:plot`, called by qglass_plot.py. Writes, per alpha:

  phase_diagram_L{L}_alpha{a}.{fmt}  <r> and m_EA heat maps over (h_x, eps) (largest L;
                                     --L picks one size, --all-L draws every size)
  r_vs_hx_alpha{a}.{fmt}             window <r>(h_x) per L, Poisson/GOE lines, crossings
  m_ea_vs_hx_alpha{a}.{fmt}          window <m_EA>(h_x) per L, crossings
  collapse_{r,m_ea}_alpha{a}.{fmt}   data collapse in (h_x - h_c) L^(1/nu) when fitted
  entanglement_alpha{a}.{fmt}        only for campaigns run with entanglement = true: mean
                                     half-chain entropy S/S_Page vs eps per (L, h_x) (left) and
                                     the eps-window S/S_Page vs h_x per L (right)
"""
import tomllib

import matplotlib.pyplot as plt
import numpy as np

POISSON = 2 * np.log(2) - 1
GOE = 0.5307
MARKERS = "osD^v<>pH*"

# The objects this module reads from a reduced file, per entry function (the
# READS rule: python/qglass_plot.py; layout: docs/hdf5-schema.md).
READS = {
    "plot": (
        "@eps_window", "@warnings?", "input_configs/*@config_canonical?", "lrsg/points/L", "lrsg/points/alpha",
        "lrsg/points/hx", "lrsg/points/n_realizations", "lrsg/eps/eps_edges", "lrsg/eps/r_mean", "lrsg/eps/m_ea_mean",
        "lrsg/window/r_mean", "lrsg/window/r_err", "lrsg/window/m_ea_mean", "lrsg/window/m_ea_err",
        "lrsg/crossings/r/alpha?", "lrsg/crossings/r/L1?", "lrsg/crossings/r/L2?", "lrsg/crossings/r/hc?",
        "lrsg/crossings/r/hc_err?", "lrsg/crossings/r/found?", "lrsg/crossings/m_ea/alpha?",
        "lrsg/crossings/m_ea/L1?", "lrsg/crossings/m_ea/L2?", "lrsg/crossings/m_ea/hc?",
        "lrsg/crossings/m_ea/hc_err?", "lrsg/crossings/m_ea/found?", "lrsg/collapse/r/alpha?", "lrsg/collapse/r/hc?",
        "lrsg/collapse/r/hc_err?", "lrsg/collapse/r/nu?", "lrsg/collapse/r/nu_err?", "lrsg/collapse/r/quality?",
        "lrsg/collapse/r/ok?", "lrsg/collapse/m_ea/alpha?", "lrsg/collapse/m_ea/hc?", "lrsg/collapse/m_ea/hc_err?",
        "lrsg/collapse/m_ea/nu?", "lrsg/collapse/m_ea/nu_err?", "lrsg/collapse/m_ea/quality?",
        "lrsg/collapse/m_ea/ok?", "lrsg/entanglement/L?", "lrsg/entanglement/alpha?", "lrsg/entanglement/hx?",
        "lrsg/entanglement/eps_edges?", "lrsg/entanglement/S_over_page?", "lrsg/entanglement/S_over_page_err?",
        "lrsg/entanglement/window_S_over_page?", "lrsg/entanglement/window_S_over_page_err?",
    ),
}


def _edges_log(x):
    """Cell edges for pcolormesh on a log axis: geometric midpoints."""
    x = np.asarray(x, float)
    if len(x) == 1:
        return np.array([x[0] / 1.5, x[0] * 1.5])
    mid = np.sqrt(x[1:] * x[:-1])
    return np.concatenate([[x[0] ** 2 / mid[0]], mid, [x[-1] ** 2 / mid[-1]]])


def _read(f, path, default=None):
    return f[path][()] if path in f else default


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def solver_label(f):
    """How the inputs were solved, from their stored configs (`/input_configs`):
    e.g. "dense ED, periodic" or "mid-spectrum k = 500, open"; inputs that
    differ are joined with "; ". Empty for a file without `/input_configs`."""
    if "input_configs" not in f:
        return ""
    labels = []
    for g in f["input_configs"].values():
        cfg = tomllib.loads(_text(g.attrs["config_canonical"])).get("lrsg", {})
        solver = "dense ED" if cfg.get("solver", "dense") == "dense" else f"mid-spectrum k = {cfg.get('k')}"
        label = f"{solver}, {cfg.get('boundary', 'periodic')}"
        if label not in labels:
            labels.append(label)
    return "; ".join(labels)


def load(f):
    """The S1 datasets of an open reduced file."""
    d = {k: f[f"lrsg/points/{k}"][()] for k in ("L", "alpha", "hx", "n_realizations")}
    d["edges"] = f["lrsg/eps/eps_edges"][()]
    for o in ("r", "m_ea"):
        d[f"eps_{o}"] = f[f"lrsg/eps/{o}_mean"][()]
        d[f"w_{o}"] = f[f"lrsg/window/{o}_mean"][()]
        d[f"w_{o}_err"] = f[f"lrsg/window/{o}_err"][()]
        d[f"cross_{o}"] = {k: _read(f, f"lrsg/crossings/{o}/{k}", np.array([])) for k in ("alpha", "L1", "L2", "hc", "hc_err", "found")}
        d[f"coll_{o}"] = {k: _read(f, f"lrsg/collapse/{o}/{k}", np.array([])) for k in ("alpha", "hc", "hc_err", "nu", "nu_err", "quality", "ok")}
    d["window"] = tuple(f.attrs["eps_window"])
    d["warnings"] = f.attrs.get("warnings", "")
    d["solver"] = solver_label(f)
    return d


def phase_diagram(d, L, alpha, save):
    sel = (d["L"] == L) & (d["alpha"] == alpha)
    order = np.argsort(d["hx"][sel])
    hx = d["hx"][sel][order]
    xe, ye = _edges_log(hx), d["edges"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    for ax, (key, label, vmin, vmax, cmap) in zip(axes, [
        ("eps_r", r"$\langle r\rangle$", 0.38, 0.54, "viridis"),
        ("eps_m_ea", r"$\langle m_{EA}\rangle$", 0.0, 1.0, "magma"),
    ]):
        z = np.ma.masked_invalid(d[key][sel][order].T)
        mesh = ax.pcolormesh(xe, ye, z, vmin=vmin, vmax=vmax, cmap=cmap, shading="flat")
        ax.set_xscale("log")
        ax.set_xlabel(r"transverse field $h_x$")
        ax.set_ylabel(r"energy density $\epsilon$")
        ax.set_ylim(0, 1)
        cb = fig.colorbar(mesh, ax=ax)
        cb.set_label(label)
    n = int(np.min(d["n_realizations"][sel]))
    fig.suptitle(rf"Long-range quantum spin glass, $L={L}$, $\alpha={alpha:g}$ ({n} realizations per $h_x$)"
                 + (f"\n{d['solver']}" if d["solver"] else ""))
    save(fig, f"phase_diagram_L{L}_alpha{alpha:g}")


def curves(d, obs, alpha, save):
    sizes = sorted(set(d["L"][d["alpha"] == alpha]))
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    for i, L in enumerate(sizes):
        sel = (d["L"] == L) & (d["alpha"] == alpha)
        o = np.argsort(d["hx"][sel])
        ax.errorbar(d["hx"][sel][o], d[f"w_{obs}"][sel][o], yerr=d[f"w_{obs}_err"][sel][o], color=colors[i],
                    marker=MARKERS[i % len(MARKERS)], ms=6, capsize=3, lw=1.6, label=f"L = {L}")
    if obs == "r":
        ax.axhline(GOE, ls="--", color="0.3", lw=1.2)
        ax.axhline(POISSON, ls="--", color="0.3", lw=1.2)
        ax.text(0.99, GOE, "GOE 0.531 ", transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=11, color="0.3")
        ax.text(0.99, POISSON, "Poisson 0.386 ", transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=11, color="0.3")
        ax.set_ylabel(r"$\langle r\rangle$")
    else:
        ax.set_ylabel(r"$\langle m_{EA}\rangle$")
    c = d[f"cross_{obs}"]
    shown = 0
    for k in range(len(c["hc"])):
        if c["alpha"][k] == alpha and c["found"][k] == 1 and np.isfinite(c["hc"][k]):
            # Mark the crossing on the larger size's curve, with its bootstrap error.
            sel = (d["L"] == c["L2"][k]) & (d["alpha"] == alpha)
            o = np.argsort(d["hx"][sel])
            y = np.interp(c["hc"][k], d["hx"][sel][o], d[f"w_{obs}"][sel][o])
            err = c["hc_err"][k] if np.isfinite(c["hc_err"][k]) else 0
            ax.errorbar([c["hc"][k]], [y], xerr=[[min(err, 0.9 * c["hc"][k])], [err]], fmt="*", ms=14, color="C3",
                        mec="k", capsize=4, zorder=5, label=f"$h_c({c['L1'][k]},{c['L2'][k]}) = {c['hc'][k]:.3f} \\pm {err:.3f}$")
            shown += 1
    ax.set_xscale("log")
    ax.set_xlabel(r"transverse field $h_x$")
    lo, hi = d["window"]
    ax.set_title(rf"$\alpha={alpha:g}$, $\epsilon \in [{lo:g}, {hi:g})$" + (f" ({d['solver']})" if d["solver"] else ""))
    ax.legend(loc="best", frameon=True, framealpha=0.85)
    save(fig, f"{obs}_vs_hx_alpha{alpha:g}")


def collapse(d, obs, alpha, save):
    c = d[f"coll_{obs}"]
    rows = [k for k in range(len(c["alpha"])) if c["alpha"][k] == alpha and np.isfinite(c["hc"][k]) and np.isfinite(c["nu"][k])]
    if not rows:
        print(f"note: no collapse for {obs} at alpha {alpha:g}")
        return
    k = rows[0]
    hc, nu = c["hc"][k], c["nu"][k]
    sizes = sorted(set(d["L"][d["alpha"] == alpha]))
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sizes)))
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    for i, L in enumerate(sizes):
        sel = (d["L"] == L) & (d["alpha"] == alpha)
        o = np.argsort(d["hx"][sel])
        x = (d["hx"][sel][o] - hc) * L ** (1 / nu)
        ax.errorbar(x, d[f"w_{obs}"][sel][o], yerr=d[f"w_{obs}_err"][sel][o], color=colors[i],
                    marker=MARKERS[i % len(MARKERS)], ms=6, capsize=3, lw=1.2, label=f"L = {L}")
    ax.set_xlabel(r"$(h_x - h_c)\,L^{1/\nu}$")
    ax.set_ylabel(r"$\langle r\rangle$" if obs == "r" else r"$\langle m_{EA}\rangle$")
    ok = "" if c["ok"][k] == 1 else " (fit flagged)"
    ax.set_title(rf"$\alpha={alpha:g}$: $h_c={hc:.3f}\pm{c['hc_err'][k]:.3f}$, $\nu={nu:.2f}\pm{c['nu_err'][k]:.2f}$, $S={c['quality'][k]:.2f}${ok}")
    ax.legend(frameon=False)
    save(fig, f"collapse_{obs}_alpha{alpha:g}")


def plot(f, save, options):
    """Entry point: f an open reduced lrsg file, save(fig, name) writes one
    figure, options.L / options.all_L choose the phase-diagram sizes."""
    d = load(f)
    for alpha in sorted(set(d["alpha"])):
        sizes = sorted(set(d["L"][d["alpha"] == alpha]))
        chosen = [options.L] if options.L is not None else (sizes if options.all_L else sizes[-1:])
        for size in chosen:
            if size in sizes:
                phase_diagram(d, size, alpha, save)
        for obs in ("r", "m_ea"):
            curves(d, obs, alpha, save)
            collapse(d, obs, alpha, save)
    if "lrsg/entanglement" in f:
        for alpha in sorted(set(f["lrsg/entanglement/alpha"][()])):
            entanglement(f["lrsg/entanglement"], alpha, save)


def entanglement(g, alpha, save):
    """S6a: S/S_Page vs eps per (L, h_x), and the window value vs h_x per L."""
    L, A, H = g["L"][()], g["alpha"][()], g["hx"][()]
    edges = g["eps_edges"][()]
    mid = 0.5 * (edges[1:] + edges[:-1])
    ratio, err = g["S_over_page"][()], g["S_over_page_err"][()]
    sel = np.where(A == alpha)[0]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 5.2), constrained_layout=True)
    fields = sorted(set(H[sel]))
    # A sequential map without its light end: every h_x reads on white
    # (coolwarm's midpoint was near-white).
    colors = plt.cm.viridis(np.linspace(0, 0.85, max(2, len(fields))))
    styles = ["-", "--", ":", "-."]
    sizes = sorted(set(L[sel]))
    for i in sel:
        c = colors[fields.index(H[i])]
        ls = styles[sizes.index(L[i]) % len(styles)]
        ok = np.isfinite(ratio[i])
        ax.errorbar(mid[ok], ratio[i, ok], yerr=np.nan_to_num(err[i, ok]), color=c, ls=ls, lw=1.2, capsize=2,
                    label=f"L = {L[i]}, $h_x$ = {H[i]:g}")
    ax.set_xlabel(r"energy density $\epsilon$")
    ax.set_ylabel(r"$\langle S\rangle / S_{\rm Page}$ (half chain)")
    # Legends below the panels, off the data.
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=max(1, len(sizes)), frameon=False)
    for j, size in enumerate(sizes):
        s = sel[L[sel] == size]
        o = s[np.argsort(H[s])]
        bx.errorbar(H[o], g["window_S_over_page"][o], yerr=np.nan_to_num(g["window_S_over_page_err"][o]), marker=MARKERS[j % len(MARKERS)],
                    capsize=3, label=f"L = {size}")
    bx.axhline(1, color="gray", lw=0.8, ls=":")
    if len(fields) > 1 and min(fields) > 0:
        bx.set_xscale("log")
    bx.set_xlabel(r"transverse field $h_x$")
    bx.set_ylabel(r"window $\langle S\rangle / S_{\rm Page}$")
    bx.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=max(1, len(sizes)), frameon=False)
    fig.suptitle(rf"S6a eigenstate entanglement, $\alpha$ = {alpha:g} (sector states: cats carry ln 2)")
    save(fig, f"entanglement_alpha{alpha:g}")
