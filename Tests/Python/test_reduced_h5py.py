"""h5py can read every dataset and attribute that `qglass ed` and `qglass reduce` write.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, ROOT, datasets, qglass


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("h5py")
    camp, red = d / "campaign.h5", d / "reduced.h5"
    qglass("ed", "--L", "6,7,8", "--alpha", "0.7", "--hx", "0.05,0.2,0.5,1.0", "--realizations", "6",
           "--seed", "9", "--out", str(camp))
    qglass("reduce", str(camp), "--out", str(red), "--bootstrap", "20")
    return camp, red


def _window_means(camp, lo_bin, hi_bin):
    """Per (L, alpha, hx) point: <r> and <m_EA> over eps bins [lo_bin, hi_bin) as
    (mean of per-realization means, pooled over eigenstates), from the campaign
    file's histograms with plain numpy."""
    out = {}
    with h5py.File(camp, "r") as f:
        for blk in f["lrsg"]:
            g = f[f"lrsg/{blk}"]
            L = int(blk[1:])
            w = slice(lo_bin, hi_bin)
            cnt = g["hist_count"][:, w].sum(1)
            cnt_r = g["hist_count_r"][:, w].sum(1)
            sr = g["hist_sum_r"][:, w].sum(1)
            sm = g["hist_sum_m_ea"][:, w].sum(1)
            for a, h in sorted(set(zip(g["alpha"][:], g["hx"][:]))):
                sel = (g["alpha"][:] == a) & (g["hx"][:] == h) & (g["done"][:] == 1)
                ok_r, ok_m = sel & (cnt_r > 0), sel & (cnt > 0)
                per = (np.mean(sr[ok_r] / cnt_r[ok_r]), np.mean(sm[ok_m] / cnt[ok_m]))
                pooled = (sr[sel].sum() / cnt_r[sel].sum(), sm[sel].sum() / cnt[sel].sum())
                out[(L, a, h)] = per, pooled
    return out


def test_disorder_average_per_realization_by_default_pooled_on_request(files, tmp_path):
    """The default S1 average is the mean over realizations of each realization's
    mean over its eigenstates in the window; --average pooled pools eigenstates.
    Both are recomputed here from the campaign's histograms."""
    camp, red = files
    pooled = tmp_path / "pooled.h5"
    qglass("reduce", str(camp), "--out", str(pooled), "--bootstrap", "20", "--average", "pooled")
    with h5py.File(red, "r") as f, h5py.File(pooled, "r") as g:
        assert f.attrs["average"] == "realization" and g.attrs["average"] == "pooled"
        lo, hi = (int(b) for b in f.attrs["eps_window_bins"])
        ref = _window_means(camp, lo, hi)
        pts = list(zip(f["lrsg/points/L"][:], f["lrsg/points/alpha"][:], f["lrsg/points/hx"][:]))
        differ = 0
        for i, p in enumerate(pts):
            per, pool = ref[(int(p[0]), p[1], p[2])]
            assert np.isclose(f["lrsg/window/r_mean"][i], per[0], rtol=1e-12), p
            assert np.isclose(f["lrsg/window/m_ea_mean"][i], per[1], rtol=1e-12), p
            assert np.isclose(g["lrsg/window/r_mean"][i], pool[0], rtol=1e-12), p
            assert np.isclose(g["lrsg/window/m_ea_mean"][i], pool[1], rtol=1e-12), p
            differ += not np.isclose(per[0], pool[0], rtol=1e-9)
            # Both carry bootstrap errors over realizations.
            assert f["lrsg/window/r_err"][i] > 0 and g["lrsg/window/r_err"][i] > 0
        assert differ > 0, "the two averages should differ on this data"


def test_reduced_file_records_provenance_and_fit_dof(files):
    camp, red = files
    with h5py.File(camp, "r") as c, h5py.File(red, "r") as f:
        assert f.attrs["git_commit"] == c.attrs["git_commit"]
        assert f.attrs["input_commits"] == c.attrs["git_commit"]
        assert f.attrs["reducer_version"] == c.attrs["qglass_version"]
        assert list(f.attrs["input_tasks_done"]) == list(f.attrs["input_tasks_total"]) == [72]
        for o in ("r", "m_ea"):
            k = f[f"lrsg/collapse/{o}"]
            assert k["dof"].shape == k["hc"].shape
            # Three sizes on four common h_x: the quality S has many more terms than 2 parameters.
            assert np.all(k["dof"][:] > 0)
            d = f[f"lrsg/drift/{o}"]
            assert d["dof"].shape == d["slope"].shape


