"""Helpers shared by the Python tests: the built executable and how to launch it."""
import os
import pathlib
import subprocess

import h5py

ROOT = pathlib.Path(__file__).resolve().parents[2]
QGLASS = os.environ.get("QGLASS_BIN", str(ROOT / ".build" / "debug" / "qglass"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def qglass(*args, ranks=2):
    """Runs the built qglass under mpirun; asserts success."""
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", "none", QGLASS, *args]
    res = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def datasets(f):
    """Every (name, dataset) below an open h5py file or group."""
    found = []
    f.visititems(lambda name, obj: found.append((name, obj)) if isinstance(obj, h5py.Dataset) else None)
    return found


def payload(path):
    """Every dataset of an HDF5 file by name, timings left out (the datasets
    whose name contains "seconds"): what must be bit-identical for any rank
    count and after a restart."""
    with h5py.File(path, "r") as f:
        return {name: ds[()] for name, ds in datasets(f) if "seconds" not in name.split("/")[-1]}
