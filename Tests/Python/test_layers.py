"""The layers of docs/design.md ("Layers"), checked on the package description
SwiftPM itself evaluates (`swift package dump-package` on Package.swift) and
on the sources' imports:

* the campaign layer reaches SLEPc only through QGED's solver policy: neither
  QGCampaign nor any of its dependencies other than QGED depends on QGSLEPc
  or CSLEPc, and no QGCampaign source imports them;
* the physics layer and its tests link no MPI: the dependency closures of
  QGPhysics and QGPhysicsTests hold no MPI target (nor the distributed linear
  algebra, which runs over MPI);
* the serial linear algebra links no MPI;
* QGNumerics, where present, depends on nothing.
"""
import json
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ROOT / "Sources"
MPI_TARGETS = {"CMPI", "QGMPI", "CScaLAPACK", "QGDistributedLinearAlgebra"}
SLEPC_TARGETS = {"QGSLEPc", "CSLEPc"}


@pytest.fixture(scope="module")
def graph():
    """Target name -> names of the package's targets it depends on directly
    (products of other packages left out). The manifest is evaluated in a
    scratch directory so that a running build's lock on .build is not waited for."""
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(ROOT / "Package.swift", scratch)
        res = subprocess.run(["swift", "package", "dump-package"], cwd=scratch, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    targets = json.loads(res.stdout)["targets"]
    names = {t["name"] for t in targets}
    out = {}
    for t in targets:
        deps = set()
        for d in t["dependencies"]:
            kind, value = next(iter(d.items()))
            if kind in ("byName", "target") and value[0] in names:
                deps.add(value[0])
        out[t["name"]] = deps
    return out


def closure(graph, name):
    """Every target `name` depends on, directly or not."""
    seen, todo = set(), list(graph[name])
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(graph[n])
    return seen


def test_campaign_reaches_slepc_only_through_qged(graph):
    assert not graph["QGCampaign"] & SLEPC_TARGETS, graph["QGCampaign"]
    for dep in graph["QGCampaign"] - {"QGED"}:
        assert not closure(graph, dep) & SLEPC_TARGETS, f"QGCampaign reaches SLEPc through {dep}"
    for path in sorted((SOURCES / "QGCampaign").rglob("*.swift")):
        for module in SLEPC_TARGETS:
            assert not re.search(rf"^\s*(@\w+\s+)*import\s+{module}\b", path.read_text(), re.M), \
                f"{path.relative_to(ROOT)} imports {module}"


@pytest.mark.parametrize("target", ["QGPhysics", "QGPhysicsTests", "QGLinearAlgebra"])
def test_links_no_mpi(graph, target):
    assert not closure(graph, target) & MPI_TARGETS, sorted(closure(graph, target) & MPI_TARGETS)


def test_ed_tests_have_their_own_target(graph):
    assert "QGED" in graph["QGEDTests"]
    assert "QGED" not in closure(graph, "QGPhysicsTests")


def test_numerics_depends_on_nothing(graph):
    if "QGNumerics" not in graph:
        pytest.skip("no QGNumerics target in this tree")
    assert graph["QGNumerics"] == set()
