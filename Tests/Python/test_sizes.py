"""Huge counts (issue 21, item 2.2): every run estimates its output file and
its peak memory before allocating anything, and refuses in one line (exit 2,
nothing written) a count past the task cap, a file over the free disk, or a
`reduce --bootstrap` past its cap; `qglass plan` costs per block, so a plan
of 1e8 tasks prints its file size with bounded memory.

The four reproductions of the issue, run as subprocesses of the built
executable (QGLASS_BIN, default .build/debug/qglass).
"""
import os
import re
import resource
import subprocess
import sys

import pytest

from qgtest import ENV, QGLASS, qglass

QUENCH = ["quench", "--L", "100", "--Ls", "6", "--alpha", "0.7", "--hx", "0.05", "--seed", "1"]


def one_line_refusal(args, cwd):
    res = subprocess.run([QGLASS, *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, f"exit {res.returncode}:\n{res.stdout[-2000:]}\n{res.stderr}"
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert res.stdout == "", res.stdout[-2000:]
    return res.stderr


# A fresh, small interpreter starts qglass and reports its children's peak
# RSS. Measured from this test process instead (wait4), the figure would
# include the pytest process's own resident memory: Linux carries a
# process's peak RSS across exec, and the child is forked from pytest, which
# holds gigabytes late in a full run.
RSS_PROBE = """
import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    rc = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def max_rss_bytes(args, cwd):
    """Runs qglass; returns (exit status, stdout, its own peak RSS in bytes)."""
    res = subprocess.run([sys.executable, "-c", RSS_PROBE, str(cwd / "stdout.txt"), QGLASS, *args], cwd=cwd, env=ENV,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    status, kib = (int(x) for x in res.stdout.split())
    return status, (cwd / "stdout.txt").read_text(), kib * 1024


@pytest.mark.parametrize("count", [2000000000, 10000000])
def test_quench_past_the_task_cap_is_refused_before_anything_is_written(tmp_path, count):
    # Was: OOM-killed at 23.8 GB (2e9), a 69.5 GB file then a crash (1e7).
    why = one_line_refusal(QUENCH + ["--realizations", str(count), "--out", "q.h5"], tmp_path)
    cap = re.search(r"exceed the cap of (\d+) tasks per run", why)
    assert f"{count} tasks" in why and cap and count > int(cap.group(1)), why
    assert "first_realization" in why, why
    assert sorted(os.listdir(tmp_path)) == [], os.listdir(tmp_path)


def test_a_file_over_the_free_disk_is_refused(tmp_path):
    # Within the cap (4e6 tasks), but every task stores its 2^20 eigenstates'
    # values: the file (plan's estimate, about 126 TiB) is larger than the free
    # space of any output folder, so the command-line path is always exercised.
    cfg = tmp_path / "q.toml"
    cfg.write_text("[campaign]\nseed = 1\nrealizations = 4000000\n[lrsg]\nL = [20]\nalpha = 0.7\nhx = [0.5]\n"
                   "store_eigenstates_max_L = 20\n")
    plan = subprocess.run([QGLASS, "plan", str(cfg)], env=ENV, capture_output=True, text=True, timeout=120)
    m = re.search(r"output file: about ([\d.]+) (MiB|GiB|TiB)", plan.stdout)
    assert plan.returncode == 0 and m, plan.stdout + plan.stderr
    estimate = float(m.group(1)) * {"MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[m.group(2)]
    st = os.statvfs(tmp_path)
    assert st.f_bavail * st.f_frsize < estimate, (st.f_bavail * st.f_frsize, estimate)
    why = one_line_refusal(["run", str(cfg), "--out", "q.h5"], tmp_path)
    assert f"would take {m.group(1)} {m.group(2)}" in why and "free" in why, why
    assert sorted(os.listdir(tmp_path)) == ["q.toml"]


def test_reduce_bootstrap_past_its_cap_is_refused(tmp_path):
    # Was: OOM-killed with --bootstrap 1000000000.
    out = tmp_path / "e.h5"
    qglass("ed", "--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "3", "--seed", "1", "--out", str(out), "--quiet")
    why = one_line_refusal(["reduce", str(out), "--out", "r.h5", "--bootstrap", "1000000000"], tmp_path)
    assert "--bootstrap 1000000000 exceeds the cap of 100000" in why, why
    assert not (tmp_path / "r.h5").exists()
    # The cap is stated where the option is.
    res = subprocess.run([QGLASS, "reduce", "--help"], env=ENV, capture_output=True, text=True)
    assert "2...100000" in res.stdout.replace("\n", " "), res.stdout


def test_plan_of_1e8_tasks_prints_the_file_size_with_bounded_memory(tmp_path):
    # Was: an allocation failure (49-line backtrace). The task list of 1e8
    # tasks alone would take 4.8 GB; the plan works from the blocks.
    cfg = tmp_path / "big.toml"
    cfg.write_text("[campaign]\nseed = 1\nrealizations = 100000000\n[lrsg]\nL = [8]\nalpha = 0.7\nhx = [0.5]\n")
    status, out, rss = max_rss_bytes(["plan", str(cfg)], tmp_path)
    assert status == 0, out
    assert "100000000 tasks" in out
    m = re.search(r"output file: about ([\d.]+) (GiB|TiB)", out)
    assert m, out
    assert "OVER THE TASK CAP" in out and "configured group_size = 1" in out, out
    assert rss < 400 << 20, f"plan used {rss / 2**20:.0f} MiB"


def test_the_file_estimate_matches_the_written_file(tmp_path):
    # The layout is allocated in full when created: the estimate is the file's size.
    cfg = tmp_path / "q.toml"
    cfg.write_text("[campaign]\nseed = 1\nrealizations = 3000\n[fields]\nL = [16]\nalpha = [0.7]\nstate = [\"random\"]\n")
    res = subprocess.run([QGLASS, "plan", str(cfg)], env=ENV, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    m = re.search(r"output file: about ([\d.]+) (KiB|MiB|GiB)", res.stdout)
    est = float(m.group(1)) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[m.group(2)]
    qglass("run", str(cfg), "--out", str(tmp_path / "q.h5"), "--quiet")
    size = os.path.getsize(tmp_path / "q.h5")
    assert 0.8 * size <= est <= 1.6 * size, (est, size)
