"""What the plot modules read, against what the reducer writes (issue 22, step 2).

Every study's golden fixture config (Tests/Fixtures/golden, as golden.py runs
them) and two S1 variants (entanglement = true; the mid-spectrum solver with
open boundaries) are run and reduced once per session. Then:

* each plot entry reads, while it draws its fixture, only objects its module
  declares in READS (python/qglass_plot.py, "The READS rule"), traced by
  wrapping h5py's group and attribute access;
* every READS pattern exists in a reduced file of its entry, and the ones
  without "?" in every one; `qglass plot` refuses a file that lacks one;
* the reduced file records each input's path and stored config under
  /input_configs/{i} (docs/hdf5-schema.md), and the S1 figures name the solver,
  k and boundary from it.

Runs the built executable (QGLASS_BIN, default .build/debug/qglass).
"""
import contextlib
import importlib
import os
import shutil
import subprocess
import sys
import types

import h5py
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import golden  # noqa: E402
from qgtest import ENV, QGLASS, ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "python"))
import qglass_plot  # noqa: E402

pytestmark = pytest.mark.skipif(not os.path.exists(QGLASS), reason=f"{QGLASS} not built")

FIXTURES = sorted(p.stem for p in golden.FIXTURES.glob("*.toml"))
# S1 settings that the golden lrsg fixture leaves at their defaults.
EXTRA = {
    "lrsg_entanglement": "[campaign]\nseed = 4\nrealizations = 2\n\n[lrsg]\nL = [6, 8]\nalpha = [0.7]\n"
                         "hx = [0.05, 1.0]\nentanglement = true\n",
    "lrsg_midspectrum": "[campaign]\nseed = 7\nrealizations = 2\n\n[lrsg]\nL = [8, 10]\nalpha = [0.7]\nhx = [0.3, 1.0]\n"
                        "solver = \"midspectrum\"\nk = 12\nboundary = \"open\"\n",
}
NAMES = FIXTURES + sorted(EXTRA)


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    """{name: (campaign path, reduced path)} for every fixture and extra config."""
    work = tmp_path_factory.mktemp("plot-reads")
    configs = {name: golden.FIXTURES / f"{name}.toml" for name in FIXTURES}
    for name, text in EXTRA.items():
        configs[name] = work / f"{name}.toml"
        configs[name].write_text(text)
    out = {}
    for name, cfg in configs.items():
        camp, red = work / f"{name}.h5", work / f"{name}-reduced.h5"
        golden.run("run", str(cfg), "--out", str(camp), "--force")
        golden.run("reduce", str(camp), "--out", str(red), "--force", "--bootstrap", "20")
        out[name] = (camp, red)
    return out


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def entry_of(path):
    with h5py.File(path, "r") as f:
        return _text(f.attrs["plot_module"])


def reads_of(entry):
    module, _, function = entry.partition(":")
    return importlib.import_module(module).READS[function]


@contextlib.contextmanager
def traced():
    """The objects read through h5py while inside, as READS names them:
    groups and datasets opened or probed with `in`, attributes read or probed."""
    seen = set()
    g_get, g_has = h5py.Group.__getitem__, h5py.Group.__contains__
    a_get, a_has = h5py.AttributeManager.__getitem__, h5py.AttributeManager.__contains__

    def name(path):
        return path.strip("/")

    def owner(attrs):
        return name(h5py.h5i.get_name(attrs._id).decode())

    def group_get(self, key):
        obj = g_get(self, key)
        if isinstance(obj, (h5py.Group, h5py.Dataset)):
            seen.add(name(obj.name))
        return obj

    def group_has(self, key):
        seen.add(name(key if key.startswith("/") else f"{self.name}/{key}"))
        return g_has(self, key)

    def attr_get(self, key):
        seen.add(f"{owner(self)}@{key}")
        return a_get(self, key)

    def attr_has(self, key):
        seen.add(f"{owner(self)}@{key}")
        return a_has(self, key)

    h5py.Group.__getitem__, h5py.Group.__contains__ = group_get, group_has
    h5py.AttributeManager.__getitem__, h5py.AttributeManager.__contains__ = attr_get, attr_has
    try:
        yield seen
    finally:
        h5py.Group.__getitem__, h5py.Group.__contains__ = g_get, g_has
        h5py.AttributeManager.__getitem__, h5py.AttributeManager.__contains__ = a_get, a_has


def declared(obj, reads):
    """Whether the traced object `obj` is a READS pattern's object or one of its groups."""
    for p in reads:
        if qglass_plot.read_pattern(p).match(obj):
            return True
        parts = p.removesuffix("?").split("@")[0].split("/")
        if any(qglass_plot.read_pattern("/".join(parts[:k])).match(obj) for k in range(1, len(parts) + 1)):
            return True
    return obj == ""