def test_every_dataset_of_the_reduced_file_reads(files):
    camp, red = files
    with h5py.File(camp, "r") as f:
        schema = int(f.attrs["schema_version"])
    with h5py.File(red, "r") as f:
        assert f.attrs["kind"] == "reduced"
        assert f.attrs["study"] == "lrsg"
        # One layout version (Provenance.schemaVersion) for campaign and reduced files.
        assert int(f.attrs["schema_version"]) == schema >= 1
        assert isinstance(f.attrs["inputs"], str)
        assert list(f.attrs["eps_window"]) == [0.4, 0.6]
        found = datasets(f)
        assert len(found) >= 40
        for name, ds in found:
            data = ds[()]
            assert data.shape == ds.shape, name
        P = f["lrsg/points/L"].shape[0]
        assert P == 12
        B = f["lrsg/eps/eps_edges"].shape[0] - 1
        assert f["lrsg/eps/r_mean"].shape == (P, B)
        assert np.all(f["lrsg/points/n_realizations"][:] == 6)
        r = f["lrsg/window/r_mean"][:]
        assert np.all((r > 0.3) & (r < 0.6))
        m = f["lrsg/window/m_ea_mean"][:]
        assert np.all((m > 0) & (m <= 1))


def test_every_dataset_of_the_campaign_file_reads(files):
    camp, _ = files
    with h5py.File(camp, "r") as f:
        for key in ("qglass_version", "git_commit", "config", "schema_version", "created", "seed"):
            assert key in f.attrs, key
        for name, ds in datasets(f):
            ds[()]
        g = f["lrsg/L8"]
        assert np.all(g["done"][:] == 1)
        J = g["J"][0]
        assert np.allclose(J, J.T) and np.all(np.diag(J) == 0)
        # Rebuild H from the stored J and compare the spectrum (h5py users can).
        L, alpha, hx = 8, g["alpha"][0], g["hx"][0]
        n = 1 << L
        d = np.array([[min(abs(i - j), L - abs(i - j)) for j in range(L)] for i in range(L)], float)
        K = np.where(d > 0, J / np.where(d > 0, d, 1) ** alpha, 0)
        H = np.zeros((n, n))
        for s in range(n):
            z = np.array([1 - 2 * ((s >> i) & 1) for i in range(L)])
            H[s, s] = 0.5 * z @ K @ z
            for i in range(L):
                H[s ^ (1 << i), s] -= hx
        e = np.linalg.eigvalsh(H)
        assert np.allclose(np.sort(g["energy"][0]), e, atol=1e-10)


def test_plot_script_draws_every_figure(files, tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "python"))
    import matplotlib.image as mpimg
    import qglass_plot

    _, red = files
    written = qglass_plot.make_figures(str(red), str(tmp_path), formats=("png", "svg"))
    names = {os.path.basename(p) for p in written}
    for stem in ("phase_diagram_L8_alpha0.7", "r_vs_hx_alpha0.7", "m_ea_vs_hx_alpha0.7"):
        assert f"{stem}.png" in names and f"{stem}.svg" in names, names
    for p in written:
        assert os.path.getsize(p) > 10_000, p
        if p.endswith(".png"):
            img = mpimg.imread(p)
            assert img.shape[0] > 500 and img.shape[1] > 800
            assert img[..., :3].std() > 0.05, f"{p} looks blank"
    # The CLI entry point (what `qglass plot` runs) works too.
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path / "cli"), "--format", "png"],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "cli" / "r_vs_hx_alpha0.7.png").exists()


