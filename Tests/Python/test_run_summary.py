"""The end-of-run summary of `qglass run` (Sources/QGCampaign/RunSummary.swift),
the same for every study: per block and point the realizations done of planned
and the worst |value| of each check column, then a line naming `qglass reduce`.
Run end to end on the tiny golden configs of a grid study (S1 lrsg), a study
without a grid (S10a rm, its points by index) and a classical one (S2 fields,
no check column), and after a --resume of a file some of whose tasks were
undone."""
import re

import h5py

from qgtest import ROOT, qglass

FIXTURES = ROOT / "Tests" / "Fixtures" / "golden"


def summary(stdout, out):
    """The summary's lines (title to closing line) of a run's stdout."""
    lines = stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith(f"[qglass] summary of {out} ("))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("disorder averages and fits: "))
    assert lines[end] == f"disorder averages and fits: qglass reduce {out} --out <reduced.h5>", lines[end]
    return lines[start:end + 1]


def tables(lines):
    """The tables of a summary: lists of split rows, each list under its header."""
    out = []
    for l in lines[1:-1]:
        cells = l.split()
        if cells[0] == "block":
            out.append([cells])
        else:
            out[-1].append(cells)
    return out


def assert_aligned(lines):
    # Numbers are right-aligned to the header: every line of a table ends at the same column.
    body = lines[1:-1]
    starts = [i for i, l in enumerate(body) if l.split()[0] == "block"] + [len(body)]
    for a, b in zip(starts, starts[1:]):
        assert len({len(l) for l in body[a:b]}) == 1, "\n".join(body[a:b])


def test_grid_study_points_counts_and_checks(tmp_path):
    out = tmp_path / "lrsg.h5"
    res = qglass("run", FIXTURES / "lrsg.toml", "--out", out)
    lines = summary(res.stdout, out)
    assert_aligned(lines)
    [table] = tables(lines)
    assert table[0] == ["block", "L", "alpha", "hx", "done", "residual_max", "orthogonality_max"]
    # L = [6, 8], alpha = 0.7, hx = [0.1, 1.0], 3 realizations.
    assert [r[:5] for r in table[1:]] == [[f"/lrsg/L{L}", str(L), "0.7", hx, "3/3"] for L in (6, 8) for hx in ("0.1", "1.0")]
    for r in table[1:]:
        assert all(0 <= float(x) < 1e-10 for x in r[5:]), r
    # The worst residual of a point is the largest |residual_max| of its rows.
    with h5py.File(out, "r") as f:
        worst = abs(f["lrsg/L8/residual_max"][3:6]).max()
    assert table[4][5] == f"{worst:.1e}", (table[4], worst)
    # No study restates an average of the reducer's any more.
    assert "mid-spectrum" not in res.stdout and "<r>" not in res.stdout


def test_study_without_grid_and_study_without_checks(tmp_path):
    out = tmp_path / "rm.h5"
    lines = summary(qglass("run", FIXTURES / "rm.toml", "--out", out).stdout, out)
    assert_aligned(lines)
    heads = {tuple(t[0]) for t in tables(lines)}
    assert ("block", "point", "done", "sum_rule_residual", "czz_t0_residual", "small_r_residual", "large_r_residual",
            "p_derivative_residual") in heads, heads
    assert ("block", "point", "done", "root_residual") in heads, heads
    rows = [r for t in tables(lines) for r in t[1:]]
    # inverse_xi = [0.5, -0.2]: two rows in each family block, one in the others.
    assert [r[1:3] for r in rows if r[0].endswith("floquet")] == [["0", "1/1"], ["1", "1/1"]]
    assert all(r[2] == "1/1" for r in rows)

    out = tmp_path / "fields.h5"
    lines = summary(qglass("run", FIXTURES / "fields.toml", "--out", out).stdout, out)
    [table] = tables(lines)
    assert table[0] == ["block", "L", "alpha", "state", "done"]
    assert {r[3] for r in table[1:]} == {"random", "sfs"} and all(re.fullmatch(r"(\d+)/\1", r[4]) for r in table[1:])


def test_resumed_file_counts_every_task(tmp_path):
    out = tmp_path / "lrsg.h5"
    qglass("run", FIXTURES / "lrsg.toml", "--out", out)
    with h5py.File(out, "r+") as f:
        f["lrsg/L6/done"][3:6] = 0   # the three realizations of (L = 6, hx = 1.0)
        f.attrs["finished"] = 0
    res = qglass("run", FIXTURES / "lrsg.toml", "--out", out, "--resume")
    assert "9 of 12 tasks already complete" in res.stdout, res.stdout
    [table] = tables(summary(res.stdout, out))
    assert [r[4] for r in table[1:]] == ["3/3"] * 4


def test_quiet_run_prints_no_summary(tmp_path):
    res = qglass("run", FIXTURES / "lrsg.toml", "--out", tmp_path / "q.h5", "--quiet")
    assert res.stdout == "", res.stdout
