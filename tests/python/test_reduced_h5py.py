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


def test_every_dataset_of_the_reduced_file_reads(files):
    _, red = files
    with h5py.File(red, "r") as f:
        assert f.attrs["kind"] == "reduced"
        assert f.attrs["study"] == "lrsg"
        assert int(f.attrs["schema_version"]) == 2
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
