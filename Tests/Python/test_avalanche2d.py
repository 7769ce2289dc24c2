"""S8 studies drh (De Roeck-Huveneers ED) and diamond (2D free-fermion lattices +
mean field): small real campaigns, payloads bit-identical on 1, 2 and 3 ranks,
the stored disorder rebuilt with numpy, reduce + plot checked with h5py.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, datasets, mpirun, payload

LN2 = np.log(2.0)

DRH = "[drh]\nN = [3, 5]\na = [0.2, 0.7071067811865476, 1.0]\n"
DIAMOND = ('[diamond]\nR = [3, 5]\nW = [5.0, 30.0, 80.0, 200.0]\npotential = ["qp", "random"]\ng0 = 1.0\n'
           'theta_W = [80.0]\nmap_R = 4\nmap_W = [30.0, 80.0]\nmap_theta0 = 2.954\n')


def qrun(*args, ranks=2):
    """qglass under mpirun with --oversubscribe (3 ranks on a 2-core machine)."""
    return mpirun(*args, ranks=ranks, timeout=900, check=True)


def config(d, name, table, realizations, group=1):
    cfg = d / f"{name}.toml"
    cfg.write_text(f"[campaign]\nseed = 5\nrealizations = {realizations}\ngroup_size = {group}\n\n{table}")
    return cfg


def drh_hamiltonian_kron(grain, h, J, coupling, ops=None):
    """H of docs/avalanche-ed-2d.md (study drh) from Kronecker products, independent of qglass's bit
    tricks: the grain on the three low bits (sigma_g on the lowest), l-bit n on bit 3 + n."""
    N = len(h)
    X, Y, Z = np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])
    on_g0 = lambda op: np.kron(np.eye(4), op)  # noqa: E731  grain qubit 0 = the lowest bit

    def lbit(n, lop, gop):
        return np.kron(np.eye(2 ** (N - 1 - n)), np.kron(lop, np.kron(np.eye(2 ** n), gop)))

    H = np.kron(np.eye(2 ** N), grain).astype(complex)
    for n in range(N):
        H += h[n] * lbit(n, Z, np.eye(8))
        if coupling == "flipflop":
            H += J[n] * (lbit(n, X, on_g0(X)) + lbit(n, Y, on_g0(Y)))
        elif coupling == "xx":
            H += J[n] * lbit(n, X, on_g0(X))
        else:
            H += J[n] * lbit(n, X, ops[n])
    assert np.allclose(H.imag, 0)
    return H.real


def last_lbit_entropies(v):
    """Entanglement entropy (nats) of the highest bit in each column of v."""
    D = v.shape[0]
    psi = v.reshape(2, D // 2, D)
    rho_up = np.einsum("ik,ik->k", psi[0], psi[0])
    off = np.einsum("ik,ik->k", psi[0], psi[1])
    lam = np.clip(0.5 + np.sqrt((rho_up - 0.5) ** 2 + off ** 2), 0, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nan_to_num(lam * np.log(lam)) - np.nan_to_num((1 - lam) * np.log(1 - lam))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("aval2d")
    out = {}
    # Every diamond rank builds the eta table (about 20 s of CPU in a debug build): 1 and 3 ranks only.
    for study, table, nreal, counts in (("drh", DRH, 3, (1, 2, 3)), ("diamond", DIAMOND, 6, (1, 3))):
        cfg = config(d, study, table, nreal)
        files = {}
        for n in counts:
            files[n] = d / f"{study}-{n}.h5"
            qrun("run", str(cfg), "--out", str(files[n]), ranks=n)
        files[2] = files.get(2, files[3])
        red = d / f"{study}-reduced.h5"
        res = qrun("reduce", str(files[2]), "--out", str(red), "--bootstrap", "40", "--force", ranks=1)
        figs = d / f"{study}-figures"
        plot = subprocess.run([QGLASS, "plot", str(red), "--out", str(figs)], env=ENV, capture_output=True, text=True, timeout=600)
        assert plot.returncode == 0, plot.stdout + plot.stderr
        out[study] = (files, red, figs, res.stdout, d)
    return out


@pytest.mark.parametrize("study", ["drh", "diamond"])
def test_bit_identical_across_ranks(runs, study):
    files = runs[study][0]
    p1 = payload(files[1])
    for n in (2, 3) if study == "drh" else (3,):
        pn = payload(files[n])
        assert p1.keys() == pn.keys()
        for k in p1:
            assert np.array_equal(p1[k], pn[k], equal_nan=True), f"{study} {k} differs on {n} ranks"


def test_drh_stored_disorder_and_entropies(runs):
    files = runs["drh"][0]
    with h5py.File(files[2], "r") as f:
        for blk in ("N3", "N5"):
            g = f[f"drh/{blk}"]
            N = int(g.attrs["N"])
            assert g["grain"].shape[1] == 64 and g["h"].shape[1] == N
            grain = g["grain"][()].reshape(-1, 8, 8)
            assert np.allclose(np.sqrt(np.einsum("rij,rij->r", grain, grain) / 8), 1.5)
            assert np.all(np.abs(g["h"][()] - 1) <= 0.1)
            # Same disorder at every a (keyed by N and realization only).
            for r in set(g["realization"][()]):
                rows = np.where(g["realization"][()] == r)[0]
                assert all(np.array_equal(grain[rows[0]], grain[k]) for k in rows)
            s = g["s_end"][()]
            assert np.all((s >= -1e-12) & (s <= LN2 + 1e-12))
            # Rebuild H for one row with numpy and recompute S_end of every eigenstate.
            row = int(np.where(g["a"][()] == 1.0)[0][0])
            D = 8 << N
            h = g["h"][row]
            J = 0.41 * g["a"][row] ** np.arange(N)
            H = np.zeros((D, D))
            for st in range(D):
                gi = st & 7
                H[(st & ~7) | np.arange(8), st] += grain[row][:, gi]
                H[st, st] += sum(h[n] * (1 if (st >> (3 + n)) & 1 == 0 else -1) for n in range(N))
                for n in range(N):
                    if ((st >> (3 + n)) & 1) != (st & 1):
                        H[st ^ (1 | 1 << (3 + n)), st] += 2 * J[n]
            e, v = np.linalg.eigh(H)
            assert np.allclose(e, g["energy"][row], atol=1e-10)
            assert np.allclose(last_lbit_entropies(v), g["s_end"][row], atol=1e-8)


def test_drh_reduced(runs):
    files, red, figs, report, _ = runs["drh"]
    with h5py.File(files[2], "r") as c, h5py.File(red, "r") as f:
        assert f.attrs["study"] in (b"drh", "drh")
        pts = f["drh/points"]
        for i, (N, a) in enumerate(zip(pts["N"][()], pts["a"][()])):
            g = c[f"drh/N{N}"]
            rows = np.where(g["a"][()] == a)[0]
            eps, s = g["eps"][()][rows], g["s_end"][()][rows]
            inw = (eps >= 0.4) & (eps < 0.6)
            want = np.mean([s[k][inw[k]].mean() for k in range(len(rows))])
            assert np.isclose(pts["s_end_window_mean"][i], want, rtol=1e-12)
            assert np.isclose(pts["s_end_all_mean"][i], s.mean(), rtol=1e-12)
            hist = pts["histogram"][i]
            assert np.isclose(np.sum(hist) * LN2 / len(hist), 1.0)
        # [S_end] grows with a; the mean-field curves are monotone, fitted at a_c.
        mf = f["drh/mean_field"]
        assert mf.attrs["g10"] > 0 and np.isclose(mf.attrs["a_c"], 1 / np.sqrt(2))
        curves = mf["s_end"][()]
        assert np.all(np.diff(curves, axis=1) >= -1e-9) and np.all(curves <= LN2 + 1e-9)
        assert np.allclose(mf["fit_s_end_mf"][()], mf["fit_s_end_ed"][()], atol=0.15)
    for name in ("drh_s_end_vs_a", "drh_s_end_all_vs_a", "drh_p_s_end"):
        assert (figs / f"{name}.png").exists()
    assert "fitted at a_c = 1/sqrt(2) (chi2" in report and "not fitted" not in report


def test_drh_grid_without_critical_a_is_not_fitted(tmp_path):
    """An a grid that misses a_c = 1/sqrt(2): the curves are drawn at g_10 = 1/2, and both
    the report and the file say that it was not fitted."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    cfg = config(tmp_path, "drh-low", "[drh]\nN = [3]\na = [0.3, 0.5]\n", 2)
    out, red = tmp_path / "drh-low.h5", tmp_path / "drh-low-reduced.h5"
    qrun("run", str(cfg), "--out", str(out), ranks=1)
    res = qrun("reduce", str(out), "--out", str(red), "--bootstrap", "20", ranks=1)
    assert "g_10 = 0.5, not fitted (a_c = 1/sqrt(2) is not inside the a grid)" in res.stdout
    assert "fitted at a_c" not in res.stdout
    with h5py.File(red, "r") as f:
        mf = f["drh/mean_field"]
        assert mf.attrs["g10"] == 0.5 and np.isnan(mf.attrs["chi2"])
        assert len(mf["fit_N"][()]) == 0


