"""The reduction pipeline's rules, held the same for every study on it
(docs/design.md, "The reducer"), checked on the golden fixtures' campaigns of
studies whose hand-written reducers used to differ:

* the same task in two inputs with identical disorder and payload is kept
  once and a warning counts it (diamond, twospin and S6c entgrowth dropped it
  silently);
* the same task with another disorder (S9: the positions stream; S6c: the
  stored couplings J) or another payload is refused with exit status 2, naming
  both files (diamond, twospin and S6c kept the first);
* a task marked done with corrupt data is refused, naming file, block and
  row; under --allow-partial it is skipped, printed and recorded in the
  reduced file's `skipped_tasks` (drh and diamond refused it even then; S6c
  did not check its rows);
* S9 and S6c inputs with different time grids are refused (the studies' own check);
* every study's reads derive from its column declarations: a column of the
  wrong shape or type, or a missing one, is refused naming file, block, rows,
  the column and its declaration (every fixture study).
"""
import os
import shutil

import h5py
import numpy as np
import pytest

from qgtest import QGLASS, ROOT, mpirun, qglass

FIXTURES = ROOT / "Tests" / "Fixtures" / "golden"
ALL_FIXTURES = sorted(p.stem for p in FIXTURES.glob("*.toml"))


def reduce_raw(inputs, out, *extra, ranks=2):
    return mpirun("reduce", *inputs, "--out", out, "--bootstrap", "20", "--force", *extra, ranks=ranks)


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("pipeline")
    files = {}
    for study in ALL_FIXTURES:
        files[study] = d / f"{study}.h5"
        qglass("run", str(FIXTURES / f"{study}.toml"), "--out", str(files[study]), "--force")
    return d, files


def copy(campaigns, study, name):
    d, files = campaigns
    dst = d / name
    shutil.copy(files[study], dst)
    return dst


# study: (block, dataset holding the disorder, dataset holding a payload, the reduced count dataset,
#         how a float payload is moved: by +0.125, or halved to stay within its range, e.g. S9's
#         magnetization below 1/2 in size and S6c's entropy >= 0)
CASES = {
    "diamond": ("/diamond/qp/R3", "theta", "eta_tot", "/diamond/qp/points/n_samples", "shift"),
    "twospin": ("/twospin/L50", "disorder_stream", "entropy_sum", "/twospin/points/n_realizations", "shift"),
    "emch_radin": ("/emch_radin/L_d1_N20", "disorder_stream", "magnetization_all", "/emch_radin/points/n_samples", "halve"),
    "entgrowth": ("/entgrowth/L6", "J", "entropy", "/entgrowth/n_realizations", "halve"),
}


def records_in(path, study):
    """Records the reducer makes of a campaign: one per done row, and per alpha for S9."""
    n = []
    with h5py.File(path, "r") as f:
        def count(name, obj):
            if name.endswith("/done"):
                per_row = obj.parent["alpha"].shape[1] if study == "emch_radin" else 1
                n.append(int(np.sum(obj[()])) * per_row)
        f.visititems(count)
    return sum(n)


@pytest.mark.parametrize("study", sorted(CASES))
def test_identical_duplicate_is_kept_once_with_a_warning(campaigns, study, tmp_path):
    _, files = campaigns
    count = CASES[study][3]
    twin = copy(campaigns, study, f"{study}-twin.h5")
    one, two = tmp_path / "one.h5", tmp_path / "two.h5"
    assert reduce_raw([files[study]], one).returncode == 0
    res = reduce_raw([files[study], twin], two)
    assert res.returncode == 0, res.stdout + res.stderr
    done = records_in(files[study], study)
    assert f"{done} duplicated" in res.stdout, res.stdout
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        assert np.array_equal(a[count][()], b[count][()])
        assert f"{done} duplicated" in text(b.attrs["warnings"])
        assert text(b.attrs["skipped_tasks"]) == ""


