"""Golden payload checksums: every study's campaign and reduced files of a tiny
config, checksummed object by object, so that a refactoring that must not
change payloads can prove it did not (Tests/Python/test_golden_payloads.py).

    python3 Tests/Python/golden.py --update   # rewrite Tests/Fixtures/golden/checksums.json

Whoever changes a payload on purpose reruns --update in the same commit and
says why in the commit message. Objects that are not in the golden file (new
datasets or attributes) are allowed; every golden object must be present and
equal. Provenance that legitimately differs between builds and runs (times,
commits, paths, library versions, thread counts) is not checksummed.
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = ROOT / "Tests" / "Fixtures" / "golden"
CHECKSUMS = FIXTURES / "checksums.json"
QGLASS = os.environ.get("QGLASS_BIN", str(ROOT / ".build" / "debug" / "qglass"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")

# Attributes that record the run, not the payload.
PROVENANCE_ATTRS = {
    "created", "git_commit", "last_resumed", "config", "mpi_library", "blas_core", "qglass_version",
    "reducer_version", "inputs", "input_commits", "world_size", "blas_threads", "lock", "host",
}


def _digest(value):
    h = hashlib.sha256()
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        h.update(b"str:" + value.encode())
    else:
        a = np.asarray(value)
        if a.dtype.kind in "OSU":
            h.update(b"strs:" + "\x1f".join(x.decode() if isinstance(x, bytes) else str(x) for x in a.ravel()).encode())
        else:
            a = np.ascontiguousarray(a)
            h.update(f"{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def checksums(path):
    """{object key: sha256} for every dataset (timings excluded) and attribute (provenance excluded)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for k, v in obj.attrs.items():
                if k not in PROVENANCE_ATTRS:
                    out[f"/{name}@{k}"] = _digest(v)
            if isinstance(obj, h5py.Dataset) and "seconds" not in name.rsplit("/", 1)[-1]:
                out[f"/{name}"] = _digest(obj[()])
        for k, v in f.attrs.items():
            if k not in PROVENANCE_ATTRS:
                out[f"/@{k}"] = _digest(v)
        f.visititems(visit)
    return out


def run(*args, ranks=2):
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", "none", QGLASS, *args]
    res = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        raise RuntimeError(" ".join(cmd) + "\n" + res.stdout + res.stderr)
    return res


def produce(workdir):
    """Runs every fixture config and reduces it; {'study/campaign': sums, 'study/reduced': sums}."""
    result = {}
    for cfg in sorted(FIXTURES.glob("*.toml")):
        study = cfg.stem
        camp = pathlib.Path(workdir) / f"{study}.h5"
        red = pathlib.Path(workdir) / f"{study}-reduced.h5"
        run("run", str(cfg), "--out", str(camp), "--force")
        run("reduce", str(camp), "--out", str(red), "--force", "--bootstrap", "50")
        result[f"{study}/campaign"] = checksums(camp)
        result[f"{study}/reduced"] = checksums(red)
    return result


def compare(golden, now):
    """Lines describing golden objects that are missing or differ."""
    problems = []
    for file_key, objs in golden.items():
        got = now.get(file_key)
        if got is None:
            problems.append(f"{file_key}: not produced")
            continue
        for obj, digest in objs.items():
            if obj not in got:
                problems.append(f"{file_key}: {obj} missing")
            elif got[obj] != digest:
                problems.append(f"{file_key}: {obj} differs")
    return problems


def main(argv):
    with tempfile.TemporaryDirectory(prefix="qglass-golden-") as d:
        now = produce(d)
    if "--update" in argv:
        CHECKSUMS.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {CHECKSUMS} ({sum(len(v) for v in now.values())} objects)")
        return 0
    problems = compare(json.loads(CHECKSUMS.read_text()), now)
    print("\n".join(problems) if problems else "golden payloads: identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