def diamond_sites(R):
    """Sites of the diamond in the study's order (n1 ascending, then n2)."""
    return [(i, j) for i in range(-R, R + 1) for j in range(-(R - abs(i)), R - abs(i) + 1)]


def triangle(theta, W):
    x0 = 2 / (1 + np.sqrt(5))  # 2 pi / q1
    t = np.mod(theta, 2 * np.pi)
    return np.where(t < x0, W - 2 * W * t / x0, -W + 2 * W * (t - x0) / (2 * np.pi - x0))


def diamond_h(R, theta, W):
    sites = diamond_sites(R)
    idx = {s: k for k, s in enumerate(sites)}
    H = np.diag(triangle(np.asarray(theta), W))
    for (i, j), k in idx.items():
        for nb in ((i + 1, j), (i, j + 1)):
            if nb in idx:
                H[k, idx[nb]] = H[idx[nb], k] = 1.0
    return H, sites, idx[(0, 0)]


def test_diamond_stored_disorder(runs):
    files = runs["diamond"][0]
    q = np.pi * np.array([1 + np.sqrt(5), 1 + np.sqrt(3)])
    with h5py.File(files[2], "r") as f:
        for R in (3, 5):
            N = 2 * R * R + 2 * R + 1
            qp, rnd = f[f"diamond/qp/R{R}"], f[f"diamond/random/R{R}"]
            assert qp["theta"].shape[1] == 1 and rnd["theta"].shape[1] == N
            for g in (qp, rnd):
                assert np.all(g["done"][()] == 1)
                th = g["theta"][()]
                assert np.all((th >= 0) & (th < 2 * np.pi))
                # The same draw at every W (keyed by R and realization).
                for r in set(g["realization"][()]):
                    rows = np.where(g["realization"][()] == r)[0]
                    assert all(np.array_equal(th[rows[0]], th[k]) for k in rows)
                n = g["n_star"][()]
                assert np.all(n >= -1e-9) and np.all(n <= N + 1e-9)
            # Weak potential: everything avalanches; n_* close to N.
            w5 = qp["W"][()] == 5.0
            assert np.all(qp["n_star"][()][w5] > 0.9 * N)
        # The map: a permutation maximizing prod |phi_{k, site(k)}| (checked against scipy when present).
        m = f["diamond/qp/maps"]
        R = 4
        for row in range(m["W"].shape[0]):
            W, t0 = m["W"][row], m["theta"][row][0]
            assert t0 == 2.954
            sites = diamond_sites(R)
            theta = [q[0] * i + q[1] * j + t0 for i, j in sites]
            H, _, origin = diamond_h(R, theta, W)
            e, v = np.linalg.eigh(H)
            site = m["site_of_orbital"][row]
            assert sorted(site) == list(range(len(sites)))
            lp = np.sum(np.log(np.abs(v[site, np.arange(len(sites))])))
            assert np.isclose(lp, m["log_product"][row], atol=1e-8)
            try:
                from scipy.optimize import linear_sum_assignment
                cost = -np.log(np.maximum(np.abs(v.T), 1e-300))
                r, c = linear_sum_assignment(cost)
                assert np.isclose(-cost[r, c].sum(), lp, atol=1e-8)
            except ImportError:
                pass
            g0 = np.zeros(len(sites))
            g0[site] = np.abs(v[origin, :])
            assert np.allclose(g0, m["g0_site"][row], rtol=1e-8, atol=1e-14)
            s = m["s_site"][row]
            assert np.all((s >= 0) & (s <= LN2 + 1e-12))
            assert s[origin] == s.max()


