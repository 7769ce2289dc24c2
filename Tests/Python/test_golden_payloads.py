"""Every fixture study's campaign and reduced payloads match the committed golden
payloads (Tests/Fixtures/golden/payloads.json, made by golden.py --update) under
the golden rule of golden.py: integers, strings, dtypes and shapes exactly,
floats within the tolerance of their class, so the suite passes whichever
OpenBLAS kernel the CPU selects. The comparison itself is checked not to be
vacuous on small hand-made files."""
import h5py
import numpy as np
import pytest

import golden


def test_payloads_match_golden(tmp_path):
    expected = golden.load()
    assert expected and all(expected.values()), "empty golden file"
    now = golden.produce(tmp_path)
    problems = golden.compare(expected, now)
    assert not problems, "payloads changed:\n" + "\n".join(problems[:50])


def _attr(path, name):
    with h5py.File(path, "r") as f:
        value = f.attrs[name]
    return value.decode() if isinstance(value, bytes) else str(value)


def _blas_core(path):
    return _attr(path, "blas_core")


def _expected_pick():
    """The family BLASKernel.preferredCoreType gives for this CPU's flags,
    restated from docs/performance.md: AVX-512 F/CD/BW/DQ/VL -> SkylakeX,
    AVX2 + FMA -> Haswell, else none."""
    try:
        flags = next(l for l in open("/proc/cpuinfo") if l.startswith("flags")).split(":", 1)[1].split()
    except (OSError, StopIteration):
        return None
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= set(flags):
        return "SkylakeX"
    if {"avx2", "fma"} <= set(flags):
        return "Haswell"
    return None


def test_payloads_match_golden_under_another_blas_kernel(tmp_path, monkeypatch):
    """The S1 fixture (the one that calls LAPACK most) under an OpenBLAS kernel
    other than the one that wrote the golden file (Haswell): float bytes differ,
    the golden rule still holds."""
    monkeypatch.setitem(golden.ENV, "OPENBLAS_CORETYPE", "Prescott")
    now = golden.produce(tmp_path, only={"lrsg"})
    if _blas_core(tmp_path / "lrsg.h5") != "Prescott":
        pytest.skip(f"this OpenBLAS does not select kernels by OPENBLAS_CORETYPE (ran {_blas_core(tmp_path / 'lrsg.h5')})")
    expected = {k: v for k, v in golden.load().items() if k.startswith("lrsg/")}
    assert golden.compare(expected, now) == []


def test_campaign_file_records_a_meaningful_blas_core(tmp_path, monkeypatch):
    """The blas_core provenance attribute names the OpenBLAS kernel that ran:
    non-empty and not 'unknown' as the machine chooses it, and the one
    OPENBLAS_CORETYPE asks for where OpenBLAS selects kernels at run time."""
    def run(core):
        if core is None:
            monkeypatch.delitem(golden.ENV, "OPENBLAS_CORETYPE", raising=False)
        else:
            monkeypatch.setitem(golden.ENV, "OPENBLAS_CORETYPE", core)
        out = tmp_path / f"{core}.h5"
        golden.run("run", str(golden.FIXTURES / "lrsg.toml"), "--out", str(out), "--force", ranks=1)
        return _blas_core(out)
    default = run(None)
    assert default.strip() and default.lower() != "unknown", default
    # OpenBLAS's generic fallback is never kept where the CPU supports a
    # better family (BLASKernel): qglass re-executes itself with it.
    choice = _attr(tmp_path / "None.h5", "blas_core_choice")
    pick = _expected_pick()
    if choice.startswith("picked by qglass"):
        assert default == pick, (default, pick, choice)
    else:
        assert choice == "OpenBLAS's default", choice
        assert not (default == "Prescott" and pick), f"kept the {default} fallback on a CPU with {pick}"
    chosen = {core: run(core) for core in ("Haswell", "Sandybridge")}
    if len(set(chosen.values())) == 1 and chosen["Haswell"] != "Haswell":
        pytest.skip(f"this OpenBLAS has one kernel ({default}); OPENBLAS_CORETYPE is not honoured")
    assert chosen == {"Haswell": "Haswell", "Sandybridge": "Sandybridge"}, chosen
    # A user's OPENBLAS_CORETYPE is kept, the fallback included, and said so.
    assert run("Prescott") == "Prescott"
    assert _attr(tmp_path / "Prescott.h5", "blas_core_choice") == "OPENBLAS_CORETYPE=Prescott"


def _file(path, a=np.array([1.0, 2.0, 3.0, 4.0]), n=np.array([1, 2, 3]), study="x", extra=True):
    with h5py.File(path, "w") as f:
        f.create_dataset("g/a", data=a)
        f.create_dataset("g/n", data=n)
        if extra:
            f.create_dataset("g/energy", data=np.array([-10.0, 1e-13, 10.0]))
        f.attrs["study"] = study
        f["g"].attrs["W"] = 0.5
    return golden.records(path)


@pytest.fixture
def base(tmp_path):
    return _file(tmp_path / "base.h5")


