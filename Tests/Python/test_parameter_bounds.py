"""Issue 21, 2.3 and 6: every physical parameter of every study has a bound (one line, exit 2,
nothing written, before MPI), an empty list is named as such, and a misspelled key is reported
first, with the closest known key. Each study's small config (jobscripts/*-small.toml) is run
with one value overridden by --set; the bounds are docs/models.md "Parameter bounds"."""
import subprocess

import pytest

from qgtest import QGLASS, ENV, ROOT

SMALL = {
    "lrsg": "s1-fss-small.toml", "fields": "s2-fields-small.toml", "avalanche": "s3-avalanche-small.toml",
    "twoflip": "s4-twoflip-small.toml", "tempering": "s7-tempering-small.toml", "xxz": "s10b-chains-small.toml",
    "heisenberg_o3": "s10b-o3-small.toml", "quench": "s5-quench-small.toml", "twospin": "s6b-twospin-small.toml",
    "entgrowth": "s6c-entgrowth-small.toml", "emch_radin": "s9-emch-radin-small.toml", "drh": "s8-drh-small.toml",
    "diamond": "s8-diamond-small.toml", "rm": "s10a-rm-small.toml", "meanfield": "s8-meanfield-small.toml",
}

# (study, key, too-large value): every physical parameter of every study.
TOO_LARGE = [
    ("lrsg", "alpha", "1e300"), ("lrsg", "hx", "1e300"),
    ("fields", "alpha", "1e300"),
    ("avalanche", "alpha", "1e300"), ("avalanche", "hx", "1e300"),
    ("twoflip", "alpha", "1e300"), ("twoflip", "hx", "1e300"),
    ("twospin", "alpha", "1e300"), ("twospin", "hx", "1e300"),
    ("tempering", "alpha", "1e300"), ("tempering", "T_max", "1e300"), ("tempering", "T_min", "1e-300"),
    ("xxz", "W", "1e300"), ("xxz", "delta", "1e300"), ("xxz", "delta", "-1e300"),
    ("heisenberg_o3", "W", "1e300"),
    ("quench", "alpha", "1e300"), ("quench", "hx", "1e300"),
    ("entgrowth", "alpha", "1e300"), ("entgrowth", "hx", "1e300"),
    ("emch_radin", "alpha", "1e300"), ("emch_radin", "x", "1e300"),
    ("drh", "J1", "1e300"), ("drh", "h", "1e300"), ("drh", "dh", "1e300"), ("drh", "grain_rms", "1e300"), ("drh", "a", "1e300"),
    ("diamond", "W", "1e300"), ("diamond", "g0", "1e300"), ("diamond", "map_theta0", "1e300"),
    ("meanfield", "g10", "1e300"), ("meanfield", "delta_a", "1e300"),
    ("rm", "Lambda", "1e300"), ("rm", "inverse_xi", "1e300"), ("rm", "gd_field", "1e300"), ("rm", "drift_Wc", "1e300"),
    ("rm", "gd_inverse_xi", "1e300"), ("rm", "gd_Lambda", "1e300"),
]


def run_with(study, *sets, tmp_path):
    out = tmp_path / "out.h5"
    args = [QGLASS, "run", str(ROOT / "jobscripts" / SMALL[study]), "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    res = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=120)
    return res, out


def assert_refused(res, out, text):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert len(res.stderr.strip().splitlines()) == 1 and text in res.stderr, res.stderr
    assert not out.exists() and not (out.parent / (out.name + ".lock")).exists()


@pytest.mark.parametrize("study,key,value", TOO_LARGE)
def test_every_physical_parameter_is_bounded(tmp_path, study, key, value):
    res, out = run_with(study, f"{study}.{key}={value}", tmp_path=tmp_path)
    assert_refused(res, out, f"[{study}] {key}")


def test_the_shared_bounds_are_the_documented_ones(tmp_path):
    # |h_x| <= 1e6 and alpha <= 100 (PhysicalBounds): the bound itself passes the check, just above it does not.
    ok = subprocess.run([QGLASS, "plan", str(ROOT / "jobscripts" / SMALL["quench"]), "--set", "quench.hx=1e6", "--set", "quench.alpha=100"],
                        env=ENV, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    res, out = run_with("quench", "quench.hx=1.000001e6", tmp_path=tmp_path)
    assert_refused(res, out, "[quench] hx = 1000001.0 out of range: |hx| <= 1e6")
    res, out = run_with("lrsg", "lrsg.alpha=100.5", tmp_path=tmp_path)
    assert_refused(res, out, "[lrsg] alpha = 100.5 out of range: |alpha| <= 100")


@pytest.mark.parametrize("study,key", [("lrsg", "L"), ("lrsg", "hx"), ("quench", "L"), ("quench", "Ls"), ("xxz", "W"), ("fields", "L"),
                                       ("drh", "N"), ("diamond", "R"), ("emch_radin", "N"), ("meanfield", "delta_a"),
                                       ("entgrowth", "L"), ("rm", "czz_L")])
def test_an_empty_list_is_named_as_empty(tmp_path, study, key):
    """An empty L said "L must list distinct sizes"."""
    res, out = run_with(study, f"{study}.{key}=[]", tmp_path=tmp_path)
    assert_refused(res, out, f"[{study}] '{key}' must not be empty")


# A list key of each study, emptied below to make a value error next to the typo.
FIRST_LIST = {"emch_radin": "N", "drh": "N", "diamond": "R", "rm": "czz_L", "meanfield": "N"}


@pytest.mark.parametrize("study", sorted(SMALL))
def test_a_misspelled_key_is_reported_first(tmp_path, study):
    """A typo was reported after the value checks (e.g. "profile_N and profile_delta_a go together");
    now the unknown key comes first, even when another value is also wrong (here an empty list)."""
    empty = f"{study}.{FIRST_LIST.get(study, 'L')}=[]"
    res, out = run_with(study, empty, f"{study}.bogus_key_zz=1", tmp_path=tmp_path)
    assert_refused(res, out, f"[{study}] unknown key 'bogus_key_zz'")


def test_the_issue_example_and_did_you_mean(tmp_path):
    res, out = run_with("meanfield", "meanfield.profile_N=[8]", "meanfield.profile_delta_A=[0.1]", tmp_path=tmp_path)
    assert_refused(res, out, "[meanfield] unknown key 'profile_delta_A' (did you mean 'profile_delta_a'?)")
    res, out = run_with("quench", "quench.L=[]", "quench.hxx=0.1", tmp_path=tmp_path)
    assert_refused(res, out, "[quench] unknown key 'hxx' (did you mean 'hx'?)")
    res, out = run_with("lrsg", "campaign.realisations=2", tmp_path=tmp_path)
    assert_refused(res, out, "[campaign] unknown key 'realisations' (did you mean 'realizations'?)")


def test_set_of_a_second_study_names_the_two_tables(tmp_path):
    """It listed all 15 known tables."""
    res, out = run_with("lrsg", "xxz.W=[1]", tmp_path=tmp_path)
    assert_refused(res, out, "found [lrsg] and [xxz]")
    assert "[tempering]" not in res.stderr
