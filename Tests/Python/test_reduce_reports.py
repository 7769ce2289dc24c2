"""What the reducers print (issue 21, section 6): no error bar from fewer than
minimumSamplesForError samples (a "–" and a footnote instead of ±0.0000), a
warning for an eps window outside [0, 1] and for an S9 interior depth with no
interior spin, `reduce --help` naming every study that reads --eps-window, and
the docs' commands (cluster/mpirun.sh in docs/emch-radin.md, runs/ created in
the README before it is written to).

Runs the built executable (QGLASS_BIN, default .build/debug/qglass)."""
import os
import re
import subprocess

import pytest

from qgtest import ENV, QGLASS, ROOT, qglass

pytestmark = pytest.mark.skipif(not os.path.exists(QGLASS), reason=f"{QGLASS} not built")

MINIMUM = int(re.search(r"public let minimumSamplesForError = (\d+)",
                        (ROOT / "Sources" / "QGReduce" / "Messages.swift").read_text()).group(1))


def lrsg(tmp_path, realizations, *extra):
    cfg = tmp_path / f"r{realizations}.toml"
    cfg.write_text(f"[campaign]\nseed = 3\nrealizations = {realizations}\n\n[lrsg]\nL = [6]\nalpha = [0.7]\nhx = [0.3]\n")
    camp = tmp_path / f"r{realizations}.h5"
    if not camp.exists():
        qglass("run", str(cfg), "--out", str(camp))
    return qglass("reduce", str(camp), "--out", str(tmp_path / f"r{realizations}-reduced.h5"), "--force", *extra, ranks=1)


def row(stdout):
    return next(line for line in stdout.splitlines() if re.match(r"\s+6\s+0\.700\s+0\.3000\s", line))


def test_errors_below_the_minimum_count_print_a_dash(tmp_path):
    assert MINIMUM == 3
    few = lrsg(tmp_path, MINIMUM - 1)
    assert row(few.stdout).count("± –") == 2, few.stdout
    assert f"no error shown for fewer than {MINIMUM} realizations (fewest here: {MINIMUM - 1})" in few.stdout
    enough = lrsg(tmp_path, MINIMUM)
    assert "–" not in row(enough.stdout) and re.search(r"± 0\.\d{4}", row(enough.stdout)), enough.stdout
    assert "no error shown" not in enough.stdout


def test_eps_window_outside_the_unit_interval_warns(tmp_path):
    res = lrsg(tmp_path, 2, "--eps-window", "0.4,1.5")
    assert "warning: --eps-window 0.4,1.5 reaches outside [0.0, 1.0]" in res.stderr, res.stderr
    inside = lrsg(tmp_path, 2, "--eps-window", "0.4,0.6")
    assert "reaches outside" not in inside.stderr


def test_reduce_help_lists_every_study_of_eps_window():
    res = subprocess.run([QGLASS, "reduce", "--help"], capture_output=True, text=True, env=ENV)
    text = " ".join(res.stdout.split())
    i = text.index("--eps-window <eps-window> ")
    help_text = text[i:text.index("--average <average> ", i)]
    for study in ("S1", "S6a", "xxz", "heisenberg_o3", "drh", "[0, 1]"):
        assert study in help_text, help_text


def test_interior_depth_without_interior_spins_warns(tmp_path):
    camp, red = tmp_path / "er.h5", tmp_path / "er-reduced.h5"
    qglass("emch-radin", "--d", "1", "--alpha", "3", "--N", "40", "--samples", "4", "--seed", "1",
           "--interior-depth", "1000", "--out", str(camp))
    res = qglass("reduce", str(camp), "--out", str(red), "--force", ranks=1)
    assert "no spin of any sample is interior at interior_depth = 1000" in res.stdout, res.stdout


def test_docs_commands_use_the_wrapper_and_create_runs():
    emch = (ROOT / "docs" / "emch-radin.md").read_text()
    assert not re.search(r"(?<![/\w])mpirun -n", emch), "bare mpirun in docs/emch-radin.md"
    readme = (ROOT / "README.md").read_text()
    for block in re.findall(r"```bash\n(.*?)```", readme, re.S):
        lines = [ln for ln in block.splitlines() if not ln.lstrip().startswith("#")]
        writes = [i for i, ln in enumerate(lines) if re.search(r"(--out|\brun\b.*\.toml).*runs/|--out runs/", ln)
                  or ("run jobscripts/" in ln and "--out" not in ln)]
        if writes:
            made = [i for i, ln in enumerate(lines) if ln.startswith("mkdir -p runs")]
            assert made and made[0] < writes[0], block