def _problems(base, now):
    return golden.compare({"x": base}, {"x": now})


def test_identical_file_matches(tmp_path, base):
    assert _problems(base, _file(tmp_path / "same.h5")) == []


def test_a_float_moved_by_one_ulp_is_accepted(tmp_path, base):
    a = np.array([1.0, 2.0, np.nextafter(3.0, 4.0), 4.0])
    assert _problems(base, _file(tmp_path / "ulp.h5", a=a)) == []


def test_a_float_moved_beyond_the_tolerance_is_detected(tmp_path, base):
    rtol, atol, _ = golden.tolerance("/g/a")
    a = np.array([1.0, 2.0, 3.0 + 10 * (rtol * 4.0 + atol), 4.0])
    problems = _problems(base, _file(tmp_path / "moved.h5", a=a))
    assert len(problems) == 1 and problems[0].startswith("x: /g/a differs (element 2:"), problems


def test_eigenvalues_are_compared_norm_wise_at_1e_10(tmp_path, base):
    """An eigenvalue near 0 may move by eps ||H|| (relatively huge), not by more than 1e-10 ||H||."""
    ok = _file(tmp_path / "ok.h5")
    with h5py.File(tmp_path / "ok.h5", "a") as f:
        f["g/energy"][1] = 5e-13
    assert _problems(base, golden.records(tmp_path / "ok.h5")) == []
    with h5py.File(tmp_path / "ok.h5", "a") as f:
        f["g/energy"][1] = 1e-8
    assert [p.split(" (")[0] for p in _problems(base, golden.records(tmp_path / "ok.h5"))] == ["x: /g/energy differs"]
    assert ok


def test_an_integer_change_is_detected(tmp_path, base):
    problems = _problems(base, _file(tmp_path / "int.h5", n=np.array([1, 2, 4])))
    assert problems == ["x: /g/n differs (element 2: 3 -> 4)"]


def test_a_shape_change_is_detected(tmp_path, base):
    problems = _problems(base, _file(tmp_path / "shape.h5", a=np.array([[1.0, 2.0], [3.0, 4.0]])))
    assert problems == ["x: /g/a differs (shape [4] -> [2, 2])"]


def test_a_dtype_change_is_detected(tmp_path, base):
    problems = _problems(base, _file(tmp_path / "dtype.h5", n=np.array([1, 2, 3], dtype=np.int32)))
    assert problems == ["x: /g/n differs (dtype <i8 -> <i4)"]


def test_a_string_change_and_a_nan_are_detected(tmp_path, base):
    assert _problems(base, _file(tmp_path / "s.h5", study="y")) == ["x: /@study differs ('x' -> 'y')"]
    a = np.array([1.0, 2.0, np.nan, 4.0])
    assert [p.split(" (")[0] for p in _problems(base, _file(tmp_path / "nan.h5", a=a))] == ["x: /g/a differs"]


def test_a_missing_object_is_detected(tmp_path, base):
    assert _problems(base, _file(tmp_path / "missing.h5", extra=False)) == ["x: /g/energy missing"]
    assert golden.compare({"x": base, "y": base}, {"x": base}) == ["y: not produced"]


def test_the_golden_file_stays_small():
    assert golden.GOLDEN.stat().st_size < 4 * 2**20


def test_every_study_has_a_golden_fixture():
    """Each study type the build registers (`public static let name = "..."` of
    Sources/QGCampaign/Studies) has a tiny config under Tests/Fixtures/golden and
    golden records of its campaign and reduced files."""
    import re
    studies = set()
    for p in (golden.ROOT / "Sources" / "QGCampaign" / "Studies").glob("*.swift"):
        studies |= set(re.findall(r'public static let name = "(\w+)"', p.read_text()))
    assert len(studies) >= 15, studies
    fixtures = {p.stem for p in golden.FIXTURES.glob("*.toml")}
    assert studies <= fixtures, f"no golden fixture: {sorted(studies - fixtures)}"
    recorded = golden.load()
    for s in studies:
        assert recorded.get(f"{s}/campaign") and recorded.get(f"{s}/reduced"), s


def test_solver_iteration_counts_move_by_a_step_but_not_more(tmp_path):
    """INT_TOLERANCES: an iterative solver's evaluation count may move by a step
    or two under round-off; a jump (a solver regression) is still detected; any
    other integer is exact."""
    def rec(it, n):
        p = tmp_path / f"i{it}-{n}.h5"
        with h5py.File(p, "w") as f:
            f.create_dataset("g/iterations", data=np.array([8, 33]))
            f["g/iterations"][1] = it
            f.create_dataset("g/n_star", data=np.array([5, n]))
        return golden.records(p)
    base = rec(33, 7)
    assert golden.compare({"x": base}, {"x": rec(35, 7)}) == []
    assert [p.split(" (")[0] for p in golden.compare({"x": base}, {"x": rec(60, 7)})] == ["x: /g/iterations differs"]
    assert [p.split(" (")[0] for p in golden.compare({"x": base}, {"x": rec(33, 8)})] == ["x: /g/n_star differs"]
