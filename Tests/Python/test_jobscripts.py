"""Job scripts and configs: every file they (and the README/docs) name exists, every
shell script parses, and the S1 finite-size array script runs on a local SLURM
(issue 10, item 15)."""
import pathlib
import re
import subprocess

import h5py
import pytest

from test_slurm import ENV, ROOT, sbatch, sh, slurm, wait  # noqa: F401  (slurm is a fixture)

# Repository files named by path: jobscripts/..., cluster/..., python/..., docs/..., Benchmarks/...
REF = re.compile(r"(?<![\w./-])((?:jobscripts|cluster|python|docs|Benchmarks)/[\w.-]+\.(?:sh|sbatch|toml|py|md|png))")


def sources():
    files = sorted((ROOT / "jobscripts").glob("*")) + sorted((ROOT / "cluster").glob("*.sh"))
    files += [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    return [f for f in files if f.is_file()]


def test_every_named_file_exists():
    missing, seen = [], 0
    for f in sources():
        for name in REF.findall(f.read_text()):
            seen += 1
            if not (ROOT / name).exists():
                missing.append(f"{f.relative_to(ROOT)} names {name}")
    assert seen > 20, "the pattern found too few references to be meaningful"
    assert not missing, "\n".join(missing)


def test_config_comments_name_existing_scripts():
    # The configs say which job script runs them; that script must exist.
    for cfg in sorted((ROOT / "jobscripts").glob("*.toml")):
        for name in REF.findall(cfg.read_text()):
            assert (ROOT / name).exists(), f"{cfg.name} names {name}"
    assert "jobscripts/s1-fss-array.sbatch" in (ROOT / "jobscripts/s1-fss-production.toml").read_text()


@pytest.mark.parametrize("script", [p.name for p in sorted((ROOT / "jobscripts").glob("*")) if p.suffix in (".sh", ".sbatch")])
def test_shell_scripts_parse(script):
    res = subprocess.run(["bash", "-n", str(ROOT / "jobscripts" / script)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_s1_fss_array_stop_lead_exceeds_one_task():
    # The lead of the production script must exceed the longest task that `qglass plan` reports.
    text = (ROOT / "jobscripts/s1-fss-array.sbatch").read_text()
    lead = int(re.search(r"#SBATCH --signal=B:USR1@(\d+)", text).group(1))
    res = subprocess.run([ENV["QGLASS"], "plan", str(ROOT / "jobscripts/s1-fss-production.toml")],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    planned = int(re.search(r"#SBATCH --signal=B:USR1@(\d+)", res.stdout).group(1))
    assert lead >= planned, f"script lead {lead} s < planned {planned} s"


SMALL = """[campaign]
seed = 21
realizations = 3
[lrsg]
L = [6]
alpha = 0.7
hx = [0.2, 1.0]
"""


def test_s1_fss_array_script_on_slurm(slurm, tmp_path):  # noqa: F811
    cfg = tmp_path / "fss.toml"
    cfg.write_text(SMALL)
    prefix = tmp_path / "fss"
    env = dict(ENV, CONFIG=str(cfg), SIZES="5 6", PREFIX=str(prefix), GROUP_SIZES="6:2")
    res = subprocess.run(["bash", "jobscripts/s1-fss-array.sbatch", "submit", "--ntasks=2", "--time=00:10:00",
                          "--signal=B:USR1@30", "--output", str(tmp_path / "f-%A_%a.out")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    array, reduce = (w.rstrip(",") for w in res.stdout.split() if w.rstrip(",").isdigit())
    state, seen = wait(reduce, timeout=900)
    assert state == "COMPLETED", seen
    for i in range(2):
        assert wait(f"{array}_{i}")[0] == "COMPLETED"
    with h5py.File(f"{prefix}-L6.h5", "r") as f:
        assert "campaign.group_size=2" in f.attrs["config"]
        assert all(f["lrsg/L6/done"][()] == 1)
    with h5py.File(f"{prefix}-reduced.h5", "r") as f:
        assert sorted(set(f["lrsg/points/L"][()])) == [5, 6]
