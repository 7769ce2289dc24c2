"""h5py reads every dataset of the classical campaign and reduced files (studies
fields, avalanche, twoflip, tempering), the fields contract holds from Python,
and the plot script draws each study's figures.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass) under mpirun.
"""
import os
import subprocess

import h5py
import numpy as np
import pytest

from qgtest import ENV, QGLASS, ROOT, datasets, qglass

TABLES = {
    "fields": '[fields]\nL = [64, 128, 256]\nalpha = [0.6, 0.8]\nstate = ["sfs", "random"]\n',
    "avalanche": '[avalanche]\nL = [200]\nalpha = [0.7]\nhx = [0.05]\nstate = ["random", "sfs"]\nsteps = 200\n',
    "twoflip": '[twoflip]\nL = [50, 100, 200]\nalpha = [0.7]\nhx = [0.1]\nstate = ["random", "sfs"]\n',
    "tempering": '[tempering]\nL = [8, 16]\nalpha = 0.75\nT_min = 0.3\nT_max = 1.2\ntemperatures = 6\nsweeps = 64\nstages = 3\n',
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    d = tmp_path_factory.mktemp("classical")
    out = {}
    for study, table in TABLES.items():
        cfg = d / f"{study}.toml"
        cfg.write_text(f"[campaign]\nseed = 17\nrealizations = {30 if study == 'fields' else 12}\n\n" + table)
        camp, red = d / f"{study}.h5", d / f"{study}-reduced.h5"
        qglass("run", str(cfg), "--out", str(camp))
        res = qglass("reduce", str(camp), "--out", str(red), "--bootstrap", "20", ranks=1)
        out[study] = (camp, red, res.stdout)
    return out


@pytest.mark.parametrize("study", list(TABLES))
def test_every_dataset_reads(runs, study):
    camp, red, _ = runs[study]
    with h5py.File(camp, "r") as f:
        schema = int(f.attrs["schema_version"])
    for path in (camp, red):
        with h5py.File(path, "r") as f:
            assert f.attrs["study"] == study
            assert int(f.attrs["schema_version"]) == schema >= 1
            found = datasets(f)
            assert len(found) >= 8, path
            for name, ds in found:
                assert ds[()].shape == ds.shape, name
    with h5py.File(red, "r") as f:
        assert f.attrs["kind"] == "reduced"
        assert isinstance(f.attrs["input_commits"], str)
        assert f.attrs["plot_module"] == f"qglass_plot_classical:{study}"


def test_fields_contract_from_python(runs):
    camp, red, report = runs["fields"]
    with h5py.File(camp, "r") as f:
        g = f["fields/L128"]
        T = g["done"].shape[0]
        assert g["alpha"].dtype == np.float64 and g["alpha"].shape == (T,)
        assert g["realization"].dtype == np.int64 and g["realization"].shape == (T,)
        assert g["z"].dtype == np.int8 and g["z"].shape == (T, 128)
        assert g["phi"].dtype == np.float64 and g["phi"].shape == (T, 128)
        sfs = g["state"][:] == 1
        assert np.all(g["z"][sfs] * g["phi"][sfs] < 0)
        assert np.all(g["phi_hist"][:].sum(axis=1) + g["phi_underflow"][:] + g["phi_overflow"][:] == 128)
    with h5py.File(red, "r") as f:
        s = f["fields/summary"]
        x = s["x"][:][s["state"][:] == 1]
        assert np.all(np.isfinite(x)) and np.all(x > 0), x
        for k in f["fields"]:
            if k.startswith("set") and f[f"fields/{k}"].attrs["state"] == "random":
                g = f[f"fields/{k}"]
                dev = (g["phi_sq_mean"][:] - g["phi_sq_exact"][:]) / g["phi_sq_mean_err"][:]
                assert np.all(np.abs(dev) < 5), dev
    assert "x = " in report


def test_fits_record_their_degrees_of_freedom(runs, tmp_path):
    """S2 with three sizes drops the 1/L extrapolation to first order (one
    spare degree of freedom) and says so; S3/S4 fits record their dof, and a
    growth window of two steps (dof 0) is warned about."""
    _, red, report = runs["fields"]
    with h5py.File(red, "r") as f:
        for k in f["fields"]:
            if k.startswith("set"):
                a = f[f"fields/{k}"].attrs
                assert a["extrapolation_order"] == 1 and a["extrapolation_dof"] == 1, k
                assert a["fit_dof"] == a["fit_points"] - 2
        assert "is of order 1 with 1 spare degree(s) of freedom" in f.attrs["warnings"]
    assert "1/L order 1 dof 1" in report
    camp, red, _ = runs["avalanche"]
    with h5py.File(red, "r") as f:
        for k in f["avalanche"]:
            a = f[f"avalanche/{k}"].attrs
            assert a["fit_dof"] == a["fit_points"] - 2 > 0
    narrow = tmp_path / "narrow.h5"
    res = qglass("reduce", str(camp), "--out", str(narrow), "--bootstrap", "5", "--growth-window", "0.01,0.015", ranks=1)
    assert "(dof 0); the line passes through both points" in res.stdout, res.stdout
    with h5py.File(narrow, "r") as f:
        assert all(f[f"avalanche/{k}"].attrs["fit_dof"] == 0 for k in f["avalanche"])
    _, red, _ = runs["twoflip"]
    with h5py.File(red, "r") as f:
        for k in f["twoflip"]:
            assert f[f"twoflip/{k}"].attrs["exponent_all_dof"] == 1


def test_tempering_reduction_is_sane(runs):
    _, red, _ = runs["tempering"]
    with h5py.File(red, "r") as f:
        g = f["tempering/set0"]
        assert g["g"].shape == (2, 6)
        gg = g["g"][:]
        # Ordered at low T, disordered at high T, for both sizes.
        assert np.all(gg[:, 0] > gg[:, -1])
        assert np.all(g["exchange_acceptance_min"][:] > 0.05)
        assert g["crossings/Tc"].shape == (1,)


@pytest.mark.parametrize("study,stem", [("fields", "fields_sfs_alpha0.6"), ("avalanche", "avalanche_L200_hx0.05"),
                                        ("twoflip", "twoflip_hx0.1"), ("tempering", "binder_alpha0.75")])
def test_plot_draws_the_figures(runs, study, stem, tmp_path):
    import matplotlib.image as mpimg
    _, red, _ = runs[study]
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(tmp_path), "--format", "png,svg"],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    png = tmp_path / f"{stem}.png"
    assert png.exists() and (tmp_path / f"{stem}.svg").exists(), res.stdout
    img = mpimg.imread(png)
    assert img.shape[0] > 500 and img.shape[1] > 800
    assert img[..., :3].std() > 0.05, "blank figure"


def test_plot_survives_missing_fits(tmp_path):
    """Counts that are zero at every size give NaN exponents: the figure is still drawn."""
    import sys
    sys.path.insert(0, str(ROOT / "python"))
    from qglass_plot_classical import pm
    assert pm(float("nan"), 0.1) == r"\mathrm{nan}" and pm(1.234, float("nan")) == "1.23" and pm(1, 0.5) == r"1.00\pm0.50"
    if not os.path.exists(QGLASS):
        pytest.skip(f"{QGLASS} not built")
    cfg = tmp_path / "tiny.toml"
    cfg.write_text('[campaign]\nseed = 3\nrealizations = 3\n\n[twoflip]\nL = [12, 16]\nalpha = 0.7\nhx = [0.01]\nstate = ["sfs"]\n')
    qglass("run", str(cfg), "--out", str(tmp_path / "t.h5"))
    qglass("reduce", str(tmp_path / "t.h5"), "--out", str(tmp_path / "r.h5"), "--bootstrap", "5", ranks=1)
    res = subprocess.run([QGLASS, "plot", str(tmp_path / "r.h5"), "--out", str(tmp_path / "fig"), "--format", "png"],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "fig" / "twoflip_hx0.01.png").exists()
