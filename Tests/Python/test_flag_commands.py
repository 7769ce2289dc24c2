"""The flag commands derive their study and campaign flags from the declarations (issue 22, step 2).

For every flag command (`ed`, `fields`, `quench`, `emch-radin`), each option `--key`
(a config key of one of the command's studies, underscores as dashes) must show the
help, the range and the default that `qglass schema STUDY` prints from the study's
`Parameter` declaration, and must not restate a default of its own (ArgumentParser's
`defaultValue`: the declared default applies through the study's parser). The same holds
for the flags of the `[campaign]` keys (`--seed`, `--realizations`, `--group-size`, ...)
against `qglass schema campaign`, the declaration of `CampaignSettings`. Read from
ArgumentParser's machine-readable help (`--experimental-dump-help`, the data behind
`--help`).

Runs the built executable (QGLASS_BIN, default .build/debug/qglass); no MPI.
"""
import json
import os
import re
import subprocess

import pytest

from qgtest import ENV, QGLASS

pytestmark = pytest.mark.skipif(not os.path.exists(QGLASS), reason=f"{QGLASS} not built")

# Each flag command, its studies (a flag of a key several declare follows the first),
# and the declared keys it has flags for at least (those of the flags before issue 22).
COMMANDS = {
    "ed": (["lrsg", "xxz", "heisenberg_o3"],
           {"L", "alpha", "hx", "W", "delta", "sz", "boundary", "eps_bins", "store_eigenstates_max_L", "check_eigenpairs",
            "disorder_from", "entanglement", "solver", "k", "target_eps", "midspectrum_method", "filter_degree"}),
    "fields": (["fields"], {"L", "alpha", "state", "order", "boundary", "phi_min", "phi_max", "bins_per_decade", "store_disorder"}),
    "quench": (["quench"], {"L", "Ls", "alpha", "hx", "boundary", "order", "t_min", "t_max", "per_decade", "store_disorder"}),
    "emch-radin": (["emch_radin"], {"d", "alpha", "N", "x", "decay_min", "decay_max", "tau_points", "interior_depth",
                                    "store_positions"}),
}

# The [campaign] keys each flag command has flags for, and the flags named otherwise than `--key`.
CAMPAIGN = {
    "ed": ({"seed", "realizations", "first_realization", "group_size", "blas_threads", "lapack_driver", "scalapack_driver",
            "complex_lapack_driver", "complex_scalapack_driver", "output"}, {"out": "output"}),
    "fields": ({"seed", "realizations", "first_realization", "output"}, {"out": "output"}),
    "quench": ({"seed", "realizations", "first_realization", "group_size", "blas_threads", "output"}, {"out": "output"}),
    "emch-radin": ({"seed", "realizations", "first_realization", "output"},
                   {"out": "output", "samples": "realizations", "first-sample": "first_realization"}),
}


def run(*args):
    res = subprocess.run([QGLASS, *args], env=ENV, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, (args, res.stderr)
    return res.stdout


def declarations(study):
    """key -> (type, default, range, help) from `qglass schema STUDY --markdown`."""
    lines = run("schema", study, "--markdown").splitlines()
    start = lines.index("| key | type | default | range | unit | help |") + 2
    out = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        key, kind, default, rng, _unit, help_ = cells
        out[key.strip("`")] = (kind, default, rng, help_)
    assert out, f"no parameter table for {study}"
    return out


def values(text):
    """A default as a list of values: '[0.001]', '"greedy"', '1e-4', '0.1,0.2' -> [0.001], ['greedy'], ..."""
    items = [t.strip().strip('"') for t in text.strip().strip("[]").split(",")]
    def value(t):
        try:
            return float(t)
        except ValueError:
            return t
    return [value(t) for t in items]


def options(command):
    """long name -> ArgumentParser's record of the option or flag."""
    dump = json.loads(run(command, "--experimental-dump-help"))["command"]
    out = {}
    for a in dump["arguments"]:
        for n in a.get("names", []):
            if n["kind"] == "long":
                out[n["name"]] = a
    return out


def check_declared(command, name, arg, decl):
    """The option `--name` shows the declared help, range and default, and restates no default of its own."""
    kind, default, rng, help_ = decl
    abstract = arg.get("abstract", "")
    assert help_.lower() in abstract.lower(), f"{command} --{name}: help '{abstract}' lacks the declared '{help_}'"
    first = rng.split("; ")[0]
    if first and not first.startswith(("|", "distinct", "only with")):
        assert f"; {first}" in abstract, f"{command} --{name}: help '{abstract}' lacks the declared range '{first}'"
    assert "defaultValue" not in arg or kind == "bool", \
        f"{command} --{name} restates a default ({arg.get('defaultValue')}) instead of the declared one"
    shown = re.search(r"\(default: ([^)]*)\)$", abstract)
    if default.startswith(("required", "unset")) or (kind == "bool" and default == "false"):
        assert shown is None, f"{command} --{name}: shows a default '{shown.group(1)}' the declaration lacks ({default})"
    else:
        assert shown, f"{command} --{name}: help '{abstract}' does not show the declared default {default}"
        assert values(shown.group(1)) == values(default), f"{command} --{name}: default {shown.group(1)} != declared {default}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_study_flags_show_the_declared_help_range_and_default(command):
    studies, expected = COMMANDS[command]
    declared = [declarations(s) for s in studies]
    checked = set()
    for name, arg in options(command).items():
        key = name.replace("-", "_")
        decl = next((d[key] for d in declared if key in d), None)
        if decl is None:
            continue  # the command's own flag or a [campaign] key (below), no config key of its studies
        check_declared(command, name, arg, decl)
        checked.add(key)
    assert expected <= checked, f"{command}: no flag derived from the declaration of {sorted(expected - checked)}"


@pytest.mark.parametrize("command", sorted(CAMPAIGN))
def test_campaign_flags_show_the_declared_help_range_and_default(command):
    """--seed, --realizations, --group-size, --out, ... come from the [campaign] declaration."""
    expected, renamed = CAMPAIGN[command]
    declared = declarations("campaign")
    studies = [declarations(s) for s in COMMANDS[command][0]]
    checked = set()
    for name, arg in options(command).items():
        key = renamed.get(name, name.replace("-", "_"))
        if key not in declared or any(key in d for d in studies):
            continue  # the command's own flag (--force, --model, ...) or a study key (above)
        check_declared(command, name, arg, declared[key])
        checked.add(key)
    assert expected <= checked, f"{command}: no flag derived from the [campaign] declaration of {sorted(expected - checked)}"


def test_campaign_flag_values_are_checked_by_the_declared_range(tmp_path):
    """A campaign flag's value goes through the [campaign] parser: its declared range refuses it, one line, nothing written."""
    out = tmp_path / "x.h5"
    base = ["quench", "--L", "8", "--Ls", "2", "--alpha", "0.7", "--hx", "0.05", "--seed", "1", "--out", str(out)]
    for flags, message in ((["--realizations", "2", "--group-size", "0"], "[campaign] group_size must be in 1...4096 (got 0)"),
                           (["--realizations", "2", "--blas-threads", "2000"], "[campaign] blas_threads must be in 0...1024 (got 2000)"),
                           (["--realizations", "0"], "[campaign] realizations must be in 1...2147483647 (got 0)")):
        res = subprocess.run([QGLASS, *base, *flags], env=ENV, capture_output=True, text=True, timeout=120)
        assert res.returncode == 2 and res.stdout == "", res
        assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr, res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
