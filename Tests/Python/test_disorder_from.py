"""Shared disorder and `qglass ed --disorder-from` (issue 10, item 9).

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import hashlib
import os

import h5py
import numpy as np
import pytest

from qgtest import QGLASS, mpirun, qglass

L, ALPHA, HX = 6, 0.8, 0.45


def run(*args, ranks=2):
    return mpirun(*args, ranks=ranks)


def symmetric(rng, R, n):
    A = np.triu(rng.standard_normal((R, n, n)), 1)
    return A + A.transpose(0, 2, 1)


def hand_built_spectrum(J, alpha, hx, n):
    """H = sum_{i<j} J_ij / d_ij^alpha Z_i Z_j - hx sum_i X_i in the full 2^n basis
    (bit i = 0 <-> Z_i = +1, periodic distances), no symmetry used."""
    dim = 1 << n
    H = np.zeros((dim, dim))
    for s in range(dim):
        z = [1.0 if (s >> i) & 1 == 0 else -1.0 for i in range(n)]
        e = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                d = min(j - i, n - (j - i))
                e += J[i, j] / d**alpha * z[i] * z[j]
        H[s, s] = e
        for i in range(n):
            H[s ^ (1 << i), s] -= hx
    return np.linalg.eigvalsh(H)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    return tmp_path_factory.mktemp("disorder")


def test_same_realization_has_the_same_J_over_hx_and_alpha(work):
    out = work / "grid.h5"
    qglass("ed", "--L", "5,6", "--alpha", "0.6,1.0", "--hx", "0.1,0.5,2.0", "--realizations", "3", "--seed", "4",
           "--out", str(out))
    with h5py.File(out, "r") as f:
        assert int(f.attrs["schema_version"]) == 2
        for n in (5, 6):
            g = f[f"/lrsg/L{n}"]
            J, real = g["J"][()], g["realization"][()]
            assert set(g["alpha"][()]) == {0.6, 1.0} and set(g["hx"][()]) == {0.1, 0.5, 2.0}
            firsts = []
            for r in range(3):
                rows = np.flatnonzero(real == r)
                assert len(rows) == 6
                for k in rows:
                    assert np.array_equal(J[k], J[rows[0]]), (n, r, k)
                firsts.append(J[rows[0]])
            assert not np.array_equal(firsts[0], firsts[1])


def test_plain_dataset_reproduces_a_hand_built_hamiltonian(work):
    rng = np.random.default_rng(17)
    J = symmetric(rng, 4, L)
    src = work / "plain.h5"
    with h5py.File(src, "w") as f:
        f["/couplings/J"] = J
    out = work / "from-plain.h5"
    qglass("ed", "--L", str(L), "--alpha", str(ALPHA), "--hx", str(HX), "--realizations", "3", "--first-realization", "1",
           "--seed", "123", "--disorder-from", f"{src}:/couplings/J", "--out", str(out))
    with h5py.File(out, "r") as f:
        g = f[f"/lrsg/L{L}"]
        assert list(g["realization"][()]) == [1, 2, 3]
        for k, r in enumerate(g["realization"][()]):
            assert np.array_equal(g["J"][k], J[r])
            ref = hand_built_spectrum(J[r], ALPHA, HX, L)
            got = np.sort(g["energy"][k])
            assert np.max(np.abs(got - ref)) < 1e-11
        canon = f.attrs["config_canonical"]
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        assert f'disorder_from = "{src}:/couplings/J"' in canon
        assert f'disorder_checksum = "sha256:{digest}"' in canon


def test_campaign_file_source_reproduces_the_run(work):
    first = work / "first.h5"
    qglass("ed", "--L", "5,6", "--alpha", "0.7", "--hx", "0.3,1.2", "--realizations", "3", "--seed", "8", "--out", str(first))
    again = work / "again.h5"
    # Another seed and another alpha grid: J comes from the file, matched by realization.
    qglass("ed", "--L", "5,6", "--alpha", "0.7,0.9", "--hx", "0.3,1.2", "--realizations", "3", "--seed", "99",
           "--disorder-from", str(first), "--out", str(again))
    with h5py.File(first, "r") as a, h5py.File(again, "r") as b:
        for n in (5, 6):
            ga, gb = a[f"/lrsg/L{n}"], b[f"/lrsg/L{n}"]
            for i in range(len(ga["done"])):
                match = np.flatnonzero((gb["alpha"][()] == ga["alpha"][i]) & (gb["hx"][()] == ga["hx"][i])
                                       & (gb["realization"][()] == ga["realization"][i]))
                assert len(match) == 1
                k = match[0]
                assert np.array_equal(gb["J"][k], ga["J"][i])
                assert np.array_equal(gb["energy"][k], ga["energy"][i])
                assert np.array_equal(gb["m_ea"][k], ga["m_ea"][i])


def refusal(args, contains):
    res = run(*args)
    assert res.returncode == 2, res.stdout + res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, res.stderr
    assert contains in errors[0], res.stderr


@pytest.mark.parametrize("case", ["shape", "too-few", "asymmetric", "diagonal", "nan", "no-dataset", "missing", "not-hdf5", "two-sizes"])
def test_bad_disorder_files_are_refused(work, case):
    rng = np.random.default_rng(3)
    good = symmetric(rng, 3, L)
    src = work / f"bad-{case}.h5"
    spec, sizes, contains = f"{src}:/J", str(L), ""
    if case == "shape":
        data, contains = rng.standard_normal((3, L, L + 1)), "has shape [3, 6, 7], expected [R, 6, 6]"
    elif case == "too-few":
        data, contains = good[:2], "has 2 realizations"
    elif case == "asymmetric":
        data = good.copy(); data[1, 0, 3] += 1e-3; contains = "realization 1 is not symmetric: J[0, 3]"
    elif case == "diagonal":
        data = good.copy(); data[2, 4, 4] = 0.5; contains = "realization 2 has a nonzero diagonal entry J[4, 4]"
    elif case == "nan":
        data = good.copy(); data[0, 1, 2] = data[0, 2, 1] = np.nan; contains = "non-finite entry at [1, 2]"
    elif case == "no-dataset":
        data, spec, contains = good, str(src), "no dataset /J"
        with h5py.File(src, "w") as f:
            f["other"] = good
    elif case == "missing":
        data, spec, contains = None, str(work / "nonexistent.h5"), "cannot read"
    elif case == "not-hdf5":
        data, contains = None, "cannot read"
        src.write_text("not an HDF5 file\n")
    elif case == "two-sizes":
        data, sizes, contains = good, f"{L},{L + 1}", "one size"
    if data is not None and case != "no-dataset":
        with h5py.File(src, "w") as f:
            f["J"] = data
    out = work / f"out-{case}.h5"
    refusal(["ed", "--L", sizes, "--alpha", "0.7", "--hx", "0.5", "--realizations", "3", "--seed", "1",
             "--disorder-from", spec, "--out", str(out)], contains)
    assert not out.exists(), "a refused run must not create its output"


def test_the_output_cannot_be_its_own_source(work):
    out = work / "self.h5"
    qglass("ed", "--L", "5", "--alpha", "0.7", "--hx", "0.3", "--realizations", "2", "--seed", "2", "--out", str(out))
    before = out.read_bytes()
    refusal(["ed", "--L", "5", "--alpha", "0.7", "--hx", "0.3", "--realizations", "2", "--seed", "2",
             "--disorder-from", str(out), "--out", str(out), "--force"], "is the output file")
    assert out.read_bytes() == before


def test_reduce_refuses_schema_1_campaigns(work):
    camp = work / "old.h5"
    qglass("ed", "--L", "5", "--alpha", "0.7", "--hx", "0.3,1.0", "--realizations", "2", "--seed", "2", "--out", str(camp))
    with h5py.File(camp, "a") as f:
        f.attrs["schema_version"] = np.int64(1)
    res = run("reduce", str(camp), "--out", str(work / "old-reduced.h5"))
    assert res.returncode != 0, res.stdout + res.stderr
    assert "schema version 1" in res.stderr
