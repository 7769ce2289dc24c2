"""The mid-spectrum solver of study S1 (issue 15): `qglass ed --solver midspectrum`.

Checks against the dense solver (L = 10, 12) and against an independent numpy
diagonalization (L = 14), 1 vs 2 vs 3 ranks, both methods, the refusals, the
failure of an unconverged solve, and the reducer on mid-spectrum rows.
Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os

import h5py
import numpy as np
import pytest

from qgtest import QGLASS, mpirun, payload, qglass

ALPHA, SEED = 0.7, 15


def run(*args, ranks=1):
    return mpirun(*args, ranks=ranks)


def ed(out, L, hx, *extra, realizations=1, ranks=1):
    res = run("ed", "--model", "lrsg", "--L", L, "--alpha", str(ALPHA), "--hx", hx, "--realizations", str(realizations),
              "--seed", str(SEED), "--out", str(out), "--quiet", *extra, ranks=ranks)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


def mid(out, L, hx, k, *extra, **kw):
    return ed(out, L, hx, "--solver", "midspectrum", "--k", str(k), "--target-eps", "0.5", *extra, **kw)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    return tmp_path_factory.mktemp("midspectrum")


def nearest_block(energies, sectors, target, k, sector):
    """Indices (into the dense row) of the k eigenvalues of `sector` nearest
    `target`, ascending."""
    idx = np.where(sectors == sector)[0]
    order = np.argsort(np.abs(energies[idx] - target), kind="stable")[:k]
    return idx[np.sort(order)]


@pytest.fixture(scope="module")
def dense(work):
    return ed(work / "dense.h5", "10,12", "0.3,1.0", "--store-eigenstates-max-L", "12", realizations=2, ranks=2)


METHOD_CODE = {"shift-invert": 0, "filter": 1, "polfed": 2}


@pytest.mark.parametrize("method", ["shift-invert", "filter", "polfed"])
def test_matches_the_dense_solver_at_L10_L12(work, dense, method):
    k = 20
    m = mid(work / f"mid-{method}.h5", "10,12", "0.3,1.0", k, "--midspectrum-method", method, realizations=2, ranks=2)
    with h5py.File(dense, "r") as d, h5py.File(m, "r") as f:
        for L in (10, 12):
            gd, gm = d[f"lrsg/L{L}"], f[f"lrsg/L{L}"]
            assert gm.attrs["midspectrum_k"] == k and gm.attrs["target_eps"] == 0.5
            assert gm["energy"].shape == (4, 2 * k)
            for row in range(4):
                assert gd["done"][row] == 1 and gm["done"][row] == 1
                # Same seed, same couplings (disorder keyed by seed, L, realization only).
                assert np.array_equal(gd["J"][row], gm["J"][row])
                assert gd["hx"][row] == gm["hx"][row]
                assert abs(gd["e_min"][row] - gm["e_min"][row]) < 1e-10 and abs(gd["e_max"][row] - gm["e_max"][row]) < 1e-10
                t = gm["target_energy"][row]
                assert abs(t - (gm["e_min"][row] + 0.5 * (gm["e_max"][row] - gm["e_min"][row]))) < 1e-12
                E, S = gd["energy"][row], gd["sector"][row]
                for s, sector in enumerate((1, -1)):
                    want = nearest_block(E, S, t, k, sector)
                    got = slice(s * k, (s + 1) * k)
                    assert np.all(gm["sector"][row][got] == sector)
                    assert np.max(np.abs(gm["energy"][row][got] - E[want])) < 1e-10
                    # r inside the window; both ends of the window have no neighbours on one side (NaN).
                    r_mid, r_dense = gm["r"][row][got], gd["r"][row][want]
                    assert np.isnan(r_mid[0]) and np.isnan(r_mid[-1])
                    assert np.max(np.abs(r_mid[1:-1] - r_dense[1:-1])) < 1e-8
                    assert np.max(np.abs(gm["m_ea"][row][got] - gd["m_ea"][row][want])) < 1e-8
                    assert np.max(np.abs(gm["eps"][row][got] - gd["eps"][row][want])) < 1e-10
                # polfed converges each pair to ||Hv - Ev|| <= 1e-8 max|E| (SLEPc's residual is below 1e-8 outright).
                scale = max(abs(gm["e_min"][row]), abs(gm["e_max"][row])) if method == "polfed" else 1.0
                assert gm["residual_max"][row] <= 1e-8 * scale and gm["orthogonality_max"][row] < 1e-8
                assert gm["method"][row] == METHOD_CODE[method]


def sector_hamiltonian(J, alpha, hx, L, parity):
    """The parity sector built here with numpy, independently of qglass: basis
    (|s> + parity |~s>)/sqrt 2 over the strings s with bit 0 clear; flipping
    spin i >= 1 stays in that set, flipping spin 0 reaches ~s' (amplitude
    -hx parity). Returns H and the Z_i Z_j values of each basis string."""
    s = np.arange(1 << L)[::2]
    bits = (s[:, None] >> np.arange(L)) & 1
    z = 1.0 - 2.0 * bits
    d = np.abs(np.arange(L)[:, None] - np.arange(L)[None, :])
    d = np.minimum(d, L - d)
    with np.errstate(divide="ignore"):
        K = np.where(d > 0, J / np.maximum(d, 1) ** alpha, 0.0)
    diag = 0.5 * np.einsum("ni,ij,nj->n", z, K, z)
    index = {int(v): n for n, v in enumerate(s)}
    D = len(s)
    H = np.diag(diag)
    full = (1 << L) - 1
    for n, v in enumerate(s):
        for i in range(1, L):
            H[index[int(v ^ (1 << i))], n] -= hx
        H[index[int((v ^ 1) ^ full)], n] -= hx * parity
    pairs = [(i, j) for i in range(L) for j in range(i + 1, L)]
    zz = np.stack([z[:, i] * z[:, j] for i, j in pairs], axis=1)
    return H, zz


def test_L14_against_an_independent_numpy_diagonalization(work):
    from scipy.linalg import eigh
    L, k, hx = 14, 12, 1.0
    m = mid(work / "mid14.h5", "14", str(hx), k, ranks=2)
    with h5py.File(m, "r") as f:
        g = f[f"lrsg/L{L}"]
        J, t = g["J"][0], g["target_energy"][0]
        for s, parity in enumerate((1, -1)):
            H, zz = sector_hamiltonian(J, ALPHA, hx, L, parity)
            got = g["energy"][0][s * k:(s + 1) * k]
            # A value window a little wider than the returned block, then the k nearest the target.
            w, v = eigh(H, subset_by_value=(got[0] - 0.05, got[-1] + 0.05), driver="evr")
            near = np.sort(np.argsort(np.abs(w - t), kind="stable")[:k])
            assert np.max(np.abs(w[near] - got)) < 1e-10
            c = (v[:, near] ** 2).T @ zz
            m_ea = (L + 2 * np.sum(c**2, axis=1)) / L**2
            assert np.max(np.abs(m_ea - g["m_ea"][0][s * k:(s + 1) * k])) < 1e-8
            r = g["r"][0][s * k:(s + 1) * k]
            gaps = np.diff(w[near])
            r_np = np.minimum(gaps[:-1], gaps[1:]) / np.maximum(gaps[:-1], gaps[1:])
            assert np.max(np.abs(r[1:-1] - r_np)) < 1e-8


@pytest.mark.parametrize("method", ["auto", "polfed"])
def test_one_two_and_three_ranks_agree(work, method):
    files = []
    for ranks in (1, 2, 3):
        files.append(mid(work / f"ranks{ranks}-{method}.h5", "12", "0.5", 16, "--group-size", str(ranks), "--midspectrum-method", method,
                         ranks=ranks))
    base = payload(files[0])
    for other in files[1:]:
        p = payload(other)
        assert set(p) == set(base)
        for name in ("lrsg/L12/energy", "lrsg/L12/eps", "lrsg/L12/target_energy", "lrsg/L12/e_min", "lrsg/L12/e_max"):
            assert np.max(np.abs(p[name] - base[name])) < 1e-10, name
        for name in ("lrsg/L12/m_ea", "lrsg/L12/r"):
            assert np.nanmax(np.abs(p[name] - base[name])) < 1e-8, name
        assert np.array_equal(p["lrsg/L12/J"], base["lrsg/L12/J"])
        assert np.array_equal(p["lrsg/L12/done"], base["lrsg/L12/done"])


def test_bit_identical_for_any_rank_count_with_groups_of_one(work):
    """With group_size = 1 each task is one deterministic SLEPc solve on one
    rank: the payload does not depend on how many ranks share the campaign."""
    a = mid(work / "g1-n1.h5", "10", "0.3,1.0", 12, realizations=2, ranks=1)
    b = mid(work / "g1-n2.h5", "10", "0.3,1.0", 12, realizations=2, ranks=2)
    pa, pb = payload(a), payload(b)
    assert set(pa) == set(pb)
    for name in pa:
        assert np.array_equal(pa[name], pb[name], equal_nan=pa[name].dtype.kind == "f"), name


# Per method: the extra [lrsg] key that keeps it from converging, and what its failure names.
UNCONVERGED = {
    "shift-invert": ("tolerance = 1e-15\n", ["not converged", "sector 1"]),
    "polfed": ("", ["polfed: converged 0 of 100 eigenpairs", "sector 1", "L=12"]),
}


@pytest.mark.parametrize("method", sorted(UNCONVERGED))
def test_an_unconverged_solve_fails_its_task(work, method):
    extra, messages = UNCONVERGED[method]
    cfg = work / f"unconverged-{method}.toml"
    out = work / f"unconverged-{method}.h5"
    cfg.write_text(f"""[campaign]
