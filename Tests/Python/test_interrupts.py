"""Interrupts (issue 21, section 3): Ctrl-C in a terminal is the clean stop.

A terminal's Ctrl-C sends SIGINT to every process of the foreground job's
process group. Each run here is started like such a job (a session and process
group of its own) and signalled with os.killpg. The tests wait for states
(lines printed, the process gone) by polling with generous deadlines, never
for a fixed time, and make no timing assertions.

* test_ctrl_c_of_the_wrapper_is_a_clean_stop: `cluster/mpirun.sh -n 2`, one
  SIGINT to its process group: exit 75, no lock, completed and in-flight
  tasks in the file, --resume gives the payload of an uninterrupted run.
* test_wrapper_started_with_sigint_ignored_still_stops_cleanly: the same
  when the wrapper inherits SIGINT ignored (a background job of a script).
* test_first_ctrl_c_is_acknowledged_and_stops_cleanly: one process; the
  first SIGINT is acknowledged at once, then exit 75 after the task.
* test_second_ctrl_c_aborts: one process; a second SIGINT aborts (exit 130)
  without waiting for the task, and removes the lock.
* test_repeated_term_and_usr1_stay_a_clean_stop: TERM, USR1 and TERM again to
  a rank (as scancel and mpirun's forward deliver them) are one clean stop.
* test_only_campaign_commands_catch_stop_signals: run/ed/... catch INT, TERM
  and USR1; reduce (and the other local commands) end at a Ctrl-C.
* test_heartbeat_only_in_intervals_without_a_finished_task: a heartbeat
  line never follows a line with a lower done count.
"""
import os
import re
import signal
import subprocess
import threading
import time

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, ROOT, payload, qglass

WRAPPER = str(ROOT / "cluster" / "mpirun.sh")
DEADLINE = 1200  # seconds; generous for a loaded machine
ACK = "stop requested: finishing {} in-flight task(s); Ctrl-C again to abort"

# 12 tasks of L = 11 (seconds each): after the first is done, most are left.
WIDE = ["ed", "--L", "11", "--alpha", "0.7", "--hx", "0.2,1.0", "--realizations", "6", "--seed", "21"]
# 2 tasks of L = 12 for one process (seconds each: long next to the helper
# thread's tick of interval / 4, so the acknowledgement comes while a task runs).
PAIR = ["ed", "--L", "12", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "22"]


def descendants(pid):
    """The PIDs of every live descendant of `pid` (from /proc: mpirun runs in a
    session of its own under the wrapper, so its process group is not the
    wrapper's)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree(pid):
    """SIGKILL to `pid` and all its descendants (a failed test must not leave
    ranks holding CPU and locks on a loaded machine)."""
    for p in [pid, *descendants(pid)]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


JOBS = []


@pytest.fixture(autouse=True)
def no_job_outlives_its_test():
    yield
    while JOBS:
        job = JOBS.pop()
        if job.proc.poll() is None:
            kill_tree(job.proc.pid)
            job.proc.wait(timeout=60)


class ForegroundJob:
    """A command started like a shell's foreground job (a session and process
    group of its own), its stdout and stderr collected line by line. Whatever
    is left of it when its test ends is killed, process tree and all."""

    def __init__(self, cmd, cwd, ignore_sigint=False):
        def setup():
            if ignore_sigint:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=setup)
        JOBS.append(self)
        self.out, self.err = [], []
        self.readers = [threading.Thread(target=self._read, args=(s, d), daemon=True)
                        for s, d in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.readers:
            t.start()

    @staticmethod
    def _read(stream, dest):
        for line in stream:
            dest.append(line.rstrip("\n"))

    def ctrl_c(self):
        """SIGINT to the whole process group, as a terminal's Ctrl-C."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def wait_for_line(self, pattern):
        """Polls stdout until a line matches `pattern` (a regex); returns the
        match. Fails when the process ends first or the deadline passes."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            for line in list(self.out):
                m = re.search(pattern, line)
                if m:
                    return m
            if self.proc.poll() is not None:
                for t in self.readers:
                    t.join(timeout=60)
                m = next((re.search(pattern, l) for l in self.out if re.search(pattern, l)), None)
                assert m, f"exited with {self.proc.returncode} before a line matching {pattern!r}:\n{self.log()}"
                return m
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} within {DEADLINE} s:\n{self.log()}")

    def wait(self):
        try:
            rc = self.proc.wait(timeout=DEADLINE)
        finally:
            if self.proc.poll() is None:
                kill_tree(self.proc.pid)
        for t in self.readers:
            t.join(timeout=60)
        return rc

    def log(self):
        return "\n".join(self.out) + "\n--- stderr ---\n" + "\n".join(self.err)


def done_flags(path, L):
    with h5py.File(path, "r") as f:
        return f[f"lrsg/L{L}/done"][()], int(f.attrs["finished"])


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_payload(path, ref):
    got, want = payload(path), payload(ref)
    assert got.keys() == want.keys()
    for name in want:
        assert same_bits(got[name], want[name]), name


def assert_completed_rows_match(path, ref, L):
    """Every row flagged done holds the reference's values, bit for bit."""
    got, want = payload(path), payload(ref)
    done = got[f"lrsg/L{L}/done"].astype(bool)
    assert done.any()
    for name, value in got.items():
        assert same_bits(value[done], want[name][done]), name


