"""S8 study meanfield (the mean-field chain of failed avalanches, seed 002 Fig. 3): a small real
campaign on 1 and 2 ranks with bit-identical payloads, the stored chains checked against the
self-consistency equations and against `qglass theory`, reduce + plot checked with h5py, and the
refusals of bad configs. Runs the built executable (QGLASS_BIN, default .build/debug/qglass)
under mpirun; every rank builds the eta table once (about 20 s of CPU in a debug build).
"""
import json
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, datasets, mpirun, payload

LN2 = np.log(2.0)
AC = np.sqrt(0.5)  # 0.7071067811865476, as the study (1 / np.sqrt(2) rounds one ulp lower)
SIZES = (5, 50, 400)
# a = 0 (only the first l-bit coupled), the failing side, a_c, the avalanching side, a = 1.
DELTA_A = [-0.7071067811865476, -0.2, -0.1, -0.05, -0.03, -0.025, -0.02, -0.015, -0.01, 0.0, 0.05, 0.2928932188134524]
TABLE = ("[meanfield]\nN = [5, 50, 400]\ndelta_a = [" + ", ".join(repr(x) for x in DELTA_A) + "]\n"
         "g10 = 0.5\nprofile_N = [50, 400]\nprofile_delta_a = [-0.1, 0.05]\n")


def qrun(*args, ranks=2, check=True):
    return mpirun(*args, ranks=ranks, timeout=900, check=check)


def write_config(path, table, realizations=1):
    path.write_text(f"[campaign]\nseed = 3\nrealizations = {realizations}\n\n{table}")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("meanfield")
    cfg = write_config(d / "mf.toml", TABLE)
    files = {}
    for n in (1, 2):
        files[n] = d / f"mf-{n}.h5"
        qrun("run", str(cfg), "--out", str(files[n]), ranks=n)
    red = d / "mf-reduced.h5"
    res = qrun("reduce", str(files[2]), "--out", str(red), "--force", ranks=1)
    figs = d / "figures"
    plot = subprocess.run([QGLASS, "plot", str(red), "--out", str(figs)], env=ENV, capture_output=True, text=True, timeout=600)
    assert plot.returncode == 0, plot.stdout + plot.stderr
    return files, red, figs, res.stdout + res.stderr


def test_bit_identical_on_1_and_2_ranks(run):
    files = run[0]
    p1, p2 = payload(files[1]), payload(files[2])
    assert p1.keys() == p2.keys() and len(p1) > 20
    for k in p1:
        assert np.array_equal(p1[k], p2[k], equal_nan=True), f"{k} differs on 2 ranks"


def chains(f, N):
    g = f[f"meanfield/N{N}"]
    return {k: g[k][()] for k in g}


def test_layout_and_self_consistency(run):
    with h5py.File(run[0][2], "r") as f:
        for N in SIZES:
            c = chains(f, N)
            assert np.all(c["done"] == 1) and np.all(c["converged"] == 1)
            assert np.array_equal(c["delta_a"], DELTA_A)
            assert np.allclose(c["a"], AC + np.array(DELTA_A), rtol=0, atol=1e-15)
            assert c["log_g"].shape == (len(DELTA_A), N)
            for r, a in enumerate(c["a"]):
                lg = c["log_g"][r]
                n = np.arange(N)
                with np.errstate(divide="ignore", invalid="ignore"):
                    lg0 = np.log(0.5) + np.where(n == 0, 0.0, n * np.log(a))
                # ln g_n = ln g_n0 + (eta_tot - eta(g_n))/2, so eta(g_n) = eta_tot - 2 (ln g_n - ln g_n0):
                # every implied eta_n lies in [0, ln 2] and they sum to eta_tot.
                fin = np.isfinite(lg0)
                eta_n = np.zeros(N)
                eta_n[fin] = c["eta_tot"][r] - 2 * (lg[fin] - lg0[fin])
                assert np.all(eta_n >= -1e-9) and np.all(eta_n <= LN2 + 1e-9), (N, a)
                assert np.isclose(eta_n.sum(), c["eta_tot"][r], rtol=1e-9, atol=1e-9), (N, a)
                assert np.all(np.isneginf(lg[~fin]))
                assert np.isclose(c["n_star"][r], c["eta_tot"][r] / LN2, rtol=1e-14)
                assert c["log_g_end"][r] == lg[-1]
            # More coupling, more entropy absorbed: eta_tot grows with a and never exceeds N ln 2.
            assert np.all(np.diff(c["eta_tot"]) >= -1e-12)
            assert np.all(c["n_star"] <= N + 1e-9) and np.all(c["n_half"] <= N)
            assert np.all((c["s_end"] >= 0) & (c["s_end"] <= LN2 + 1e-12))


