"""The complex Hermitian drivers of the S10b O(3) path (issue 21 §5):
`complex_lapack_driver = "zheevr"` and `complex_scalapack_driver = "pzheevr"`
against the zheevd / pzheevd defaults on 1, 2 and 3 ranks, through the
config key and the `ed` flag; bad names refused."""

import h5py
import numpy as np

from qgtest import mpirun, qglass


CONFIG = """
[campaign]
seed = 31
realizations = 2
group_size = {group}
{drivers}

[heisenberg_o3]
L = [6, 8]
W = [1.0, 4.0]
matrix_elements = true
operator_site = 0
window = 0.3
"""

# Stored floats that depend on the eigenvector phases or on timing.
SKIP = ("seconds", "residual_max", "orthogonality_max")


def run_config(tmp_path, name, group, ranks, drivers=""):
    cfg = tmp_path / f"{name}.toml"
    out = tmp_path / f"{name}.h5"
    cfg.write_text(CONFIG.format(group=group, drivers=drivers))
    qglass("run", str(cfg), "--out", str(out), ranks=ranks)
    return out


def compare(a, b):
    """Every dataset of two O(3) files: integers exact, floats to 1e-9."""
    checked = 0
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for n in names:
            if any(s in n.split("/")[-1] for s in SKIP):
                continue
            x, y = f[n][()], g[n][()]
            if np.issubdtype(np.asarray(x).dtype, np.floating):
                np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-10, equal_nan=True, err_msg=n)
            else:
                assert np.array_equal(x, y), n
            checked += 1
        assert f["heisenberg_o3/L8/energy"].shape == (4, 256)
        assert "heisenberg_o3/L8/m_ea" in f and "heisenberg_o3/L8/energy" in f
    assert checked > 20
    return checked


def test_zheevr_matches_zheevd_on_one_and_two_ranks(tmp_path):
    ref = run_config(tmp_path, "zheevd", group=1, ranks=1, drivers='complex_lapack_driver = "zheevd"')
    one = run_config(tmp_path, "zheevr1", group=1, ranks=1, drivers='complex_lapack_driver = "zheevr"')
    two = run_config(tmp_path, "zheevr2", group=1, ranks=2, drivers='complex_lapack_driver = "zheevr"')
    compare(ref, one)
    compare(ref, two)
    with h5py.File(one, "r") as f:
        assert 'complex_lapack_driver = "zheevr"' in f.attrs["config_canonical"]
        assert f["heisenberg_o3/L8/residual_max"][:].max() < 1e-10


def test_pzheevr_matches_pzheevd_on_two_and_three_ranks(tmp_path):
    ref = run_config(tmp_path, "serial", group=1, ranks=1)
    with h5py.File(ref, "r") as f:
        # Defaults are not written, so real-model files keep their canonical text.
        assert "complex_" not in f.attrs["config_canonical"]
    for ranks in (2, 3):
        for d in ("pzheevd", "pzheevr"):
            out = run_config(tmp_path, f"{d}{ranks}", group=ranks, ranks=ranks, drivers=f'complex_scalapack_driver = "{d}"')
            compare(ref, out)


def test_ed_flag_selects_the_driver_and_bad_names_are_refused(tmp_path):
    out = tmp_path / "ed.h5"
    qglass("ed", "--model", "heisenberg-o3", "--L", "6", "--W", "2", "--realizations", "1", "--seed", "4",
           "--complex-lapack-driver", "zheevr", "--out", str(out), ranks=1)
    with h5py.File(out, "r") as f:
        assert 'complex_lapack_driver = "zheevr"' in f.attrs["config_canonical"]
    for flag, value in (("--complex-lapack-driver", "zheevx"), ("--complex-scalapack-driver", "pdsyevd")):
        bad = tmp_path / "bad.h5"
        res = mpirun("ed", "--model", "heisenberg-o3", "--L", "6", "--W", "2", "--realizations", "1", "--seed", "4",
                     flag, value, "--out", bad, ranks=1, timeout=120)
        assert res.returncode == 2, res.stderr
        assert flag.lstrip("-").replace("-", "_") in res.stderr and value in res.stderr, res.stderr
        assert not bad.exists()