def test_diamond_reduced(runs):
    files, red, figs, report, _ = runs["diamond"]
    with h5py.File(files[2], "r") as c, h5py.File(red, "r") as f:
        for kind in ("qp", "random"):
            pts = f[f"diamond/{kind}/points"]
            for i, (R, W) in enumerate(zip(pts["R"][()], pts["W"][()])):
                g = c[f"diamond/{kind}/R{R}"]
                sel = g["W"][()] == W
                N = 2 * R * R + 2 * R + 1
                assert pts["n_samples"][i] == sel.sum()
                assert np.isclose(pts["eta_mean"][i], g["eta_tot"][()][sel].mean(), rtol=1e-12)
                assert np.isclose(pts["f_aval"][i], np.mean(g["n_star"][()][sel] > N / 2))
            assert "W_half" in f[f"diamond/{kind}"].attrs and "W_th" in f[f"diamond/{kind}"].attrs
        th = f["diamond/qp/theta"]
        assert set(th["W"][()]) == {80.0} and len(th["eta"]) == 2 * 6
        assert "qp_R4_W30.0" in f["diamond/qp/maps"]
    for name in ("diamond_eta_vs_W_qp", "diamond_eta_vs_W_random", "diamond_faval_vs_W_qp", "diamond_eta_vs_theta0_W80",
                 "diamond_map_qp_R4_W30.0", "diamond_map_random_R4_W80.0"):
        assert (figs / f"{name}.png").exists(), name


