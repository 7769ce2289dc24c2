"""`qglass ed --model xxz|heisenberg-o3` (interface contract of the issue "one
room per model"): layouts, the stored disorder rebuilds the Hamiltonian in numpy
with the same spectrum, group sizes 1 and 2 agree, and flag refusals."""
import subprocess

import pytest

import h5py
import numpy as np

from qgtest import ENV, QGLASS, mpirun, qglass

SX = np.array([[0, 1], [1, 0]], dtype=complex)
SY = np.array([[0, -1j], [1j, 0]])
SZ = np.array([[1, 0], [0, -1]], dtype=complex)


def site_op(op, i, L):
    """Pauli `op` on site i; basis index s = sum_i b_i 2^i with b_i = 0 meaning Z_i = +1."""
    out = np.array([[1.0 + 0j]])
    for k in reversed(range(L)):
        out = np.kron(out, op if k == i else np.eye(2))
    return out


def xxz_dense(h, delta=1.0):
    L = len(h)
    H = sum(0.25 * (site_op(SX, i, L) @ site_op(SX, (i + 1) % L, L) + site_op(SY, i, L) @ site_op(SY, (i + 1) % L, L)
                    + delta * site_op(SZ, i, L) @ site_op(SZ, (i + 1) % L, L)) for i in range(L))
    return H + sum(0.5 * h[i] * site_op(SZ, i, L) for i in range(L))


def o3_dense(v, W, J=1.0):
    L = len(v)
    H = sum(0.5 * J * sum(site_op(P, i, L) @ site_op(P, (i + 1) % L, L) for P in (SX, SY, SZ)) for i in range(L))
    return H + sum(0.5 * W * (v[i][0] * site_op(SX, i, L) + v[i][1] * site_op(SY, i, L) + v[i][2] * site_op(SZ, i, L)) for i in range(L))


def test_xxz_contract_and_numpy_spectrum(tmp_path):
    out = tmp_path / "xxz.h5"
    qglass("ed", "--model", "xxz", "--L", "6,8", "--W", "0.5,8", "--realizations", "2", "--seed", "3", "--out", str(out))
    with h5py.File(out, "r") as f:
        for L in (6, 8):
            g = f[f"xxz/L{L}"]
            D = {6: 20, 8: 70}[L]
            assert g["energy"].shape == (4, D) and g["r"].shape == (4, D) and g["h"].shape == (4, L)
            assert g["W"].shape == (4,) and g["realization"].dtype == np.int64 and g["done"][:].all()
            assert np.isnan(g["r"][:, 0]).all() and np.isnan(g["r"][:, -1]).all()
            assert np.all(np.diff(g["energy"][:], axis=1) >= 0)
        g = f["xxz/L6"]
        W, h, E = g["W"][:], g["h"][:], g["energy"][:]
        # A realization keeps its disorder across W: h / W is the same unit draw.
        for r in range(2):
            rows = np.where(g["realization"][:] == r)[0]
            assert np.allclose(h[rows[0]] / W[rows[0]], h[rows[1]] / W[rows[1]], rtol=0, atol=1e-15)
        for t in range(4):
            full = np.linalg.eigvalsh(xxz_dense(h[t]))
            # The S^z = 0 sector: 3 up, 3 down; pick those levels from the full spectrum.
            ev, vec = np.linalg.eigh(xxz_dense(h[t]))
            mz = np.real(np.einsum("in,ij,jn->n", vec.conj(), sum(site_op(SZ, i, 6) for i in range(6)), vec))
            sector = np.sort(ev[np.abs(mz) < 1e-6])
            assert np.allclose(sector, E[t], atol=1e-10), (sector[:4], E[t][:4])
            assert len(full) == 64


def test_heisenberg_o3_contract_groups_and_numpy_spectrum(tmp_path):
    a, b = tmp_path / "g1.h5", tmp_path / "g2.h5"
    args = ["ed", "--model", "heisenberg-o3", "--L", "4,6", "--W", "0.5,8", "--realizations", "2", "--seed", "5"]
    qglass(*args, "--out", str(a))
    qglass(*args, "--group-size", "2", "--out", str(b))
    with h5py.File(a, "r") as f, h5py.File(b, "r") as g:
        for L in (4, 6):
            assert f[f"heisenberg_o3/L{L}/v"].shape == (4, L, 3)
            assert f[f"heisenberg_o3/L{L}/energy"].shape == (4, 2 ** L)
            assert np.array_equal(f[f"heisenberg_o3/L{L}/v"][:], g[f"heisenberg_o3/L{L}/v"][:])
            # LAPACK (zheevd) on one rank vs ScaLAPACK (pzheevd) on a group of two.
            assert np.allclose(f[f"heisenberg_o3/L{L}/energy"][:], g[f"heisenberg_o3/L{L}/energy"][:], atol=1e-10)
            assert np.allclose(f[f"heisenberg_o3/L{L}/m_ea"][:], g[f"heisenberg_o3/L{L}/m_ea"][:], atol=1e-10)
        v, W, E = f["heisenberg_o3/L4/v"][:], f["heisenberg_o3/L4/W"][:], f["heisenberg_o3/L4/energy"][:]
        for t in range(4):
            assert np.allclose(np.linalg.eigvalsh(o3_dense(v[t], W[t])), E[t], atol=1e-10)