@pytest.fixture(scope="module")
def refs(tmp_path_factory):
    d = tmp_path_factory.mktemp("interrupt-refs")
    wide, pair = d / "wide.h5", d / "pair.h5"
    qglass(*WIDE, "--out", str(wide))
    qglass(*PAIR, "--out", str(pair), ranks=1)
    return {"wide": wide, "pair": pair}


def test_ctrl_c_of_the_wrapper_is_a_clean_stop(tmp_path, refs):
    out = tmp_path / "stopped.h5"
    job = ForegroundJob(["bash", WRAPPER, "-n", "2", QGLASS, *WIDE, "--out", str(out), "--progress-interval", "0.1"], tmp_path)
    job.wait_for_line(r"\] [1-9]\d*/12 tasks")  # at least one task done
    job.ctrl_c()
    job.wait_for_line(r"stop requested: finishing [12] in-flight task\(s\); Ctrl-C again to abort")
    rc = job.wait()
    assert rc == 75, job.log()
    assert not os.path.exists(str(out) + ".lock"), "a clean stop releases the lock"
    assert "stopped by signal, resume with --resume" in job.log()
    done, finished = done_flags(out, 11)
    assert 1 <= done.sum() < 12 and finished == 0, (done, job.log())
    # The in-flight tasks were finished, not lost: the final count is the file's.
    assert f"{done.sum()} of 12 pending tasks done" in job.log(), job.log()
    assert_completed_rows_match(out, refs["wide"], 11)

    res = subprocess.run(["bash", WRAPPER, "-n", "2", QGLASS, *WIDE, "--out", str(out), "--resume"], env=ENV,
                         capture_output=True, text=True, timeout=DEADLINE)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{done.sum()} of 12 tasks already complete" in res.stdout, res.stdout
    assert_same_payload(out, refs["wide"])
    assert not os.path.exists(str(out) + ".lock")


def test_wrapper_started_with_sigint_ignored_still_stops_cleanly(tmp_path):
    # A background job of a non-interactive shell starts with SIGINT ignored,
    # and bash cannot trap a signal ignored on entry: the wrapper starts again
    # with SIGINT at its default.
    out = tmp_path / "ign.h5"
    job = ForegroundJob(["bash", WRAPPER, "-n", "1", QGLASS, *PAIR, "--out", str(out), "--progress-interval", "0.1"],
                        tmp_path, ignore_sigint=True)
    job.wait_for_line(r"still working on 1 task\(s\), 0/2 done")
    job.ctrl_c()
    job.wait_for_line(re.escape(ACK.format(1)))
    assert job.wait() == 75, job.log()
    assert not os.path.exists(str(out) + ".lock")
    done, finished = done_flags(out, 12)
    assert done.sum() == 1 and finished == 0, done


