"""The job scripts on a real (local, one-node) SLURM: cluster/slurm-local.sh.

Skipped, with the reason, only where SLURM cannot start on this machine.
"""
import os
import pathlib
import subprocess
import time

import h5py
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
QGLASS = os.environ.get("QGLASS_BIN", str(ROOT / ".build" / "debug" / "qglass"))
SLURM_DIR = os.environ.get("QGLASS_SLURM_DIR", f"/tmp/qglass-slurm-tests-{os.getpid()}")
ENV = dict(os.environ, QGLASS_SLURM_DIR=SLURM_DIR, SLURM_CONF=f"{SLURM_DIR}/slurm.conf", QGLASS=QGLASS,
           OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def sh(*cmd, check=True, timeout=600):
    res = subprocess.run(list(cmd), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)
    if check:
        assert res.returncode == 0, f"{cmd}: {res.stdout}{res.stderr}"
    return res


@pytest.fixture(scope="module")
def slurm():
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    res = sh("bash", "cluster/slurm-local.sh", "start", check=False, timeout=120)
    if res.returncode != 0:
        pytest.skip("local SLURM could not start here: " + (res.stdout + res.stderr)[-800:])
    yield
    sh("bash", "cluster/slurm-local.sh", "stop", check=False)


def sbatch(*args):
    out = sh("sbatch", "--parsable", "--export=ALL", *args).stdout.strip()
    return out.split(";")[0]


def job_state(job):
    out = sh("scontrol", "show", "job", job, check=False).stdout
    for tok in out.split():
        if tok.startswith("JobState="):
            return tok.split("=", 1)[1]
    return "UNKNOWN"


def wait(job, timeout=600, states=("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY")):
    seen = []
    t0 = time.time()
    while time.time() - t0 < timeout:
        s = job_state(job)
        if not seen or seen[-1] != s:
            seen.append(s)
        if s in states:
            return s, seen
        time.sleep(2)
    raise AssertionError(f"job {job} still {seen} after {timeout} s")


def payload(path, L):
    with h5py.File(path, "r") as f:
        g = f[f"lrsg/L{L}"]
        return {k: g[k][()].tobytes() for k in g if "seconds" not in k}


def write_config(tmp_path, name, body):
    p = tmp_path / name
    p.write_text(body)
    return str(p)


SMALL = """[campaign]
seed = 11
realizations = 6
[lrsg]
L = [6, 7]
alpha = 0.7
hx = [0.1, 0.5, 1.0]
"""


def test_phase_diagram_job(slurm, tmp_path):
    cfg = write_config(tmp_path, "small.toml", SMALL)
    out = tmp_path / "pd.h5"
    job = sbatch("--output", str(tmp_path / "pd-%j.out"), "jobscripts/s1-phase-diagram.sbatch", cfg, str(out))
    state, seen = wait(job)
    log = next(tmp_path.glob("pd-*.out")).read_text()
    assert state == "COMPLETED", f"{seen}\n{log}"
    with h5py.File(out, "r") as f:
        for L in (6, 7):
            assert np.all(f[f"lrsg/L{L}/done"][:] == 1)
            assert f[f"lrsg/L{L}/energy"].shape == (18, 1 << L)
    assert (tmp_path / "pd-reduced.h5").exists()
    assert (tmp_path / "pd-figures" / "r_vs_hx_alpha0.7.png").exists()
    print(f"phase-diagram job {job}: states {seen}")


def test_array_then_dependent_reduce(slurm, tmp_path):
    cfg = write_config(tmp_path, "small.toml", SMALL)
    prefix = tmp_path / "arr"
    res = sh("bash", "jobscripts/submit-s1-array.sh", cfg, "6 7 8", str(prefix), "--output", str(tmp_path / "a-%A_%a.out"))
    array, reduce = (w.rstrip(",") for w in res.stdout.split() if w.rstrip(",").isdigit())
    state, seen = wait(reduce, timeout=900)
    assert state == "COMPLETED", seen
    for i in range(3):
        assert wait(f"{array}_{i}")[0] == "COMPLETED"
    with h5py.File(f"{prefix}-reduced.h5", "r") as f:
        assert sorted(set(f["lrsg/points/L"][:])) == [6, 7, 8]
        assert np.all(f["lrsg/points/n_realizations"][:] == 6)
    print(f"array job {array} (3 tasks) + reduce job {reduce}: reduce states {seen}")


FIELDS = """[campaign]
seed = 13
realizations = 10
[fields]
L = [100]
alpha = [0.7]
state = ["sfs"]
"""

TWOFLIP = """[campaign]
seed = 14
realizations = 8
[twoflip]
L = [60, 120]
alpha = 0.7
hx = [0.1]
"""


def test_classical_array_and_single_job(slurm, tmp_path):
    """S2 as an array over L with per-size realization counts and a dependent
    reduce; S4 as a single campaign + reduce + plot job."""
    cfg = write_config(tmp_path, "fields.toml", FIELDS)
    prefix = tmp_path / "s2"
    res = sh("bash", "jobscripts/submit-array.sh", "jobscripts/s2-fields.sbatch", cfg, "fields", "100 200", "30 12", str(prefix),
             "--output", str(tmp_path / "s2-%A_%a.out"))
    array, reduce = (w.rstrip(",") for w in res.stdout.split() if w.rstrip(",").isdigit())
    cfg4 = write_config(tmp_path, "twoflip.toml", TWOFLIP)
    single = sbatch("--output", str(tmp_path / "s4-%j.out"), "jobscripts/s4-twoflip.sbatch", cfg4, str(tmp_path / "s4.h5"))
    state, seen = wait(reduce, timeout=600)
    assert state == "COMPLETED", seen
    for i, (L, n) in enumerate([(100, 30), (200, 12)]):
        assert wait(f"{array}_{i}")[0] == "COMPLETED"
        with h5py.File(f"{prefix}-L{L}.h5", "r") as f:
            assert f[f"fields/L{L}/done"][:].sum() == n
    with h5py.File(f"{prefix}-reduced.h5", "r") as f:
        assert list(f["fields/set0/L"][:]) == [100, 200]
        assert list(f["fields/set0/n_realizations"][:]) == [30, 12]
    state4, seen4 = wait(single)
    log4 = next(tmp_path.glob("s4-*.out")).read_text()
    assert state4 == "COMPLETED", f"{seen4}\n{log4}"
    assert (tmp_path / "s4-figures" / "twoflip_hx0.1.png").exists()
    print(f"classical array job {array} + reduce {reduce}: {seen}; single S4 job {single}: {seen4}")


# About 2 minutes of work for 2 ranks of the debug build (~2 s per task and
# rank): longer than SLURM's shortest time limit (1 min, enforced within ~30 s).
HEAVY = """[campaign]
seed = 12
realizations = 60
[lrsg]
L = [12]
alpha = 0.7
hx = [0.2, 1.0]
"""


def test_time_limit_kill_then_resume_is_bit_identical(slurm, tmp_path):
    cfg = write_config(tmp_path, "heavy.toml", HEAVY)
    ref = tmp_path / "ref.h5"
    # Generous limits: on a loaded machine (the suite must pass beside other
    # work) the uninterrupted reference and the resumed jobs take many minutes.
    sh("bash", "cluster/mpirun.sh", "-n", "2", QGLASS, "run", cfg, "--out", str(ref), timeout=2400)

    # 1. Time limit too short and no usable warning: SLURM sends TERM to every
    #    process of the job, then KILL after KillWait. (The script's own
    #    --signal=B:USR1@300 is replaced by SIGURG, which bash ignores.)
    out = tmp_path / "killed.h5"
    job = sbatch("--time=00:01:00", "--signal=B:URG@1", "--output", str(tmp_path / "k-%j.out"), "jobscripts/s1-phase-diagram.sbatch", cfg, str(out))
    state, seen = wait(job, timeout=400)
    assert state in ("TIMEOUT", "FAILED", "CANCELLED"), seen
    with h5py.File(out, "r") as f:
        done_after_kill = int(f["lrsg/L12/done"][:].sum())
    assert 0 < done_after_kill < 120, done_after_kill
    # Resubmit: the script always passes --resume.
    job2 = sbatch("--output", str(tmp_path / "r-%j.out"), "jobscripts/s1-phase-diagram.sbatch", cfg, str(out))
    state2, seen2 = wait(job2, timeout=2400)
    log2 = next(tmp_path.glob("r-*.out")).read_text()
    assert state2 == "COMPLETED", f"{seen2}\n{log2}"
    assert f"{done_after_kill} of 120 tasks already complete" in log2
    assert payload(out, 12) == payload(ref, 12)

    # 2. Warning signal 30 s before a 2-minute limit: graceful stop (exit 75),
    #    then the job requeues itself and the requeued run finishes the file.
    #    SLURM holds a requeued job for about two minutes; the test releases it.
    out3 = tmp_path / "graceful.h5"
    job3 = sbatch("--time=00:02:00", "--signal=B:USR1@30", "--output", str(tmp_path / "g-%j.out"),
                  "jobscripts/s1-phase-diagram.sbatch", cfg, str(out3))
    seen3, released, pending_since = [], set(), None
    t0 = time.time()
    while time.time() - t0 < 2400:
        info = sh("scontrol", "show", "job", job3, check=False).stdout
        state3 = next((t.split("=", 1)[1] for t in info.split() if t.startswith("JobState=")), "UNKNOWN")
        restarts = next((t.split("=", 1)[1] for t in info.split() if t.startswith("Restarts=")), "0")
        if not seen3 or seen3[-1] != state3:
            seen3.append(state3)
        pending_since = (pending_since or time.time()) if state3 == "PENDING" else None
        # Release only after a pause: a requeued job restarted within the same
        # second is refused by slurmd ("Job credential revoked").
        if state3 == "PENDING" and restarts != "0" and restarts not in released and time.time() - pending_since > 15:
            sh("scontrol", "update", f"JobId={job3}", "StartTime=now", check=False)
            released.add(restarts)
        if state3 in ("COMPLETED", "FAILED", "CANCELLED"):
            break
        time.sleep(2)
    log3 = next(tmp_path.glob("g-*.out")).read_text()
    assert "requeueing" in log3 and state3 == "COMPLETED", f"{seen3}\n{log3}"
    assert payload(out3, 12) == payload(ref, 12)
    print(f"killed job {job}: {seen} with {done_after_kill}/120 done; resumed job {job2}: {seen2}; "
          f"graceful job {job3}: {seen3}")