def test_chain_flag_refusals(tmp_path):
    for args, text in [(("--model", "xxz", "--L", "6", "--alpha", "0.7", "--W", "1"), "--alpha does not apply"),
                       (("--model", "xxz", "--L", "6"), "needs --W"),
                       (("--model", "heisenberg-o3", "--L", "6", "--W", "1", "--delta", "0.5"), "--delta does not apply"),
                       (("--model", "lrsg", "--L", "6", "--alpha", "0.7", "--hx", "1", "--W", "1"), "--W does not apply"),
                       (("--model", "xxz", "--L", "6", "--W", "nan"), "--W"),
                       (("--model", "nosuch", "--L", "6", "--W", "1"), "unknown model"),
                       (("--model", "xxz", "--L", "6", "--W", "1", "--entanglement"), "--entanglement does not apply to --model xxz"),
                       (("--model", "heisenberg-o3", "--L", "6", "--W", "1", "--entanglement"),
                        "--entanglement does not apply to --model heisenberg-o3")]:
        res = mpirun("ed", *args, "--realizations", "1", "--seed", "1", "--out", tmp_path / "x.h5", timeout=120)
        assert res.returncode != 0 and text in res.stderr, (args, res.stderr)
        if "--entanglement" in args:  # a pre-MPI refusal: exit status 2, one line
            assert res.returncode == 2 and res.stderr.count("error:") == 1, (args, res.returncode, res.stderr)
        assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize("model", ["xxz", "heisenberg-o3"])
def test_chain_models_refuse_the_lrsg_only_flags(tmp_path, model):
    """Issue 21, 2.5: --boundary, --eps-bins and --store-eigenstates-max-L were ignored by the chain models
    (exit 0, periodic chain); now refused before MPI, one line naming the given flags with the verb agreeing."""
    for args, text in [(("--boundary", "open"), "error: --boundary does not apply to --model " + model),
                       (("--boundary", "periodic"), "error: --boundary does not apply"),
                       (("--eps-bins", "10"), "error: --eps-bins does not apply"),
                       (("--store-eigenstates-max-L", "4"), "error: --store-eigenstates-max-L does not apply"),
                       (("--boundary", "open", "--eps-bins", "10"), "error: --boundary and --eps-bins do not apply"),
                       (("--k", "4", "--target-eps", "0.5", "--filter-degree", "3"),
                        "error: --k, --target-eps and --filter-degree do not apply to --model " + model)]:
        out = tmp_path / "x.h5"
        res = subprocess.run([QGLASS, "ed", "--model", model, "--L", "4", "--W", "1", *args, "--realizations", "1", "--seed", "1",
                              "--out", str(out)], env=ENV, capture_output=True, text=True, timeout=120)
        assert res.returncode == 2, (args, res.returncode, res.stderr)
        assert res.stderr.strip().count("\n") == 0 and text in res.stderr, (args, res.stderr)
        assert not out.exists()


@pytest.mark.parametrize("model, args, flags", [
    ("lrsg", ("--alpha", "0.7", "--hx", "0.5", "--complex-lapack-driver", "zheevr"), "--complex-lapack-driver does"),
    ("xxz", ("--W", "1", "--complex-scalapack-driver", "pzheevd"), "--complex-scalapack-driver does"),
    ("heisenberg-o3", ("--W", "1", "--lapack-driver", "dsyevr", "--scalapack-driver", "pdsyevr"),
     "--lapack-driver and --scalapack-driver do"),
])
def test_eigensolver_flags_of_the_other_number_field_are_refused(tmp_path, model, args, flags):
    """Review of issue 21: the complex drivers were accepted for the real models (and the real ones for the
    complex model), ignored by the solve, yet written into the canonical config, so that a later --resume
    without them was refused as another config. Now refused in one line, nothing written."""
    out = tmp_path / "x.h5"
    res = subprocess.run([QGLASS, "ed", "--model", model, "--L", "4", *args, "--realizations", "1", "--seed", "1",
                          "--out", str(out)], env=ENV, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip() == f"error: {flags} not apply to --model {model}", res.stderr
    assert not out.exists()