def test_first_ctrl_c_is_acknowledged_and_stops_cleanly(tmp_path, refs):
    out = tmp_path / "one.h5"
    job = ForegroundJob([QGLASS, *PAIR, "--out", str(out), "--progress-interval", "0.1"], tmp_path)
    job.wait_for_line(r"still working on 1 task\(s\), 0/2 done")  # the first task is in flight
    job.ctrl_c()
    job.wait_for_line(re.escape(ACK.format(1)))
    rc = job.wait()
    assert rc == 75, job.log()
    lines = job.out
    ack = next(i for i, l in enumerate(lines) if ACK.format(1) in l)
    first_done = next(i for i, l in enumerate(lines) if "1/2 tasks" in l)
    assert ack < first_done, "acknowledged while the task was still running:\n" + job.log()
    assert not os.path.exists(str(out) + ".lock")
    done, finished = done_flags(out, 12)
    assert done.sum() == 1 and finished == 0, done
    assert_completed_rows_match(out, refs["pair"], 12)
    qglass(*PAIR, "--out", str(out), "--resume", ranks=1)
    assert_same_payload(out, refs["pair"])


def test_second_ctrl_c_aborts(tmp_path, refs):
    out = tmp_path / "abort.h5"
    job = ForegroundJob([QGLASS, *PAIR, "--out", str(out), "--progress-interval", "0.1"], tmp_path)
    job.wait_for_line(r"still working on 1 task\(s\), 0/2 done")
    job.ctrl_c()
    job.wait_for_line(re.escape(ACK.format(1)))
    job.ctrl_c()
    rc = job.wait()
    assert rc == 128 + signal.SIGINT, job.log()
    assert any("aborted by a second Ctrl-C" in l for l in job.err), job.log()
    # The abort did not wait for the task: no completion was reported.
    assert not any("1/2 tasks" in l or "pending tasks done" in l for l in job.out), job.log()
    assert not os.path.exists(str(out) + ".lock"), "a lone process removes its lock when aborted"
    done, finished = done_flags(out, 12)
    assert done.sum() < 2 and finished == 0, done
    # Completed tasks (if any) are intact and the run resumes to the reference.
    qglass(*PAIR, "--out", str(out), "--resume", ranks=1)
    assert_same_payload(out, refs["pair"])


def test_repeated_term_and_usr1_stay_a_clean_stop(tmp_path):
    """scancel and SLURM's time limit signal every process of a job at once: a
    rank gets TERM directly, then the USR1 that mpirun or the wrapper forwards,
    and maybe TERM again. One request, one clean stop: only a second SIGINT
    aborts. The signals go straight to the rank (a qglass process in a session
    of its own), the process whose rule this is; the wrapper's forwarding is
    the subject of test_ctrl_c_of_the_wrapper_is_a_clean_stop."""
    out = tmp_path / "scancel.h5"
    job = ForegroundJob([QGLASS, *PAIR, "--out", str(out), "--progress-interval", "0.1"], tmp_path)
    job.wait_for_line(r"still working on 1 task\(s\), 0/2 done")
    os.kill(job.proc.pid, signal.SIGTERM)
    job.wait_for_line(re.escape(ACK.format(1)))
    os.kill(job.proc.pid, signal.SIGUSR1)
    os.kill(job.proc.pid, signal.SIGTERM)
    assert job.wait() == 75, job.log()
    assert not any("abort" in l for l in job.err), job.log()
    assert not os.path.exists(str(out) + ".lock")
    done, finished = done_flags(out, 12)
    assert done.sum() == 1 and finished == 0, done