@pytest.mark.parametrize("study", sorted(CASES))
@pytest.mark.parametrize("what", ["disorder", "payload"])
def test_same_task_with_other_disorder_or_payload_is_refused_naming_both_files(campaigns, study, what, tmp_path):
    _, files = campaigns
    block, disorder, value, _, move = CASES[study]
    other = copy(campaigns, study, f"{study}-other-{what}.h5")
    with h5py.File(other, "r+") as f:
        ds = f[block][disorder if what == "disorder" else value]
        row = ds[0]
        ds[0] = row + 1 if ds.dtype.kind in "iu" else (row * 0.5 if what == "payload" and move == "halve" else row + 0.125)
    out = tmp_path / "red.h5"
    res = reduce_raw([files[study], other], out)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [l for l in res.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, res.stderr
    assert str(files[study]) in lines[0] and str(other) in lines[0], lines[0]
    assert ("different disorder" if what == "disorder" else "different results") in lines[0], lines[0]
    assert not out.exists()


# study: (block, dataset set to NaN in row 1, the reduced count dataset)
CORRUPT = {
    "drh": ("/drh/N4", "s_end", "/drh/points/n_realizations"),
    "diamond": ("/diamond/random/R3", "eta_tot", "/diamond/random/points/n_samples"),
    # the readers on the shared row reader (TaskRows): quench names its row by realization alone
    "quench": ("/quench/L60/Ls6", "remnant", "/quench/points/n_realizations"),
    "twospin": ("/twospin/L50", "entropy_sum", "/twospin/points/n_realizations"),
    "xxz": ("/xxz/L6", "m_ea", "/xxz/points/n_realizations"),
    **{study: (block, value, count) for study, (block, _, value, count, _) in CASES.items() if study in ("emch_radin", "entgrowth")},
}


@pytest.mark.parametrize("study", sorted(CORRUPT))
def test_corrupt_task_is_refused_or_skipped_and_recorded_under_allow_partial(campaigns, study, tmp_path):
    _, files = campaigns
    block, name, count = CORRUPT[study]
    bad = copy(campaigns, study, f"{study}-corrupt.h5")
    with h5py.File(bad, "r+") as f:
        assert f[block]["done"][1] == 1
        ds = f[block][name]
        ds[1] = np.full(ds.shape[1:], np.nan)
    out = tmp_path / "red.h5"
    strict = reduce_raw([bad], out)
    assert strict.returncode == 2, strict.stdout + strict.stderr
    assert f"error: {bad}, {block} row 1 (" in strict.stderr, strict.stderr
    assert "--allow-partial" in strict.stderr
    assert not out.exists()

    res = reduce_raw([bad], out, "--allow-partial")
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{bad}, {block} row 1 (" in res.stdout and "skipped (--allow-partial)" in res.stdout, res.stdout
    full = tmp_path / "full.h5"
    assert reduce_raw([files[study]], full).returncode == 0
    with h5py.File(out, "r") as f, h5py.File(full, "r") as g:
        skipped = text(f.attrs["skipped_tasks"]).splitlines()
        assert len(skipped) == 1 and skipped[0].startswith(f"{bad}, {block} row 1 ("), skipped
        assert int(f.attrs["skipped_corrupt"]) == 1
        assert f.attrs["allow_partial"] == 1
        # Exactly one sample fewer, at one point.
        diff = g[count][()] - f[count][()]
        assert sorted(diff.tolist()) == [0] * (len(diff) - 1) + [1], diff


@pytest.mark.parametrize("study,key,value", [("emch_radin", "emch_radin.tau_points", "20"),
                                             ("entgrowth", "entgrowth.per_decade", "4")])
def test_inputs_with_another_time_grid_are_refused(campaigns, study, key, value, tmp_path):
    _, files = campaigns
    other = tmp_path / "other.h5"
    cfg = FIXTURES / f"{study}.toml"
    qglass("run", str(cfg), "--set", f"{key}={value}", "--set", "campaign.first_realization=100", "--out", str(other), "--force")
    res = reduce_raw([files[study], other], tmp_path / "red.h5")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "different time grid" in res.stderr and str(other) in res.stderr, res.stderr


# The reads derive from the declared columns (docs/design.md, "The reducer"):
# before a study's reader runs, the pipeline checks every column its stored
# config declares for the block (the study's DatasetSpecs, then the driver's)
# for presence, element type and shape, and refuses the file naming the
# column and its declaration, whether or not the study's analysis uses it.
DRIVER_COLUMNS = {"done", "wall_seconds", "write_seconds"}


def first_block_and_column(path):
    """The first block (sorted) with a `done` column and its last study column (sorted by name)."""
    blocks = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: blocks.append("/" + name.rsplit("/", 1)[0]) if name.endswith("/done") else None)
        block = sorted(blocks)[0]
        column = sorted(n for n, o in f[block].items() if isinstance(o, h5py.Dataset) and n not in DRIVER_COLUMNS)[-1]
        return block, column, f[block][column].dtype.name, f[block][column].shape


def rewrite(path, block, column, shape=None, dtype=None):
    """Replaces the column by one of another shape or type (zeros), or deletes it."""
    with h5py.File(path, "r+") as f:
        del f[block][column]
        if shape is not None:
            f[block].create_dataset(column, shape=shape, dtype=dtype)


def refusal_line(res, bad, block):
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [l for l in res.stderr.splitlines() if l.startswith(f"error: {bad}, {block} rows ")]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_column_of_the_wrong_shape_is_refused_naming_its_declaration(campaigns, fixture, tmp_path):
    src = campaigns[1][fixture]
    block, column, dtype, shape = first_block_and_column(src)
    bad = tmp_path / f"{fixture}-bad-shape.h5"
    shutil.copy(src, bad)
    rewrite(bad, block, column, shape=shape[:-1] + (shape[-1] + 1,) if len(shape) > 1 else shape + (2,), dtype=dtype)
    out = tmp_path / "red.h5"
    line = refusal_line(reduce_raw([bad], out), bad, block)
    declared = f"declared {dtype} [{', '.join(map(str, shape))}]"
    assert f"column '{column}' is {dtype} [" in line and declared in line, line
    assert not out.exists()
    # The same file before the change reduces.
    assert reduce_raw([src], out).returncode == 0


@pytest.mark.parametrize("fixture,what", [("twospin", "type"), ("lrsg", "type"), ("fields", "missing"), ("quench", "missing")])
def test_column_of_the_wrong_type_or_missing_is_refused_naming_it(campaigns, fixture, what, tmp_path):
    src = campaigns[1][fixture]
    block, column, dtype, shape = first_block_and_column(src)
    bad = tmp_path / f"{fixture}-bad-{what}.h5"
    shutil.copy(src, bad)
    other = "int64" if dtype == "float64" else "float64"
    rewrite(bad, block, column, **({"shape": shape, "dtype": other} if what == "type" else {}))
    out = tmp_path / "red.h5"
    line = refusal_line(reduce_raw([bad], out), bad, block)
    declared = f"declared {dtype} [{', '.join(map(str, shape))}]"
    expect = f"column '{column}' is {other} [" if what == "type" else f"column '{column}' is missing ({declared}"
    assert expect in line and declared in line, line
    assert not out.exists()
