"""Job scripts and configs: every file they (and the README/docs) name exists, every
shell script parses, and the S1 finite-size array script runs on a local SLURM
(issue 10, item 15)."""
import pathlib
import re
import subprocess

import h5py
import pytest

from test_slurm import ENV, ROOT, sbatch, sh, slurm, wait  # noqa: F401  (slurm is a fixture)

# Repository files named by path: jobscripts/..., cluster/..., python/..., docs/..., Benchmarks/...
REF = re.compile(r"(?<![\w./-])((?:jobscripts|cluster|python|docs|Benchmarks)/[\w.-]+\.(?:sh|sbatch|toml|py|md|png))")


def sources():
    files = sorted((ROOT / "jobscripts").glob("*")) + sorted((ROOT / "cluster").glob("*.sh"))
    files += [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    return [f for f in files if f.is_file()]


def test_every_named_file_exists():
    missing, seen = [], 0
    for f in sources():
        for name in REF.findall(f.read_text()):
            seen += 1
            if not (ROOT / name).exists():
                missing.append(f"{f.relative_to(ROOT)} names {name}")
    assert seen > 20, "the pattern found too few references to be meaningful"
    assert not missing, "\n".join(missing)


def test_config_comments_name_existing_scripts():
    # The configs say which job script runs them; that script must exist.
    for cfg in sorted((ROOT / "jobscripts").glob("*.toml")):
        for name in REF.findall(cfg.read_text()):
            assert (ROOT / name).exists(), f"{cfg.name} names {name}"
    assert "jobscripts/s1-fss-array.sbatch" in (ROOT / "jobscripts/s1-fss-production.toml").read_text()


@pytest.mark.parametrize("script", [p.name for p in sorted((ROOT / "jobscripts").glob("*")) if p.suffix in (".sh", ".sbatch")])
def test_shell_scripts_parse(script):
    res = subprocess.run(["bash", "-n", str(ROOT / "jobscripts" / script)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_s1_fss_array_stop_lead_exceeds_one_task():
    # The lead of the production script must exceed the longest task that `qglass plan` reports.
    text = (ROOT / "jobscripts/s1-fss-array.sbatch").read_text()
    lead = int(re.search(r"#SBATCH --signal=B:USR1@(\d+)", text).group(1))
    res = subprocess.run([ENV["QGLASS"], "plan", str(ROOT / "jobscripts/s1-fss-production.toml")],
                         capture_output=True, text=True, env=ENV)
    assert res.returncode == 0, res.stderr
    planned = int(re.search(r"#SBATCH --signal=B:USR1@(\d+)", res.stdout).group(1))
    assert lead >= planned, f"script lead {lead} s < planned {planned} s"


SMALL = """[campaign]
seed = 21
realizations = 3
[lrsg]
L = [6]
alpha = 0.7
hx = [0.2, 1.0]
"""


def test_s1_fss_array_script_on_slurm(slurm, tmp_path):  # noqa: F811
    cfg = tmp_path / "fss.toml"
    cfg.write_text(SMALL)
    prefix = tmp_path / "fss"
    env = dict(ENV, CONFIG=str(cfg), SIZES="5 6", PREFIX=str(prefix), GROUP_SIZES="6:2")
    res = subprocess.run(["bash", "jobscripts/s1-fss-array.sbatch", "submit", "--ntasks=2", "--time=00:10:00",
                          "--signal=B:USR1@30", "--output", str(tmp_path / "f-%A_%a.out")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    array, reduce = (w.rstrip(",") for w in res.stdout.split() if w.rstrip(",").isdigit())
    state, seen = wait(reduce, timeout=900)
    assert state == "COMPLETED", seen
    for i in range(2):
        assert wait(f"{array}_{i}")[0] == "COMPLETED"
    with h5py.File(f"{prefix}-L6.h5", "r") as f:
        assert "campaign.group_size=2" in f.attrs["config"]
        assert all(f["lrsg/L6/done"][()] == 1)
    with h5py.File(f"{prefix}-reduced.h5", "r") as f:
        assert sorted(set(f["lrsg/points/L"][()])) == [5, 6]


# Issue 21, item 4.2: every documented submit line takes its --time and its
# --signal lead from `qglass plan` of its config (the default node: 64 cores,
# 256 GiB, 24 h), and every sbatch default leads by at least the plan's lead.
SUBMIT = re.compile(r"sbatch((?:\s+--?[\w-]+(?:=\S+)?)*)\s+(jobscripts/[\w.-]+\.sbatch)\s+(jobscripts/[\w.-]+\.toml)")
OPTION = re.compile(r"--([\w-]+)=(\S+)")


def plan_of(cfg, *args):
    res = subprocess.run([ENV["QGLASS"], "plan", str(ROOT / cfg), *args], capture_output=True, text=True, env=ENV, timeout=120)
    assert res.returncode == 0, res.stderr
    lines = dict(m.groups() for m in re.finditer(r"^#SBATCH --(nodes|ntasks|time)=(\S+)", res.stdout, re.M))
    lead = re.search(r"^#SBATCH --signal=B:USR1@(\d+)", res.stdout, re.M)
    assert lead, res.stdout
    return dict(lines, lead=int(lead.group(1)), text=res.stdout)


def seconds(hms):
    h, m, s = (int(x) for x in hms.split(":"))
    return 3600 * h + 60 * m + s


def submit_lines():
    """(file, text, options, script, config) of every sbatch line naming a script and a config."""
    found = []
    for f in sources():
        if f.suffix not in (".md", ".toml", ".sbatch"):
            continue
        # Continued lines (a trailing backslash) are joined; comment marks dropped.
        text = re.sub(r"\\\n\s*#?\s*", " ", f.read_text())
        for line in text.splitlines():
            for m in SUBMIT.finditer(line):
                found.append((f.relative_to(ROOT), line.strip(), dict(OPTION.findall(m.group(1))), m.group(2), m.group(3)))
    return found


def script_default(script, key):
    m = re.search(rf"^#SBATCH --{key}=(\S+)", (ROOT / script).read_text(), re.M)
    return m and m.group(1)


def test_production_submit_lines_take_time_and_lead_from_plan():
    lines = [s for s in submit_lines() if "production" in s[4] or "packing" in s[4]]
    assert len(lines) >= 20, lines
    # Configs run as arrays over L (one job per size, submit-array.sh or s1-fss-array.sbatch): their scripts' leads are checked elsewhere.
    arrays = {"s1-fss-production.toml", "s1-midspectrum-production.toml", "s2-fields-production.toml", "s7-tempering-production.toml"}
    plans, bad = {}, []
    for cfg in sorted((ROOT / "jobscripts").glob("*production*.toml")):
        # Every other production config has a submit line in its own header.
        if cfg.name not in arrays and f"jobscripts/{cfg.name}" not in {s[4] for s in lines if s[0] == cfg.relative_to(ROOT)}:
            bad.append(f"{cfg.name}: no submit line in its header")
    for where, line, opts, script, cfg in lines:
        if not re.fullmatch(r"\d*", opts.get("nodes", "") + opts.get("ntasks", "") + opts.get("signal", "@").split("@")[1]):
            continue  # a template (--nodes=N --signal=B:USR1@LEAD), filled from the plan by the reader
        p = plans.setdefault(cfg, plan_of(cfg))
        lead = int(opts["signal"].split("@")[1]) if "signal" in opts else None
        if opts.get("time") != p["time"]:
            bad.append(f"{where}: --time={opts.get('time')}, plan {p['time']}: {line}")
        if lead is None or lead < p["lead"]:
            bad.append(f"{where}: --signal lead {lead}, plan {p['lead']} s: {line}")
        for key in ("nodes", "ntasks"):
            if opts.get(key, "1" if key == "nodes" else None) != p[key]:
                bad.append(f"{where}: --{key}={opts.get(key)}, plan {p[key]}: {line}")
    assert not bad, "\n".join(bad)


def test_sbatch_defaults_lead_by_the_plan_of_their_default_config():
    # A script's defaults run its small config on --ntasks ranks: the lead is
    # at least the plan's on a node of that many cores, and so is the limit
    # (which also leaves the reduction and figures room).
    bad = []
    for script in sorted((ROOT / "jobscripts").glob("*.sbatch")):
        text = script.read_text()
        lead = int(script_default(f"jobscripts/{script.name}", "signal").split("@")[1]) if "#SBATCH --signal" in text else None
        m = re.search(r"\$\{1:-(jobscripts/[\w.-]+\.toml)\}", text)
        if lead is not None and lead < 300:
            bad.append(f"{script.name}: default lead {lead} s, below the plan's least lead of 300 s")
        if not m:
            continue
        ntasks = script_default(f"jobscripts/{script.name}", "ntasks") or "1"
        p = plan_of(m.group(1), "--cores-per-node", ntasks)
        time = script_default(f"jobscripts/{script.name}", "time")
        if lead is None or lead < p["lead"]:
            bad.append(f"{script.name}: default lead {lead}, plan of {m.group(1)} on {ntasks} cores {p['lead']} s")
        if seconds(time) < seconds(p["time"]):
            bad.append(f"{script.name}: default --time={time}, plan of {m.group(1)} {p['time']}")
    # Submit lines of other small configs inherit the defaults: the same check.
    for where, line, opts, script, cfg in submit_lines():
        if "production" in cfg or "packing" in cfg or "signal" in opts:
            continue
        ntasks = opts.get("ntasks", script_default(script, "ntasks") or "1")
        p = plan_of(cfg, "--cores-per-node", ntasks)
        lead = int((script_default(script, "signal") or "@0").split("@")[1])
        if lead < p["lead"]:
            bad.append(f"{where}: {cfg} inherits the lead {lead} s of {script}, plan {p['lead']} s: {line}")
    assert not bad, "\n".join(bad)


def test_small_configs_name_their_production_config_and_script():
    # Issue 21, item 6: every small config says what runs it at scale.
    bad = []
    for cfg in sorted((ROOT / "jobscripts").glob("*-small.toml")):
        header = cfg.read_text().split("[campaign]")[0]
        names = REF.findall(header)
        prod = [n for n in names if n.endswith(".toml") and "production" in n]
        scripts = [n for n in names if n.endswith(".sbatch")]
        if not prod:
            bad.append(f"{cfg.name}: names no production config")
        if not scripts:
            bad.append(f"{cfg.name}: names no sbatch script")
        bad += [f"{cfg.name}: names {n}, which does not exist" for n in prod + scripts if not (ROOT / n).exists()]
    assert not bad, "\n".join(bad)


def test_plan_costs_the_configured_group_size_first():
    # Issue 21, item 4.1: `qglass plan CONFIG` prints `configured group_size = G`
    # (the config's own G) before the planner's alternative; when the config
    # fits, its #SBATCH lines run groups of G (ranks a multiple of G).
    for cfg in sorted((ROOT / "jobscripts").glob("*production*.toml")):
        m = re.search(r"^group_size\s*=\s*(\d+)", cfg.read_text(), re.M)
        g = int(m.group(1)) if m else 1
        p = plan_of(f"jobscripts/{cfg.name}")
        line = next((l for l in p["text"].splitlines() if l.startswith("configured group_size = ")), None)
        assert line and line.startswith(f"configured group_size = {g}: "), f"{cfg.name}: {line}"
        assert "core-hours" in line and ("; fits: " in line or "; DOES NOT FIT: " in line), line
        if "; fits: " in line:
            assert int(p["ntasks"]) % g == 0, f"{cfg.name}: {p['ntasks']} ranks for groups of {g}"
            assert f"run the config as written (group_size = {g})" in p["text"], p["text"]
    # s10b-chains-production has group_size = 4; the planner alone would take 2.
    text = plan_of("jobscripts/s10b-chains-production.toml")["text"]
    assert "configured group_size = 4: " in text and "largest g = 2" in text, text


def test_drh_fig2b_conventions_are_valid_settings(tmp_path):
    """Every convention of s8-drh-fig2b-conventions.sbatch (its `keys` table, evaluated by
    bash as the script does) is accepted by `qglass plan` on the script's config, so an
    8-hour run cannot stop at a mistyped key; an unknown convention is refused."""
    script = ROOT / "jobscripts/s8-drh-fig2b-conventions.sbatch"
    table = re.search(r"^J1_seed=.*?^\)$", script.read_text(), re.S | re.M).group(0)
    listing = subprocess.run(["bash", "-c", table + '\nfor k in "${!keys[@]}"; do printf "%s|%s\\n" "$k" "${keys[$k]}"; done'],
                             capture_output=True, text=True, check=True).stdout
    keys = dict(line.split("|", 1) for line in listing.splitlines())
    assert {"default", "xx", "random", "random-J4-h-half", "J0an"} <= keys.keys()
    assert keys["random-J4-h-half"].split() == ['drh.coupling="random"', "drh.h=0.5", "drh.dh=0.05", "drh.J1=1.64"]
    for name, words in keys.items():
        sets = ["drh.J1=0.1845"] if words == "a-dependent" else words.split()
        res = subprocess.run([ENV["QGLASS"], "plan", "jobscripts/s8-drh-n10-production.toml", "--set", "drh.a=[0.45,0.55,0.65]",
                              *[x for kv in sets for x in ("--set", kv)]], cwd=ROOT, capture_output=True, text=True, env=ENV)
        assert res.returncode == 0 and "configured group_size" in res.stdout, f"{name}: {res.stdout}{res.stderr}"
    bad = subprocess.run(["bash", str(script), str(tmp_path / "out"), "no-such"], cwd=ROOT, capture_output=True, text=True, env=ENV)
    assert bad.returncode == 2 and "unknown convention 'no-such'" in bad.stderr and "random-J4-h-half" in bad.stderr, bad.stderr