def counted_lines(stdout):
    """(kind, done) for each progress ('progress') and heartbeat ('beat') line."""
    out = []
    for line in stdout.splitlines():
        m = re.search(r"\] (\d+)/\d+ tasks \(", line)
        if m:
            out.append(("progress", int(m.group(1))))
            continue
        m = re.search(r"still (?:working on|finishing) .*task\(s\), (\d+)/\d+ done", line)
        if m:
            out.append(("beat", int(m.group(1))))
    return out


def beats_after_a_finished_task(stdout):
    """Heartbeat lines printed although a task finished since the line before."""
    bad, last = [], 0
    for kind, done in counted_lines(stdout):
        if kind == "beat" and done != last:
            bad.append((last, done))
        last = done
    return bad


def test_heartbeat_only_in_intervals_without_a_finished_task(tmp_path):
    # 40 tasks of L = 10 (a few tenths of a second each), one process.
    args = ["ed", "--L", "10", "--alpha", "0.7", "--hx", "0.5,0.6", "--realizations", "20", "--seed", "23"]
    # Tasks finish faster than the interval: progress lines, and a heartbeat
    # only where no task finished since the line before.
    fast = qglass(*args, "--out", str(tmp_path / "fast.h5"), "--progress-interval", "0.5", ranks=1).stdout
    kinds = counted_lines(fast)
    assert ("progress", 40) in kinds, fast
    assert beats_after_a_finished_task(fast) == [], fast
    # Tasks slower than the interval: heartbeats between the progress lines,
    # each after a line with the same count.
    slow = qglass(*args, "--out", str(tmp_path / "slow.h5"), "--progress-interval", "0.02", ranks=1).stdout
    kinds = counted_lines(slow)
    assert ("progress", 40) in kinds, slow
    assert any(k == "beat" for k, _ in kinds), slow
    assert beats_after_a_finished_task(slow) == [], slow


def caught_signals(pid):
    """The signals process `pid` catches (its SigCgt mask in /proc)."""
    with open(f"/proc/{pid}/status") as f:
        mask = int(next(l for l in f if l.startswith("SigCgt:")).split()[1], 16)
    return {sig for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1) if mask & (1 << (sig - 1))}


def blocked_on_fifo(cmd, tmp_path, name):
    """Starts qglass `cmd`, in which "FIFO" stands for a FIFO that nobody
    writes, and returns the job once the process waits in open(2) on it (its
    wchan says so): past its start-up, alive until signalled."""
    fifo = tmp_path / name
    os.mkfifo(fifo)
    job = ForegroundJob([QGLASS, *[str(fifo) if a == "FIFO" else a for a in cmd]], tmp_path)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert job.proc.poll() is None, job.log()
        try:
            with open(f"/proc/{job.proc.pid}/wchan") as f:
                if f.read().strip() in ("wait_for_partner", "fifo_open"):
                    return job
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{cmd} never blocked on its FIFO:\n{job.log()}")


def test_only_campaign_commands_catch_stop_signals(tmp_path):
    """A campaign command catches INT, TERM and USR1 from its start; reduce,
    plan, plot and the other local commands keep the default actions, so that
    a Ctrl-C ends them at once instead of being swallowed (and no "--resume"
    advice is printed for a reduce)."""
    out = tmp_path / "pair.h5"
    run = ForegroundJob([QGLASS, *PAIR, "--out", str(out), "--progress-interval", "0.1"], tmp_path)
    run.wait_for_line(r"still working on 1 task\(s\), 0/2 done")
    assert caught_signals(run.proc.pid) == {signal.SIGINT, signal.SIGTERM, signal.SIGUSR1}
    kill_tree(run.proc.pid)
    run.wait()
    reduce = blocked_on_fifo(["reduce", "FIFO", "--out", str(tmp_path / "reduced.h5")], tmp_path, "input.h5")
    assert caught_signals(reduce.proc.pid) == set()
    reduce.ctrl_c()
    assert reduce.wait() == -signal.SIGINT, reduce.log()
    assert not any("resume" in l for l in reduce.err), reduce.log()
    assert not (tmp_path / "reduced.h5").exists()
