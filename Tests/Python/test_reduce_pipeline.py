"""The reduction pipeline's rules, held the same for every study on it
(docs/design.md, "The reducer"), checked on real campaigns of studies whose
hand-written reducers used to differ:

* the same task in two inputs with identical disorder and payload is kept
  once and a warning counts it (diamond and twospin dropped it silently);
* the same task with another disorder or another payload is refused with
  exit status 2, naming both files (diamond and twospin kept the first);
* a task marked done with corrupt data is refused, naming file, block and
  row; under --allow-partial it is skipped, printed and recorded in the
  reduced file's `skipped_tasks` (drh and diamond refused it even then).
"""
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, ROOT, qglass

FIXTURES = ROOT / "Tests" / "Fixtures" / "golden"


def reduce_raw(inputs, out, *extra, ranks=2):
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", "none", QGLASS, "reduce", *map(str, inputs), "--out", str(out),
           "--bootstrap", "20", "--force", *extra]
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("pipeline")
    files = {}
    for study in ("diamond", "twospin", "drh"):
        files[study] = d / f"{study}.h5"
        qglass("run", str(FIXTURES / f"{study}.toml"), "--out", str(files[study]), "--force")
    return d, files


def copy(campaigns, study, name):
    d, files = campaigns
    dst = d / name
    shutil.copy(files[study], dst)
    return dst


# (study, block, dataset holding the disorder, dataset holding a payload, the reduced count dataset)
CASES = {
    "diamond": ("/diamond/qp/R3", "theta", "eta_tot", "/diamond/qp/points/n_samples"),
    "twospin": ("/twospin/L50", "disorder_stream", "entropy_sum", "/twospin/points/n_realizations"),
}


@pytest.mark.parametrize("study", sorted(CASES))
def test_identical_duplicate_is_kept_once_with_a_warning(campaigns, study, tmp_path):
    _, files = campaigns
    _, _, _, count = CASES[study]
    twin = copy(campaigns, study, f"{study}-twin.h5")
    one, two = tmp_path / "one.h5", tmp_path / "two.h5"
    assert reduce_raw([files[study]], one).returncode == 0
    res = reduce_raw([files[study], twin], two)
    assert res.returncode == 0, res.stdout + res.stderr
    flags = []
    with h5py.File(files[study], "r") as f:
        f.visititems(lambda name, obj: flags.append(int(np.sum(obj[()]))) if name.endswith("/done") else None)
    done = sum(flags)
    assert f"{done} duplicated" in res.stdout, res.stdout
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        assert np.array_equal(a[count][()], b[count][()])
        assert f"{done} duplicated" in text(b.attrs["warnings"])
        assert text(b.attrs["skipped_tasks"]) == ""


@pytest.mark.parametrize("study", sorted(CASES))
@pytest.mark.parametrize("what", ["disorder", "payload"])
def test_same_task_with_other_disorder_or_payload_is_refused_naming_both_files(campaigns, study, what, tmp_path):
    _, files = campaigns
    block, disorder, value, _ = CASES[study]
    other = copy(campaigns, study, f"{study}-other-{what}.h5")
    with h5py.File(other, "r+") as f:
        ds = f[block][disorder if what == "disorder" else value]
        row = ds[0]
        ds[0] = row + 1 if ds.dtype.kind in "iu" else row + 0.125
    out = tmp_path / "red.h5"
    res = reduce_raw([files[study], other], out)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [l for l in res.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, res.stderr
    assert str(files[study]) in lines[0] and str(other) in lines[0], lines[0]
    assert "different disorder" in lines[0] if what == "disorder" else "different results" in lines[0], lines[0]
    assert not out.exists()


# (study, block, dataset set to NaN in row 1, the reduced count dataset, its row of the point)
CORRUPT = {
    "drh": ("/drh/N4", "s_end", "/drh/points/n_realizations"),
    "diamond": ("/diamond/random/R3", "eta_tot", "/diamond/random/points/n_samples"),
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