def test_plot_script_refuses_before_creating_anything(files, tmp_path):
    """python/qglass_plot.py itself (not only `qglass plot`) refuses an unknown
    format and a campaign file with one line and status 2, creating no folder."""
    camp, red = files
    script = str(ROOT / "python" / "qglass_plot.py")
    for args, msg in [([str(red), "--format", "jpgx"], "error: unknown --format 'jpgx'"),
                      ([str(camp)], f"error: {camp} is not a reduced file"),
                      ([str(tmp_path / "nosuch.h5")], "no such file")]:
        out = tmp_path / "figs"
        res = subprocess.run(["python3", script, *args, "--out", str(out)], capture_output=True, text=True)
        assert res.returncode == 2, res.stderr
        assert msg in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert not out.exists()


def test_plot_script_dispatches_on_the_recorded_entry_and_refuses_the_rest(files, tmp_path):
    """The reduced file names its plot entry (`plot_module`); python/qglass_plot.py
    imports it and knows no study. A newer schema_version, a file without or with a
    broken plot entry: one line naming the version or the study, status 2, no folder."""
    import shutil
    import sys
    sys.path.insert(0, str(ROOT / "python"))
    import qglass_plot

    camp, red = files
    with h5py.File(red, "r") as f:
        assert f.attrs["plot_module"] == "qglass_plot_lrsg:plot"
        schema = int(f.attrs["schema_version"])
    with h5py.File(camp, "r") as f:
        # The script reads the schema this build writes.
        assert qglass_plot.SCHEMA_VERSION == int(f.attrs["schema_version"]) == schema

    def edited(name, **attrs):
        p = tmp_path / name
        shutil.copy(red, p)
        with h5py.File(p, "r+") as f:
            for k, v in attrs.items():
                if v is None:
                    del f.attrs[k]
                else:
                    f.attrs[k] = v
        return p

    script = str(ROOT / "python" / "qglass_plot.py")
    cases = [
        (edited("newer.h5", schema_version=np.int64(schema + 1)),
         f"schema_version {schema + 1} is newer than this qglass reads (up to {schema}); use a newer qglass"),
        (edited("old.h5", plot_module=None), "this 'lrsg' reduced file names no plot module (written by an older qglass); reduce its campaign files again"),
        (edited("nomodule.h5", study="nosuch", plot_module="qglass_plot_nosuch:plot"), "study 'nosuch': plot entry 'qglass_plot_nosuch:plot' is not a module:function"),
        (edited("nofunction.h5", plot_module="qglass_plot_lrsg:nosuch"), "study 'lrsg': qglass_plot_lrsg.py has no function 'nosuch'"),
    ]
    for path, msg in cases:
        out = tmp_path / "figs"
        res = subprocess.run(["python3", script, str(path), "--out", str(out)], capture_output=True, text=True)
        assert res.returncode == 2, res.stderr
        assert res.stderr.startswith(f"error: {path}: ") and msg in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert not out.exists()
    # `qglass plot` refuses the old file and the broken entry too, before python runs.
    for path, msg in cases[:2]:
        res = subprocess.run([QGLASS, "plot", str(path), "--out", str(tmp_path / "figs")], capture_output=True, text=True, env=ENV)
        assert res.returncode == 2 and msg in res.stderr, res.stderr
    # The entry is all that counts: an S1 file whose entry is swapped for a stub draws the stub's figure.
    stub = tmp_path / "stub"
    stub.mkdir()
    for name in ("qglass_plot.py",):
        shutil.copy(ROOT / "python" / name, stub / name)
    body = "import matplotlib.pyplot as plt\n\ndef draw(f, save, options):\n    fig = plt.figure()\n    save(fig, 'stub_' + f.attrs['study'])\n"
    swapped = edited("swapped.h5", plot_module="qglass_plot_stub:draw")

    def draw_stub(out):
        return subprocess.run(["python3", str(stub / "qglass_plot.py"), str(swapped), "--out", str(out), "--format", "png"],
                              capture_output=True, text=True)
    # A module that does not declare what its entry reads (READS) is refused.
    (stub / "qglass_plot_stub.py").write_text(body)
    res = draw_stub(tmp_path / "undeclared")
    assert res.returncode == 2 and "qglass_plot_stub.py declares no READS for 'draw'" in res.stderr, res.stderr
    assert not (tmp_path / "undeclared").exists()
    (stub / "qglass_plot_stub.py").write_text(body + "\nREADS = {'draw': ('@study',)}\n")
    res = draw_stub(tmp_path / "stubfigs")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "stubfigs" / "stub_lrsg.png").exists()
