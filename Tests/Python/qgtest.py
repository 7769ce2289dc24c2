"""Helpers shared by the Python tests: the built executable and how to launch it."""
import os
import pathlib
import subprocess

import h5py

ROOT = pathlib.Path(__file__).resolve().parents[2]
QGLASS = os.environ.get("QGLASS_BIN", str(ROOT / ".build" / "debug" / "qglass"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def mpirun_cmd(*args, ranks=2, exe=QGLASS):
    """The one mpirun command line of the tests: `exe args` on `ranks` ranks,
    unbound and oversubscribed (3 ranks on a 2-core machine)."""
    return ["mpirun", "-n", str(ranks), "--oversubscribe", "--bind-to", "none", str(exe), *map(str, args)]


def mpirun(*args, ranks=2, timeout=600, check=False, exe=QGLASS, **kwargs):
    """Runs `exe args` (the built qglass by default) under mpirun
    (`mpirun_cmd`) with ENV, output captured as text; returns the
    CompletedProcess. `check`: assert exit status 0. Every Python test that
    launches MPI ranks goes through here (or through cluster/mpirun.sh where
    the wrapper itself is under test)."""
    res = subprocess.run(mpirun_cmd(*args, ranks=ranks, exe=exe), env=kwargs.pop("env", ENV), capture_output=True,
                         text=True, timeout=timeout, **kwargs)
    if check:
        assert res.returncode == 0, res.stdout + res.stderr
    return res


def qglass(*args, ranks=2, timeout=600):
    """Runs the built qglass under mpirun; asserts success."""
    return mpirun(*args, ranks=ranks, timeout=timeout, check=True)


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