def theory(*args):
    res = subprocess.run([QGLASS, "theory", *args], env=ENV, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_limits_and_cli_agreement(run):
    with h5py.File(run[0][2], "r") as f:
        eta_g10 = float(theory("eta", "--g", "0.5").split()[1])
        for N in SIZES:
            c = chains(f, N)
            # a = 0: only g_1 is coupled and nothing enhances it (eta(0) = 0): eta_tot = eta(g_10).
            assert c["a"][0] == 0.0
            assert np.isclose(c["eta_tot"][0], eta_g10, rtol=1e-7), (N, c["eta_tot"][0], eta_g10)
            assert c["log_g"][0][0] == np.log(0.5)
            # a = 1: deep in the thermal regime every l-bit is absorbed, n_* -> N.
            assert c["a"][-1] == 1.0
            assert c["n_star"][-1] > N - 0.5 and c["n_half"][-1] == N
        # Failing side far from a_c: a failed avalanche of O(1) l-bits, the same for every N >> n_*.
        r = DELTA_A.index(-0.2)
        assert 5 < chains(f, 400)["n_star"][r] < 20
        assert np.isclose(chains(f, 50)["eta_tot"][r], chains(f, 400)["eta_tot"][r], rtol=1e-9)
        # The campaign's chain is `qglass theory chain` at the same a (same solver, same table).
        c = chains(f, 400)
        for r in (DELTA_A.index(-0.05), DELTA_A.index(0.05)):
            line = json.loads(theory("chain", "--N", "400", "--a", repr(float(c["a"][r])), "--g10", "0.5"))
            assert line["converged"] and np.isclose(line["eta_tot"], c["eta_tot"][r], rtol=1e-12)


def test_critical_points(run):
    with h5py.File(run[0][2], "r") as f:
        cg = f["meanfield/critical"]
        N, a_c, br = cg["N"][()], cg["a_c"][()], cg["bracket"][()]
        assert list(N) == list(SIZES) and np.all(cg["done"][()] == 1)
        assert np.all(br[:, 1] - br[:, 0] <= 1e-9) and np.all((br[:, 0] <= a_c) & (a_c <= br[:, 1]))
        # a_c(N) < 1/sqrt 2 and it moves toward 1/sqrt 2 as N grows, with a shift ∝ 1/N (nu = 1).
        assert np.all(a_c < AC) and np.all(np.diff(a_c) > 0)
        shift = N * (a_c - AC)
        assert abs(shift[2] / shift[1] - 1) < 0.02
        # The midpoint criterion agrees with the grid: [S_N] < (ln 2)/2 below a_c, above it beyond.
        for n, ac in zip(N, a_c):
            c = chains(f, n)
            assert np.all(c["s_end"][c["a"] < ac] < LN2 / 2) and np.all(c["s_end"][c["a"] > ac] > LN2 / 2)


def test_profiles(run):
    with h5py.File(run[0][2], "r") as f:
        p = f["meanfield/profiles/N50"]
        c = chains(f, 50)
        assert np.array_equal(p["delta_a"][()], [-0.1, 0.05])
        for r, da in enumerate(p["delta_a"][()]):
            k = DELTA_A.index(da)
            # Same chain as the grid's row, bit for bit.
            assert p["eta_tot"][r] == c["eta_tot"][k] and np.array_equal(p["log_g"][r], c["log_g"][k])
            s, m = p["s_n"][r], p["memory_n"][r]
            assert np.all((s >= 0) & (s <= LN2 + 1e-12)) and np.all((m >= -1e-12) & (m <= 1 + 1e-12))
            # [S](g) increases and C(g) decreases with g, and g_n decreases along the chain.
            assert np.all(np.diff(s) <= 1e-14) and np.all(np.diff(m) >= -1e-14)
            assert np.isclose(s[0], LN2, atol=1e-3)
            assert np.sum(s >= LN2 / 2) == c["n_half"][k]
        # Deep tail (g_n down to ~1e-118 at N = 400): [S](g) and 1 - C(g) both start as 2 pi g (docs, section 2).
        q = f["meanfield/profiles/N400"]
        g = np.exp(q["log_g"][0])
        tail = (g < 1e-8) & (g > 0)
        assert tail.sum() > 300
        assert np.allclose(q["s_n"][0][tail], 2 * np.pi * g[tail], rtol=1e-5)
        assert np.allclose(1 - q["memory_n"][0][tail], 2 * np.pi * g[tail], rtol=1e-5)
        # delta_a = -0.1: the front sits near n_* and beyond it [S_n] decays by about a per site.
        s = p["s_n"][0]
        a = AC - 0.1
        assert np.allclose(s[-6:] / s[-7:-1], a, rtol=0.02)


def test_reduced(run):
    files, red, figs, report = run
    with h5py.File(files[2], "r") as c, h5py.File(red, "r") as f:
        assert f.attrs["study"] in (b"meanfield", "meanfield")
        pts = f["meanfield/points"]
        assert len(pts["N"]) == len(SIZES) * len(DELTA_A)
        for i, (N, da) in enumerate(zip(pts["N"][()], pts["delta_a"][()])):
            r = list(c[f"meanfield/N{N}/delta_a"][()]).index(da)
            assert pts["eta_tot"][i] == c[f"meanfield/N{N}/eta_tot"][r]
            assert pts["n_star"][i] == c[f"meanfield/N{N}/n_star"][r]
        fit = f["meanfield/fit"]
        assert int(fit.attrs["N"]) == 400 and fit.attrs["theta_dof"] >= 1
        assert abs(fit.attrs["theta"] - 1) < 0.2 and abs(fit.attrs["nu"] - 1) < 0.2
        fd = fit["delta_a"][()]
        assert np.all(fd < 0) and np.all(fit["n_star"][()] <= 100)
        cg = f["meanfield/critical"]
        assert np.allclose(cg["scaled_shift"][()], cg["N"][()] * (cg["a_c"][()] - AC), rtol=1e-12)
        assert abs(cg.attrs["a_inf"] - AC) < 1e-3
        assert f["meanfield/profiles/N50/s_n"].shape == (2, 50)
    assert "theta = " in report and "a_c = " in report
    for name in ("meanfield_profile_N50", "meanfield_memory_N50", "meanfield_eta_vs_delta_a", "meanfield_nstar_vs_delta_a",
                 "meanfield_ac_vs_N"):
        for ext in ("png", "svg"):
            assert (figs / f"{name}.{ext}").exists(), f"{name}.{ext}"


def test_refusals(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    for bad, why, nreal in (('N = [10]\ndelta_a = [-0.1]\nfoo = 1\n', "unknown key 'foo'", 1),
                            ('N = [10]\ndelta_a = [-0.1]\n', "realizations must be 1", 2),
                            ('N = [0]\ndelta_a = [-0.1]\n', "N = 0 out of range", 1),
                            ('N = [10]\ndelta_a = [-0.8]\n', "outside [0, 4.0]", 1),
                            ('N = [10]\ndelta_a = [-0.1]\nprofile_N = [20]\nprofile_delta_a = [-0.1]\n', "profile_N = 20 is not one of", 1),
                            ('N = [10]\ndelta_a = [-0.1]\nconvention = "raw"\n', "convention must be one of", 1),
                            ('N = [10]\ndelta_a = [-0.1]\ndamping = 0.5\n', "damping applies to solver", 1)):
        cfg = write_config(tmp_path / "bad.toml", f"[meanfield]\n{bad}", nreal)
        res = subprocess.run([QGLASS, "run", str(cfg), "--out", str(tmp_path / "bad.h5")], env=ENV, capture_output=True, text=True)
        assert res.returncode == 2 and why in res.stderr, res.stderr


def test_unconverged_chain_fails_the_task(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    # Eq. 13 near a_c needs many sweeps; two are not enough: the task (and the run) must fail, no row written.
    cfg = write_config(tmp_path / "unconv.toml", '[meanfield]\nN = [50]\ndelta_a = [-0.01]\ncritical = false\n'
                                                   'solver = "iteration"\nmax_iterations = 2\n')
    res = qrun("run", str(cfg), "--out", str(tmp_path / "unconv.h5"), ranks=1, check=False)
    assert res.returncode != 0
    assert "did not converge" in res.stdout + res.stderr
    if (tmp_path / "unconv.h5").exists():
        with h5py.File(tmp_path / "unconv.h5", "r") as f:
            assert np.all(f["meanfield/N50/done"][()] == 0)


def test_saturated_long_chain_profile(tmp_path):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    # N = 2200 on the avalanching side: ln g_n ~ N ln 2 / 2 > 709, g_n = inf in double precision;
    # the profile uses the large-g limits ([S] -> ln 2, C -> 0) instead of failing.
    cfg = write_config(tmp_path / "sat.toml", "[meanfield]\nN = [2200]\ndelta_a = [0.05]\ncritical = false\n"
                                              "profile_N = [2200]\nprofile_delta_a = [0.05]\n")
    qrun("run", str(cfg), "--out", str(tmp_path / "sat.h5"), ranks=1)
    with h5py.File(tmp_path / "sat.h5", "r") as f:
        p = f["meanfield/profiles/N2200"]
        assert p["log_g"][0].max() > 709 and np.isclose(p["n_star"][0], 2200, atol=1e-6)
        assert np.allclose(p["s_n"][0], LN2, rtol=0, atol=1e-12)
        assert np.all((p["memory_n"][0] >= 0) & (p["memory_n"][0] < 1e-12))


# The pipeline's rules (docs/design.md, "The pipeline") on meanfield: a small campaign of its own,
# with a chain, a profile and a critical block, tampered in copies.
SMALL = "[meanfield]\nN = [5, 10]\ndelta_a = [-0.1, -0.05, 0.0]\ng10 = 0.5\nprofile_N = [10]\nprofile_delta_a = [-0.05]\n"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("meanfield-rules")
    camp = d / "small.h5"
    qrun("run", str(write_config(d / "small.toml", SMALL)), "--out", str(camp), ranks=1)
    red = d / "small-reduced.h5"
    qrun("reduce", str(camp), "--out", str(red), ranks=1)
    return camp, red


def tampered(src, dst, edit):
    import shutil
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        edit(f)
    return dst


def errors(res):
    return [line for line in res.stderr.splitlines() if line.startswith("error: ")]


def test_corrupt_task_is_refused_and_skipped_only_with_allow_partial(small, tmp_path):
    """A chain row marked done but unconverged and a critical row with a non-finite a_c: without
    --allow-partial the reduction refuses, naming both rows, and writes nothing; with it both are
    skipped, counted in skipped_corrupt and named in the warnings, and the rest is reduced."""
    camp, red = small
    def edit(f):
        f["meanfield/N10/converged"][1] = 0
        f["meanfield/critical/a_c"][0] = np.nan
    bad = tampered(camp, tmp_path / "bad.h5", edit)
    out = tmp_path / "r.h5"
    res = qrun("reduce", str(bad), "--out", str(out), ranks=1, check=False)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = errors(res)
    assert any(str(bad) in x and "/meanfield/N10 row 1" in x for x in lines), res.stderr
    assert any(str(bad) in x and "/meanfield/critical row 0" in x for x in lines), res.stderr
    assert any("--allow-partial" in x for x in lines), res.stderr
    assert not out.exists()
    res = qrun("reduce", str(bad), "--out", str(out), "--allow-partial", ranks=1)
    with h5py.File(out, "r") as f, h5py.File(red, "r") as full:
        assert f.attrs["skipped_corrupt"] == 2
        warn = f.attrs["warnings"]
        warn = warn.decode() if isinstance(warn, bytes) else warn
        assert "/meanfield/N10 row 1" in warn and "/meanfield/critical row 0" in warn
        pts = f["meanfield/points"]
        kept = list(zip(pts["N"][()], pts["delta_a"][()]))
        assert len(kept) == 5 and (10, -0.05) not in kept
        # The remaining rows are those of the clean reduction, bit for bit.
        fp = full["meanfield/points"]
        allrows = list(zip(fp["N"][()], fp["delta_a"][()]))
        for name in ("eta_tot", "n_star", "s_end"):
            assert [fp[name][allrows.index(k)] for k in kept] == list(pts[name][()]), name
        assert list(f["meanfield/critical/N"][()]) == [10]
        assert f["meanfield/critical/a_c"][0] == full["meanfield/critical/a_c"][1]


def test_duplicated_tasks_across_inputs(small, tmp_path):
    """The same tasks in two inputs: identical ones are counted once, with a warning, and reduce
    to the numbers of one input; a task whose payload differs between the inputs is refused,
    naming both files (it used to be dropped silently)."""
    import shutil
    camp, red = small
    copy = tmp_path / "copy.h5"
    shutil.copy(camp, copy)
    out = tmp_path / "twice.h5"
    qrun("reduce", str(camp), str(copy), "--out", str(out), ranks=1)
    with h5py.File(out, "r") as f, h5py.File(red, "r") as one:
        warn = f.attrs["warnings"]
        assert "duplicate" in (warn.decode() if isinstance(warn, bytes) else warn)
        for name in ("points/N", "points/delta_a", "points/eta_tot", "points/n_star", "critical/a_c", "profiles/N10/s_n"):
            assert f[f"meanfield/{name}"][()].tobytes() == one[f"meanfield/{name}"][()].tobytes(), name
    def edit(f):
        f["meanfield/N5/eta_tot"][2] = f["meanfield/N5/eta_tot"][2] * (1 + 1e-9)
    other = tampered(camp, tmp_path / "other.h5", edit)
    out = tmp_path / "differ.h5"
    res = qrun("reduce", str(camp), str(other), "--out", str(out), ranks=1, check=False)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = errors(res)
    assert len(lines) == 1 and str(camp) in lines[0] and str(other) in lines[0], res.stderr
    assert not out.exists()