seed = {SEED}
realizations = 1
output = "{out}"

[lrsg]
L = [12]
alpha = [{ALPHA}]
hx = [1.0]
solver = "midspectrum"
k = 100
midspectrum_method = "{method}"
{extra}max_iterations = 1
""")
    res = run("run", str(cfg), ranks=1)
    assert res.returncode != 0
    assert all(m in res.stderr for m in messages), res.stderr
    if out.exists():
        with h5py.File(out, "r") as f:
            assert not f["lrsg/L12/done"][()].any()


def test_polfed_agrees_with_shift_invert_and_dense_on_the_issue_command(work):
    """Issue 24's command (seed 3, h_x = 1, k = 20): the polfed eigenvalues
    nearest E_t equal shift-invert's and the dense solver's to 1e-9, and so do
    e_min, e_max, E_t, r and m_EA."""
    common = ["--model", "lrsg", "--L", "10,12", "--alpha", "0.7", "--hx", "1.0", "--realizations", "2", "--seed", "3", "--quiet"]
    files = {}
    for name, extra in (("dense", ["--solver", "dense", "--store-eigenstates-max-L", "12"]),
                        ("shift-invert", ["--solver", "midspectrum", "--midspectrum-method", "shift-invert", "--k", "20", "--target-eps", "0.5"]),
                        ("polfed", ["--solver", "midspectrum", "--midspectrum-method", "polfed", "--k", "20", "--target-eps", "0.5"])):
        files[name] = work / f"issue-{name}.h5"
        res = run("ed", *common, *extra, "--out", str(files[name]))
        assert res.returncode == 0, res.stdout + res.stderr
    with h5py.File(files["dense"], "r") as d, h5py.File(files["shift-invert"], "r") as si, h5py.File(files["polfed"], "r") as pf:
        for L in (10, 12):
            gd, gs, gp = d[f"lrsg/L{L}"], si[f"lrsg/L{L}"], pf[f"lrsg/L{L}"]
            for row in range(2):
                assert np.array_equal(gp["J"][row], gd["J"][row])
                for name in ("e_min", "e_max", "target_energy"):
                    assert abs(gp[name][row] - gs[name][row]) < 1e-9, name
                assert np.max(np.abs(gp["energy"][row] - gs["energy"][row])) < 1e-9
                assert np.array_equal(gp["sector"][row], gs["sector"][row])
                assert np.max(np.abs(gp["m_ea"][row] - gs["m_ea"][row])) < 1e-8
                assert np.nanmax(np.abs(gp["r"][row] - gs["r"][row])) < 1e-8
                E, S, t = gd["energy"][row], gd["sector"][row], gp["target_energy"][row]
                for s, sector in enumerate((1, -1)):
                    want = nearest_block(E, S, t, 20, sector)
                    assert np.max(np.abs(gp["energy"][row][s * 20:(s + 1) * 20] - E[want])) < 1e-9
                assert gp["method"][row] == 2 and gp["orthogonality_max"][row] < 1e-8


@pytest.mark.parametrize("args,message", [
    (["--solver", "midspectrum", "--k", "600"], "more than half the sector dimension"),
    (["--solver", "midspectrum", "--target-eps", "1.5"], "target_eps must be in (0, 1)"),
    (["--solver", "midspectrum", "--midspectrum-method", "lanczos"], "midspectrum_method must be"),
    (["--solver", "midspectrum", "--entanglement"], "entanglement = true needs solver"),
    (["--k", "10"], "error: --k needs --solver midspectrum"),
    (["--k", "10", "--filter-degree", "40"], "error: --k and --filter-degree need --solver midspectrum"),
    (["--solver", "sparse"], "--solver must be dense or midspectrum"),
])
def test_bad_requests_are_refused_before_any_work(work, args, message):
    out = work / "refused.h5"
    res = run("ed", "--model", "lrsg", "--L", "11", "--alpha", "0.7", "--hx", "1", "--realizations", "1", "--seed", "1",
              "--out", str(out), *args)
    assert res.returncode == 2, res.stdout + res.stderr
    assert message in res.stderr, res.stderr
    assert not out.exists()


def test_the_reducer_uses_mid_spectrum_rows_in_their_eps_bins(work):
    f = mid(work / "reduce-in.h5", "10,12", "0.3,1.0", 20, realizations=3, ranks=2)
    out = work / "reduced.h5"
    qglass("reduce", str(f), "--out", str(out), ranks=1)
    with h5py.File(f, "r") as raw, h5py.File(out, "r") as red:
        hx = red["lrsg/points/hx"][()]
        Ls = red["lrsg/points/L"][()]
        r_window = red["lrsg/window/r_mean"][()]
        for p in range(len(hx)):
            g = raw[f"lrsg/L{int(Ls[p])}"]
            rows = np.where(g["hx"][()] == hx[p])[0]
            # Per-realization mean of r over the finite r (all states lie in the window), then the disorder average.
            per = [np.nanmean(g["r"][row]) for row in rows]
            assert abs(np.mean(per) - r_window[p]) < 1e-12
