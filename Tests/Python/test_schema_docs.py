"""Issue 22, step 2: `qglass schema` prints each study's declared parameters and output
columns, and docs/study-tables.md is that output (generated, not restated)."""
import subprocess

import h5py

from qgtest import QGLASS, ENV, ROOT, qglass


def schema(*args):
    return subprocess.run([QGLASS, "schema", *args], env=ENV, capture_output=True, text=True, timeout=120)


def test_docs_study_tables_match_the_build():
    res = schema("--markdown")
    assert res.returncode == 0, res.stderr
    docs = (ROOT / "docs" / "study-tables.md").read_text()
    assert docs == res.stdout, ("docs/study-tables.md differs from `qglass schema --markdown`; regenerate it with "
                                "`qglass schema --markdown > docs/study-tables.md`")
    # Every study has its section; hdf5-schema.md points to the generated file.
    studies = subprocess.run([QGLASS, "studies"], env=ENV, capture_output=True, text=True, timeout=60).stdout
    for line in studies.splitlines():
        name = line.split("]")[0].lstrip("[")
        assert f"## `{name}`" in docs, name
    assert "study-tables.md" in (ROOT / "docs" / "hdf5-schema.md").read_text()


def test_schema_of_a_study_lists_its_keys_ranges_and_columns():
    res = schema("drh")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for key, rng in (("N", "1...10"), ("a", "in [0, 2]"), ("grain_rms", "in (0, 100]"), ("check_eigenpairs", "0...64")):
        assert any(l.split()[:1] == [key] and rng in l for l in out.splitlines()), (key, out)
    assert "columns of /drh/N3" in out and "s_end" in out


def test_schema_columns_are_the_datasets_a_campaign_writes(tmp_path):
    """The columns printed for the example config are those of a real campaign file of that config."""
    res = schema("fields")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("columns of /fields/L8"))
    columns = {l.split()[0] for l in lines[start + 2:] if l.strip()}
    config = tmp_path / "fields.toml"
    config.write_text("[campaign]\nseed = 1\nrealizations = 1\n\n[fields]\nL = [8]\nalpha = [0.7]\n")
    out = tmp_path / "fields.h5"
    qglass("run", str(config), "--out", str(out), ranks=1)
    with h5py.File(out, "r") as f:
        written = set(f["fields/L8"].keys())
    assert "done" in columns and "write_seconds" in columns
    assert written == columns, written ^ columns


def test_unknown_study_is_refused_in_one_line():
    res = schema("drx")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.strip().splitlines() == ["error: schema: unknown study 'drx' (did you mean 'drh'?); known: "
                                               + res.stderr.split("known: ")[1].strip()], res.stderr
