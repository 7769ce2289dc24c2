"""S5 resonant-cluster quench (study `quench`): small real campaigns of
`qglass quench` under mpirun, checked with h5py and numpy.

* payloads bit-identical on 1, 2 and 3 ranks, and on 2 and 4 ranks with
  ScaLAPACK groups of 2 (same group size); groups agree with LAPACK to 1e-9;
* the stored record is the physics: the chain fields recomputed from the
  stored J and state (SFS: z_i phi_i < 0), the cluster = the L_s smallest
  |phi|, the static fields = the frozen spins' field, and H rebuilt in numpy
  from the stored fields and couplings reproduces the remnant (eigh, diagonal
  ensemble) and the time trace;
* h_x = 0 gives P = 1 exactly;
* the diagonal ensemble equals the late-time mean of the trace to within its
  fluctuations;
* reduce + plot: P_mean is the numpy mean of the remnants, the figures exist;
* the reducer counts per (L, L_s) the rows whose inverse_min_gap lies past the
  grid's last time (attribute, and a `warning:` line naming the block).

Runs the built executable (QGLASS_BIN, default .build/debug/qglass).
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, mpirun, payload, qglass


SIZES, CLUSTERS, REAL = (40, 120), (3, 5), 5


def run(d, name, ranks=2, group=1, hx=0.05, store=True, sizes=SIZES, clusters=CLUSTERS, real=REAL, t_max="1e6"):
    out = d / f"{name}.h5"
    args = ["quench", "--L", ",".join(map(str, sizes)), "--Ls", ",".join(map(str, clusters)), "--alpha", "0.7", "--hx", str(hx),
            "--realizations", str(real), "--seed", "5", "--group-size", str(group), "--t-max", t_max, "--per-decade", "5",
            "--out", str(out), "--force"]
    if store:
        args.append("--store-disorder")
    qglass(*args, ranks=ranks)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("quench")
    return d, run(d, "r2", ranks=2)


def test_contract_layout(base):
    _, path = base
    with h5py.File(path, "r") as f:
        for L in SIZES:
            for ls in CLUSTERS:
                g = f[f"quench/L{L}/Ls{ls}"]
                assert g["realization"].dtype == np.int64 and g["realization"].shape == (REAL,)
                assert g["sites"].dtype == np.int64 and g["sites"].shape == (REAL, ls)
                assert g["phi"].dtype == np.float64 and g["phi"].shape == (REAL, ls)
                assert g["z"].dtype == np.int8 and g["z"].shape == (REAL, ls)
                assert g["state"].dtype == np.int8 and g["state"].shape == (REAL, L)
                assert g["remnant"].dtype == np.float64 and g["remnant"].shape == (REAL, ls)
                assert g["J"].shape == (REAL, L, L)
                assert np.all(g["done"][()] == 1)


def test_ranks_bit_identical(base):
    d, path = base
    ref = payload(path)
    for ranks in (1, 3):
        other = payload(run(d, f"r{ranks}", ranks=ranks))
        assert ref.keys() == other.keys()
        for k in ref:
            assert np.array_equal(ref[k], other[k], equal_nan=True), (ranks, k)


def test_groups(base):
    d, path = base
    g2 = payload(run(d, "g2", ranks=2, group=2, sizes=(40,), store=False))
    g4 = payload(run(d, "g4", ranks=4, group=2, sizes=(40,), store=False))
    for k in g2:
        assert np.array_equal(g2[k], g4[k], equal_nan=True), k
    ref = payload(path)
    for ls in CLUSTERS:
        b = f"quench/L40/Ls{ls}"
        for k in ("sites", "phi", "z", "state", "static_field", "coupling"):
            assert np.array_equal(ref[f"{b}/{k}"], g2[f"{b}/{k}"]), k
        np.testing.assert_allclose(g2[f"{b}/remnant"], ref[f"{b}/remnant"], atol=1e-9)
        np.testing.assert_allclose(g2[f"{b}/trace"], ref[f"{b}/trace"], atol=1e-8)


def cluster_h(h, K, hx):
    """Dense H = sum h_I Z_I + sum_{I<J} K_IJ Z_I Z_J - hx sum X_I on 2^n states (bit I set: Z_I = -1)."""
    n = len(h)
    s = np.arange(1 << n)
    zz = 1 - 2 * ((s[:, None] >> np.arange(n)[None, :]) & 1)
    diag = zz @ h + 0.5 * np.einsum("si,ij,sj->s", zz, K, zz)
    H = np.diag(diag).astype(float)
    for i in range(n):
        H[s, s ^ (1 << i)] -= hx
    return H, zz


def test_record_rebuilds_physics(base):
    _, path = base
    with h5py.File(path, "r") as f:
        for L in SIZES:
            d = np.arange(L)
            dist = np.abs(d[:, None] - d[None, :])
            dist = np.minimum(dist, L - dist).astype(float)
            w = np.where(dist > 0, dist, 1.0) ** -0.7
            np.fill_diagonal(w, 0)
            for ls in CLUSTERS:
                g = f[f"quench/L{L}/Ls{ls}"]
                times = g["times"][0]
                for t in range(REAL):
                    J, z = g["J"][t], g["state"][t].astype(float)
                    K = J * w
                    phi = K @ z
                    assert np.all(z * phi < 0), "state is not single-flip stable"
                    sites = g["sites"][t]
                    order = sorted(range(L), key=lambda i: (abs(phi[i]), i))[:ls]
                    assert list(sites) == order
                    np.testing.assert_allclose(g["phi"][t], phi[sites], atol=1e-12)
                    assert np.array_equal(g["z"][t], z[sites].astype(np.int8))
                    frozen = np.ones(L, bool)
                    frozen[sites] = False
                    np.testing.assert_allclose(g["static_field"][t], K[sites][:, frozen] @ z[frozen], atol=1e-12)
                    np.testing.assert_allclose(g["coupling"][t], K[np.ix_(sites, sites)], atol=1e-15)
                    # H from the stored record alone.
                    H, zz = cluster_h(g["static_field"][t], g["coupling"][t], 0.05)
                    e, v = np.linalg.eigh(H)
                    s0 = int(sum(1 << i for i in range(ls) if g["z"][t][i] < 0))
                    c = v[s0]
                    sign = zz * g["z"][t][None, :]
                    remnant = (c ** 2) @ ((v ** 2).T @ sign)
                    np.testing.assert_allclose(g["remnant"][t], remnant, atol=1e-9)
                    psi = v @ (c[:, None] * np.exp(-1j * np.outer(e, times)))
                    trace = sign.T @ np.abs(psi) ** 2
                    np.testing.assert_allclose(g["trace"][t], trace, atol=1e-7)
                    assert np.all(np.abs(g["trace"][t][:, 0] - 1) < 0.01)  # t = 0.1: still polarized


def test_hx_zero_gives_full_polarization(base):
    d, _ = base
    p = payload(run(d, "hx0", ranks=2, hx=0.0, sizes=(40,), store=False))
    for ls in CLUSTERS:
        assert np.all(p[f"quench/L40/Ls{ls}/remnant"] == 1.0)
        assert np.all(np.abs(p[f"quench/L40/Ls{ls}/trace"] - 1) < 1e-12)


def test_diagonal_ensemble_is_long_time_average(base):
    """The stored remnant against the time average of P(t) of the rebuilt H over
    20000 random times in [0, T], T = 1000 / Delta_min (sampling error ~0.01)."""
    _, path = base
    rng = np.random.default_rng(1)
    with h5py.File(path, "r") as f:
        for ls in CLUSTERS:
            g = f[f"quench/L{SIZES[0]}/Ls{ls}"]
            for t in range(REAL):
                H, zz = cluster_h(g["static_field"][t], g["coupling"][t], 0.05)
                e, v = np.linalg.eigh(H)
                s0 = int(sum(1 << i for i in range(ls) if g["z"][t][i] < 0))
                c = v[s0]
                times = rng.uniform(0, 1000 * g["inverse_min_gap"][t], 20000)
                avg = np.zeros(ls)
                for chunk in np.array_split(times, 20):
                    psi = v @ (c[:, None] * np.exp(-1j * np.outer(e, chunk)))
                    avg += ((zz * g["z"][t][None, :]).T @ np.abs(psi) ** 2).sum(axis=1)
                avg /= len(times)
                np.testing.assert_allclose(avg, g["remnant"][t], atol=0.03)


def test_reduce_and_plot(base, tmp_path):
    _, path = base
    red = tmp_path / "red.h5"
    res = qglass("reduce", str(path), "--out", str(red), "--bootstrap", "40", "--force")
    assert "remnant polarization" in res.stdout
    with h5py.File(path, "r") as c, h5py.File(red, "r") as f:
        assert f.attrs["plot_module"] in (b"qglass_plot_quench:plot", "qglass_plot_quench:plot")
        L, Ls = f["quench/points/L"][()], f["quench/points/Ls"][()]
        P, dP = f["quench/P_mean"][()], f["quench/P_err"][()]
        for i in range(len(L)):
            rem = c[f"quench/L{L[i]}/Ls{Ls[i]}/remnant"][()]
            k = min(6, Ls[i])
            np.testing.assert_allclose(P[i, :k], rem.mean(axis=0)[:k], rtol=1e-12)
            assert np.all(np.isnan(P[i, k:]))
            assert np.all(dP[i, :k] > 0)
            tr = c[f"quench/L{L[i]}/Ls{Ls[i]}/trace"][()]
            np.testing.assert_allclose(f["quench/trace/mean"][i, :k], tr.mean(axis=0)[:k], rtol=1e-12)
            assert f["quench/phi/count"][i].sum() == rem.size
            gap = c[f"quench/L{L[i]}/Ls{Ls[i]}/inverse_min_gap"][()]
            late = int(np.sum(gap > f["quench/trace/times"][-1]))
            assert f["quench/points"].attrs["n_inverse_gap_beyond_grid"][i] == late
            assert (f"warning: /quench/L{L[i]}/Ls{Ls[i]}: {late} of" in res.stderr) == (late > 0), res.stderr
        ex = f["quench/extrapolation"]
        form = ex.attrs["form"]
        assert "a(n, L) / Ls" in (form.decode() if isinstance(form, bytes) else form)
        # Two L_s: a line through two points, zero dof.
        assert np.all(ex["dof"][:, :3] == 0)
        x = 1 / np.array(CLUSTERS, float)
        for j, size in enumerate(ex["L"][()]):
            y = [P[np.where((L == size) & (Ls == ls))[0][0], 0] for ls in CLUSTERS]
            slope = (y[1] - y[0]) / (x[1] - x[0])
            np.testing.assert_allclose(ex["P_inf"][j, 0], y[0] - slope * x[0], rtol=1e-9, atol=1e-12)
    figs = tmp_path / "figs"
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(figs), "--format", "png"], env=ENV, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    for name in ("quench_P_vs_L", "quench_P_vs_phi", "quench_traces"):
        assert (figs / f"{name}.png").exists()


def test_reduce_warns_when_grid_ends_before_inverse_gap(tmp_path):
    """t_max = 10 lies below 1/Delta_min of every cluster at h_x = 0.05: every
    block is counted in full and named in a `warning:` line."""
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    path = run(tmp_path, "short", sizes=(40,), clusters=(4,), real=3, t_max="10", store=False)
    red = tmp_path / "short-red.h5"
    res = qglass("reduce", str(path), "--out", str(red), "--bootstrap", "20", "--force")
    with h5py.File(path, "r") as c, h5py.File(red, "r") as f:
        gap = c["quench/L40/Ls4/inverse_min_gap"][()]
        assert f["quench/trace/times"][-1] == 10 and np.all(gap > 10)
        pts = f["quench/points"]
        assert list(pts.attrs["n_inverse_gap_beyond_grid"]) == [3] and pts.attrs["t_last"] == 10
        warn = f.attrs["warnings"]
        assert "/quench/L40/Ls4: 3 of 3" in (warn.decode() if isinstance(warn, bytes) else warn)
    lines = [x for x in res.stderr.splitlines() if x.startswith("warning: /quench/L40/Ls4: 3 of 3 realization(s) have inverse_min_gap > t_max")]
    assert len(lines) == 1, res.stderr


def test_duplicated_tasks_across_inputs(base, tmp_path):
    """The same realizations in two inputs: identical copies are counted once, with a warning,
    and reduce to the numbers of one input; a task whose remnant differs between the inputs is
    refused, naming both files, and nothing is written (it used to be dropped silently)."""
    import shutil
    _, path = base
    def reduce(inputs, out):
        return mpirun("reduce", *inputs, "--out", out, "--bootstrap", "20", "--force")
    copy = tmp_path / "copy.h5"
    shutil.copy(path, copy)
    assert reduce([path], tmp_path / "one.h5").returncode == 0
    res = reduce([path, copy], tmp_path / "twice.h5")
    assert res.returncode == 0, res.stdout + res.stderr
    with h5py.File(tmp_path / "one.h5", "r") as f0, h5py.File(tmp_path / "twice.h5", "r") as f1:
        warn = f1.attrs["warnings"]
        assert "duplicate" in (warn.decode() if isinstance(warn, bytes) else warn)
        for name in ("points/n_realizations", "P_mean", "P_err", "phi/count", "trace/mean", "extrapolation/P_inf"):
            assert f0[f"quench/{name}"][()].tobytes() == f1[f"quench/{name}"][()].tobytes(), name
    other = tmp_path / "other.h5"
    shutil.copy(path, other)
    with h5py.File(other, "r+") as f:
        rem = f["quench/L40/Ls3/remnant"]
        row = rem[2]
        row[0] = row[0] * 0.5
        rem[2] = row
    out = tmp_path / "differ.h5"
    res = reduce([path, other], out)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [x for x in res.stderr.splitlines() if x.startswith("error: ")]
    assert len(lines) == 1 and str(path) in lines[0] and str(other) in lines[0], res.stderr
    assert not out.exists()
