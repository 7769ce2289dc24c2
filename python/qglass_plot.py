#!/usr/bin/env python3
"""Figures of a reduced qglass file (docs/hdf5-schema.md).

    python3 python/qglass_plot.py REDUCED.h5 --out DIR [--format png,svg] [--L 12] [--all-L]

or `qglass plot REDUCED.h5 --out DIR`. Each study owns its figures: the reduced
file's root attribute `plot_module` ("module:function", written by the study's
reducer) names a module in this folder and the function that draws the file. It
is called as function(f, save, options): f the open h5py file, save(fig, name)
writes one figure in every --format, options has L and all_L. This script only
checks the file and dispatches; it knows no study. The modules of this build:

  qglass_plot_lrsg       S1 (lrsg): phase diagrams, <r>/<m_EA> vs h_x, collapses
  qglass_plot_classical  S2-S4, S7: one function per study (fields, avalanche, twoflip, tempering)
  qglass_plot_chains     xxz, heisenberg_o3: <r> and <m_EA> vs W per L

The READS rule. Each module declares what it reads, once, in a dict READS:
entry function -> tuple of patterns, "group/dataset" or "group@attribute"
("@attribute" on the root), without a leading "/"; "*" stands for any one path
component (e.g. "fields/*@alpha" for every set group); a trailing "?" marks an
object read only where the file holds it (it depends on the campaign's
settings). check() refuses a file that lacks a pattern without "?" before
anything is drawn; Tests/Python/test_plot_reads.py draws every study's fixture
and checks that the module reads nothing undeclared and that the reducer writes
every pattern.
"""
import argparse
import importlib
import os
import re
import sys
import types

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The newest schema_version this script reads: Provenance.schemaVersion of the
# qglass it ships with (a test compares the two).
SCHEMA_VERSION = 2

plt.rcParams.update({
    "font.size": 13, "axes.labelsize": 15, "axes.titlesize": 14, "legend.fontsize": 12,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "figure.dpi": 150, "savefig.dpi": 150,
})


class PlotRefusal(Exception):
    """A reason not to plot, found before anything is created."""


def _text(v):
    return v.decode() if isinstance(v, bytes) else (None if v is None else str(v))


def read_pattern(pattern):
    """The regular expression of a READS pattern (the "?" mark dropped)."""
    parts = re.split(r"(\*)", pattern.removesuffix("?"))
    return re.compile("".join("[^/@]+" if p == "*" else re.escape(p) for p in parts) + r"\Z")


def object_names(f):
    """Every object of an open file as READS names it: "@attr" on the root,
    "group", "group/dataset", "group@attr"."""
    names = [f"@{k}" for k in f.attrs]

    def visit(name, obj):
        names.append(name)
        names.extend(f"{name}@{k}" for k in obj.attrs)
    f.visititems(visit)
    return names


def missing_reads(f, reads):
    """The patterns of `reads` without "?" that match no object of the open file f."""
    names = object_names(f)
    return [p for p in reads if not p.endswith("?") and not any(read_pattern(p).match(n) for n in names)]


def check(path, formats):
    """Returns the drawing function of the reduced file at `path`. Raises
    PlotRefusal (one line) for an unknown format, a missing or non-HDF5 file, a
    file that is not a reduced qglass file, a newer schema_version, or a file
    whose plot entry is missing or cannot be imported. Creates nothing."""
    supported = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    for fmt in formats:
        if fmt not in supported:
            raise PlotRefusal(f"unknown --format '{fmt}'; matplotlib writes {', '.join(sorted(supported))}")
    if not os.path.isfile(path):
        raise PlotRefusal(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            kind, version = _text(f.attrs.get("kind")), f.attrs.get("schema_version")
            study, entry = _text(f.attrs.get("study")), _text(f.attrs.get("plot_module"))
    except OSError:
        raise PlotRefusal(f"{path}: not a readable HDF5 file") from None
    if kind != "reduced":
        raise PlotRefusal(f"{path} is not a reduced file (a campaign file?); run `qglass reduce {path} --out REDUCED.h5` first and plot REDUCED.h5")
    if version is None:
        raise PlotRefusal(f"{path}: has no 'schema_version' attribute; not a file written by qglass")
    if int(version) > SCHEMA_VERSION:
        raise PlotRefusal(f"{path}: schema_version {int(version)} is newer than this qglass reads (up to {SCHEMA_VERSION}); use a newer qglass")
    if not entry:
        raise PlotRefusal(f"{path}: this '{study}' reduced file names no plot module (written by an older qglass); reduce its campaign files again")
    module, _, function = entry.partition(":")
    here = os.path.dirname(os.path.abspath(__file__))
    if not module or not function or not os.path.isfile(os.path.join(here, module + ".py")):
        raise PlotRefusal(f"{path}: study '{study}': plot entry '{entry}' is not a module:function in {here}")
    if here not in sys.path:
        sys.path.insert(0, here)
    mod = importlib.import_module(module)
    draw = getattr(mod, function, None)
    if not callable(draw):
        raise PlotRefusal(f"{path}: study '{study}': {module}.py has no function '{function}'")
    reads = getattr(mod, "READS", {}).get(function)
    if reads is None:
        raise PlotRefusal(f"{path}: study '{study}': {module}.py declares no READS for '{function}'")
    with h5py.File(path, "r") as f:
        lacking = missing_reads(f, reads)
    if lacking:
        more = f" and {len(lacking) - 3} more" if len(lacking) > 3 else ""
        raise PlotRefusal(f"{path}: this '{study}' reduced file lacks {', '.join(lacking[:3])}{more}, which {entry} reads "
                          "(written by an older qglass?); reduce its campaign files again")
    return draw


def make_figures(path, outdir, formats=("png", "svg"), L=None, all_L=False):
    """Draws every figure of the reduced file at `path` into `outdir` (created
    after the checks); returns the paths written."""
    draw = check(path, formats)
    written = []

    def save(fig, name):
        for fmt in formats:
            p = os.path.join(outdir, f"{name}.{fmt}")
            fig.savefig(p, bbox_inches="tight")
            written.append(p)
        plt.close(fig)

    os.makedirs(outdir, exist_ok=True)
    with h5py.File(path, "r") as f:
        draw(f, save, types.SimpleNamespace(L=L, all_L=all_L))
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reduced")
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", default="png,svg")
    ap.add_argument("--L", type=int)
    ap.add_argument("--all-L", action="store_true")
    a = ap.parse_args(argv)
    try:
        written = make_figures(a.reduced, a.out, tuple(a.format.split(",")), a.L, a.all_L)
    except PlotRefusal as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