def test_diamond_refusals(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    for bad, why in (('R = [0]\nW = [1.0]\n', "R = 0 out of range"), ('R = [2]\nW = [1.0]\npotential = ["aa"]\n', "potential must be"),
                     ('R = [2]\nW = [1.0]\ntheta_W = [2.0]\n', "theta_W = 2.0 is not one of"), ('R = [2]\nW = [1.0]\nfoo = 1\n', "foo")):
        cfg = tmp_path / "bad.toml"
        cfg.write_text(f"[campaign]\nseed = 1\nrealizations = 1\n\n[diamond]\n{bad}")
        res = subprocess.run([QGLASS, "run", str(cfg), "--out", str(tmp_path / "bad.h5")], env=ENV, capture_output=True, text=True)
        assert res.returncode == 2 and why in res.stderr, res.stderr


def test_drh_coupling_option(tmp_path):
    """`[drh] coupling` (issue 23): xx and random run the Hamiltonians that numpy builds
    from Kronecker products with the stored disorder; the grain and fields are those of
    the default flip-flop; random stores its GOE operators (tr O^2/8 = 1) and gives the
    same result on one rank (LAPACK) and on a group of two (ScaLAPACK); the reducer
    records the coupling and refuses to merge two couplings."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    table = "[drh]\nN = [3]\na = [0.6, 1.2]\nJ1 = 0.8\n"
    files = {}
    for coupling in ("flipflop", "xx", "random"):
        extra = "" if coupling == "flipflop" else f'coupling = "{coupling}"\n'
        cfg = config(tmp_path, coupling, table + extra, 2)
        files[coupling] = tmp_path / f"{coupling}.h5"
        qrun("run", str(cfg), "--out", str(files[coupling]), ranks=1)
    group = config(tmp_path, "random-group", table + 'coupling = "random"\n', 2, group=2)
    qrun("run", str(group), "--out", str(tmp_path / "random-group.h5"), ranks=2)
    with h5py.File(files["flipflop"]) as f0:
        assert "coupling" not in f0.attrs["config_canonical"], "the default leaves the canonical text as it was"
        grain0, h0 = f0["drh/N3/grain"][()], f0["drh/N3/h"][()]
        assert "grain_operators" not in f0["drh/N3"] and f0["drh/N3"].attrs["coupling_qubit"] == 0
    for coupling in ("flipflop", "xx", "random"):
        with h5py.File(files[coupling]) as f:
            g = f["drh/N3"]
            if coupling != "flipflop":
                assert f'coupling = "{coupling}"' in f.attrs["config_canonical"]
            assert np.array_equal(g["grain"][()], grain0) and np.array_equal(g["h"][()], h0)
            ops = None
            if coupling == "random":
                assert g.attrs["coupling_qubit"] == -1
                ops = g["grain_operators"][()].reshape(-1, 3, 8, 8)
                assert np.allclose(np.einsum("rnij,rnij->rn", ops, ops) / 8, 1)
                assert np.allclose(ops, ops.transpose(0, 1, 3, 2))
                assert not np.allclose(ops[:, 0], ops[:, 1])
            else:
                assert "grain_operators" not in g
            for row in range(len(g["a"])):
                J = 0.8 * g["a"][row] ** np.arange(3)
                H = drh_hamiltonian_kron(g["grain"][row].reshape(8, 8).T, g["h"][row], J, coupling,
                                         None if ops is None else [o.T for o in ops[row]])
                e, v = np.linalg.eigh(H)
                np.testing.assert_allclose(g["energy"][row], e, atol=1e-10)
                np.testing.assert_allclose(g["s_end"][row], last_lbit_entropies(v), atol=1e-8)
    one, two = payload(files["random"]), payload(tmp_path / "random-group.h5")
    assert one.keys() == two.keys()
    for k in one:
        if k.endswith(("residual_max", "orthogonality_max")):
            continue
        if one[k].dtype.kind in "fc":
            np.testing.assert_allclose(two[k], one[k], rtol=0, atol=1e-9, err_msg=k)
        else:
            assert np.array_equal(two[k], one[k]), k
    red = tmp_path / "random-reduced.h5"
    res = qrun("reduce", str(files["random"]), "--out", str(red), "--force", ranks=1)
    assert "drh (coupling = random)" in res.stdout, res.stdout
    with h5py.File(red) as f:
        assert f["drh"].attrs["coupling"] in ("random", b"random")
    plot = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path / "figs")], env=ENV, capture_output=True, text=True, timeout=600)
    assert plot.returncode == 0 and (tmp_path / "figs" / "drh_s_end_vs_a.png").exists(), plot.stdout + plot.stderr
    # The same tasks under two couplings are refused as different results; other realizations by the coupling rule.
    mixed = mpirun("reduce", str(files["flipflop"]), str(files["random"]), "--out", str(tmp_path / "mixed.h5"), ranks=1)
    assert mixed.returncode == 2 and "same disorder but different results" in mixed.stderr, mixed.stderr
    later = tmp_path / "random-r2.h5"
    qrun("run", str(tmp_path / "random.toml"), "--set", "campaign.first_realization=2", "--out", str(later), ranks=1)
    mixed = mpirun("reduce", str(files["flipflop"]), str(later), "--out", str(tmp_path / "mixed.h5"), ranks=1)
    assert mixed.returncode == 2 and f"{later} has a different coupling (random)" in mixed.stderr, mixed.stderr


def test_drh_refusals(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    for bad, why in (('N = [11]\na = [0.5]\n', "N = 11 out of range"), ('N = [4]\na = [-0.5]\n', "a must be in [0, 2]"),
                     ('N = [4]\na = [0.5]\ngrain_rms = 0.0\n', "grain_rms must be"), ('N = [4]\na = [0.5]\nJ = 1\n', "J"),
                     ('N = [4]\na = [0.5]\ncoupling = "yy"\n', "[drh] coupling must be one of")):
        cfg = tmp_path / "bad.toml"
        cfg.write_text(f"[campaign]\nseed = 1\nrealizations = 1\n\n[drh]\n{bad}")
        res = subprocess.run([QGLASS, "run", str(cfg), "--out", str(tmp_path / "bad.h5")], env=ENV, capture_output=True, text=True)
        assert res.returncode == 2 and why in res.stderr, res.stderr


def test_diamond_hopping_option(tmp_path):
    """`hopping` (issue 23): hopping t at W gives exactly the mean field of hopping 1 at
    W/t (same theta, same orbitals), and on the seed's Fig. 4 sample (qp, R = 15,
    theta_0 = 2.954, g0 = 1) hopping 1/2 reproduces the seed's pair: avalanche at W = 20,
    failure at W = 45, where hopping 1 still avalanches (docs/avalanche-ed-2d.md)."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    common = 'R = [3]\npotential = ["qp", "random"]\nmap_R = 15\nmap_theta0 = 2.954\n'
    half = config(tmp_path, "half", f"[diamond]\n{common}hopping = 0.5\nW = [5.0, 30.0]\nmap_W = [20.0, 45.0]\n", 3)
    one = config(tmp_path, "one", f"[diamond]\n{common}W = [10.0, 60.0]\nmap_W = [40.0, 90.0, 45.0]\n", 3)
    for cfg in (half, one):
        qrun("run", str(cfg), "--out", str(tmp_path / f"{cfg.stem}.h5"), ranks=1)
    with h5py.File(tmp_path / "half.h5") as fh, h5py.File(tmp_path / "one.h5") as f1:
        assert "hopping = 0.5" in fh.attrs["config_canonical"]
        assert "hopping" not in f1.attrs["config_canonical"], "default hopping leaves the canonical text as it was"
        for kind in ("qp", "random"):
            bh, b1 = fh[f"diamond/{kind}/R3"], f1[f"diamond/{kind}/R3"]
            assert bh.attrs["hopping"] == 0.5 and b1.attrs["hopping"] == 1.0
            # Rows: (W, realization) in order; hopping 1/2 at W <-> hopping 1 at 2 W.
            assert np.array_equal(2 * bh["W"][:], b1["W"][:])
            assert np.array_equal(bh["theta"][:], b1["theta"][:])
            np.testing.assert_allclose(bh["eta_tot"][:], b1["eta_tot"][:], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(bh["n_star"][:], b1["n_star"][:], rtol=1e-9, atol=1e-9)
        mh, m1 = fh["diamond/qp/maps"], f1["diamond/qp/maps"]
        N = 2 * 15 * 15 + 2 * 15 + 1
        half_by_w = dict(zip(mh["W"][:].tolist(), mh["n_star"][:].tolist()))
        one_by_w = dict(zip(m1["W"][:].tolist(), m1["n_star"][:].tolist()))
        assert half_by_w[20.0] == pytest.approx(N) and half_by_w[45.0] < 20, half_by_w   # the seed's Fig. 4b and 4a
        assert one_by_w[45.0] == pytest.approx(N), one_by_w                              # hopping 1: still avalanches at 45
        assert half_by_w[20.0] == pytest.approx(one_by_w[40.0], rel=1e-9) and half_by_w[45.0] == pytest.approx(one_by_w[90.0], rel=1e-9)
        w1 = m1["W"][:].tolist()
        for i, w in enumerate(mh["W"][:].tolist()):
            j = w1.index(2 * w)
            np.testing.assert_allclose(mh["g0_site"][i], m1["g0_site"][j], rtol=1e-9, atol=1e-12)
    # Out of range: one line, exit 2, nothing written.
    for bad in ("0.0", "-1.0", "2000.0"):
        cfg = tmp_path / "bad.toml"
        cfg.write_text(f"[campaign]\nseed = 1\nrealizations = 1\n\n[diamond]\nR = [2]\nW = [1.0]\nhopping = {bad}\n")
        res = subprocess.run([QGLASS, "run", str(cfg), "--out", str(tmp_path / "bad.h5")], env=ENV, capture_output=True, text=True)
        assert res.returncode == 2 and "hopping must be in" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert not (tmp_path / "bad.h5").exists()
