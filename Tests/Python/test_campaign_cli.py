"""Campaign output and CLI details checked from Python (h5py): every dataset
has `units` and `description`, `L` is an integer attribute, the stored config
keeps the real --out and the values as written (also through --set), the
`finished` attribute, `qglass --version`, --quiet and the heartbeat of
--progress-interval.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, ROOT, datasets, mpirun, qglass

pytestmark = pytest.mark.skipif(not os.path.exists(QGLASS), reason=f"{QGLASS} not built")


def test_dataset_attributes_and_stored_config(tmp_path):
    out = tmp_path / "e.h5"
    qglass("ed", "--L", "6,8", "--alpha", "0.7", "--hx", "0.1,1.0", "--realizations", "2", "--seed", "5", "--out", str(out))
    fcfg = tmp_path / "f.toml"
    fcfg.write_text("[campaign]\nseed = 3\nrealizations = 2\noutput = \"elsewhere.h5\"\n\n[fields]\n"
                    "L = [50]\nalpha = [0.7]   # as written\nstate = [\"random\"]\n")
    fout = tmp_path / "f.h5"
    qglass("run", str(fcfg), "--out", str(fout), "--set", "fields.alpha=[0.7, 0.85]")
    for path, study in ((out, "lrsg"), (fout, "fields")):
        with h5py.File(path, "r") as f:
            assert int(f.attrs["finished"]) == 1
            found = datasets(f)
            assert found
            for name, d in found:
                assert isinstance(d.attrs["units"], str), name
                assert d.attrs["description"].strip(), f"{name} has no description"
            for gname, g in f[study].items():
                assert g.attrs["L"].dtype == np.int64, gname
                assert int(g.attrs["L"]) == int(gname[1:])
            cfg = f.attrs["config"]
            assert f'output = "{path}"' in cfg, cfg
            assert "0.69999" not in cfg and "0.8499" not in cfg, cfg
    with h5py.File(out, "r") as f:
        assert "alpha = [0.7]" in f.attrs["config"]
        assert f["lrsg/L6/hx"].attrs["units"] == "J"
    with h5py.File(fout, "r") as f:
        cfg = f.attrs["config"]
        assert "alpha = [0.7, 0.85]" in cfg and "# overrides: fields.alpha=[0.7, 0.85]" in cfg, cfg
        assert "seed = 3" in cfg and "elsewhere.h5" not in cfg, cfg


def test_version_shows_the_commit():
    res = subprocess.run([QGLASS, "--version"], env=ENV, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert res.stdout.startswith("qglass 0.")
    assert f"commit {head}" in res.stdout, res.stdout


def test_quiet_prints_nothing_on_stdout(tmp_path):
    res = qglass("ed", "--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "5",
                 "--out", str(tmp_path / "q.h5"), "--quiet")
    assert res.stdout == "", res.stdout
    bad = mpirun("ed", "--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "5",
                 "--out", tmp_path / "q.h5", "--quiet")
    assert bad.returncode == 2 and bad.stdout == "" and "already exists" in bad.stderr


def test_heartbeat_before_the_first_task_completes(tmp_path):
    # One task of L = 12 takes seconds; with --progress-interval 0.5 a
    # heartbeat comes before the first progress line.
    res = qglass("ed", "--L", "12", "--alpha", "0.7", "--hx", "0.5", "--realizations", "1", "--seed", "5",
                 "--out", str(tmp_path / "h.h5"), "--progress-interval", "0.5", ranks=1)
    lines = res.stdout.splitlines()
    beats = [i for i, l in enumerate(lines) if "still working on 1 task(s), 0/1 done" in l]
    done = [i for i, l in enumerate(lines) if "1/1 tasks" in l]
    assert beats and done and beats[0] < done[0], res.stdout