def draw(path):
    """Draws the reduced file with its plot entry (figures closed); the objects read."""
    entry = entry_of(path)
    module, _, function = entry.partition(":")
    fn = getattr(importlib.import_module(module), function)
    names = []

    def save(fig, name):
        fig.canvas.draw()
        names.append((name, fig))

    with h5py.File(path, "r") as f, traced() as seen:
        fn(f, save, types.SimpleNamespace(L=None, all_L=True))
    return seen, names


@pytest.mark.parametrize("name", NAMES)
def test_plot_entry_reads_only_what_its_module_declares(reduced, name):
    path = reduced[name][1]
    reads = reads_of(entry_of(path))
    seen, figs = draw(path)
    plt.close("all")
    assert figs, f"{name}: no figure drawn"
    undeclared = sorted(o for o in seen if not declared(o, reads))
    assert not undeclared, f"{entry_of(path)} reads objects its READS does not declare: {undeclared}"
    with h5py.File(path, "r") as f:
        assert qglass_plot.missing_reads(f, reads) == []


def test_every_declared_object_exists_in_a_reduced_file(reduced):
    """Each READS pattern of every plot entry, "?" ones included, names an
    object of at least one reduced fixture of that entry, and every entry that
    the modules declare has a fixture."""
    names_by_entry = {}
    for _, red in reduced.values():
        with h5py.File(red, "r") as f:
            names_by_entry.setdefault(entry_of(red), []).extend(qglass_plot.object_names(f))
    modules = sorted(p.stem for p in (ROOT / "python").glob("qglass_plot_*.py"))
    declared_entries = {f"{m}:{fn}" for m in modules for fn in importlib.import_module(m).READS}
    assert declared_entries == set(names_by_entry), "plot entries without a fixture, or fixtures of an undeclared entry"
    absent = [f"{entry}: {p}" for entry, names in names_by_entry.items() for p in reads_of(entry)
              if not any(qglass_plot.read_pattern(p).match(n) for n in names)]
    assert not absent, "declared but written by no reducer:\n" + "\n".join(absent)


def test_plot_refuses_a_reduced_file_lacking_a_declared_object(reduced, tmp_path):
    red = tmp_path / "twospin-reduced.h5"
    shutil.copy(reduced["twospin"][1], red)
    with h5py.File(red, "r+") as f:
        del f["twospin/fit/exponent"]
    out = tmp_path / "figs"
    res = subprocess.run([QGLASS, "plot", str(red), "--out", str(out)], env=ENV, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "twospin/fit/exponent" in lines[0] and "qglass_plot_twospin:plot" in lines[0], res.stderr
    assert not out.exists()


@pytest.mark.parametrize("name", NAMES)
def test_reduced_file_records_each_input_config(reduced, name):
    camp, red = reduced[name]
    with h5py.File(camp, "r") as c:
        stored = _text(c.attrs["config_canonical"])
    with h5py.File(red, "r") as f:
        g = f["input_configs"]
        assert list(g) == ["0"]
        assert _text(g["0"].attrs["file"]) == str(camp)
        assert _text(g["0"].attrs["config_canonical"]) == stored


def test_reduced_file_records_every_input_in_order(tmp_path):
    """Two inputs of one S1 campaign split over L: one group per input, in
    input order, each with its own path and config."""
    files = []
    for L in (8, 6):
        camp = tmp_path / f"L{L}.h5"
        golden.run("run", str(golden.FIXTURES / "lrsg.toml"), "--set", f"lrsg.L=[{L}]", "--out", str(camp), "--force")
        files.append(camp)
    red = tmp_path / "both.h5"
    golden.run("reduce", *map(str, files), "--out", str(red), "--bootstrap", "20")
    with h5py.File(red, "r") as f:
        g = f["input_configs"]
        assert sorted(g, key=int) == ["0", "1"]
        for i, camp in enumerate(files):
            with h5py.File(camp, "r") as c:
                assert _text(g[str(i)].attrs["config_canonical"]) == _text(c.attrs["config_canonical"])
            assert _text(g[str(i)].attrs["file"]) == str(camp)
        assert "L = [8]" in _text(g["0"].attrs["config_canonical"]) and "L = [6]" in _text(g["1"].attrs["config_canonical"])


def test_s1_figures_name_the_solver_k_and_boundary(reduced):
    _, figs = draw(reduced["lrsg_midspectrum"][1])
    titles = {n: fig.axes[0].get_title() for n, fig in figs if n.startswith("r_vs_hx")}
    assert titles and all("mid-spectrum k = 12, open" in t for t in titles.values()), titles
    _, figs = draw(reduced["lrsg"][1])
    titles = {n: fig.axes[0].get_title() for n, fig in figs if n.startswith("r_vs_hx")}
    assert titles and all("dense ED, periodic" in t for t in titles.values()), titles
    plt.close("all")
