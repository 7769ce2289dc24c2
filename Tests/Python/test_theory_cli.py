"""`qglass theory`: the mean-field and resonance-model functions from the CLI
(interface contract of issues 13 and 14), checked against limits the docs derive."""
import json
import math
import subprocess

from qgtest import QGLASS, ENV


def theory(*args):
    return subprocess.run([QGLASS, "theory", *args], env=ENV, capture_output=True, text=True, timeout=600)


def test_eta_lines_and_limits():
    res = theory("eta", "--g", "0.000001,0.001,0.01,0.1,1,30")
    assert res.returncode == 0, res.stderr
    rows = [tuple(map(float, line.split())) for line in res.stdout.splitlines()]
    assert [g for g, _ in rows] == [1e-6, 0.001, 0.01, 0.1, 1.0, 30.0]
    etas = [e for _, e in rows]
    assert all(a < b for a, b in zip(etas, etas[1:])), "eta(g) increases with g"
    assert 0 < etas[0] and etas[-1] <= math.log(2) + 1e-12
    assert abs(etas[-1] - math.log(2)) < 1e-3, "eta -> ln 2 for strong coupling"
    # Small-g asymptote eta = 8 g ln(1/g) + B g (normalized convention): the
    # remainder per g is the same constant at g = 1e-6 and 1e-8, which holds only
    # for the coefficient 8 (any other leaves a ln(1/g) drift of 0.1 per unit).
    small = theory("eta", "--g", "0.00000001,0.000001")
    (g8, e8), (g6, e6) = [tuple(map(float, line.split())) for line in small.stdout.splitlines()]
    b8 = (e8 - 8 * g8 * math.log(1 / g8)) / g8
    b6 = (e6 - 8 * g6 * math.log(1 / g6)) / g6
    assert abs(b8 - b6) < 0.05, (b8, b6)


def test_eta_conventions_differ_as_documented():
    as_written = theory("eta", "--g", "1e-9", "--normalized", "false")
    assert as_written.returncode == 0, as_written.stderr
    # (A3) as printed has mass Z = 1.780 and eta(0) = 4 ln Z (not a density).
    assert abs(float(as_written.stdout.split()[1]) - 4 * math.log(1.78027)) < 1e-3


def test_chain_json_line():
    res = theory("chain", "--N", "1000", "--a", "0.65", "--g10", "0.5")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["converged"] is True and d["iterations"] > 0 and d["N"] == 1000
    assert 0 < d["eta_tot"] < 1000 * math.log(2)
    assert abs(d["n_star"] - d["eta_tot"] / math.log(2)) < 1e-9


def test_resonance_model_lines():
    res = theory("rm", "--kind", "hamiltonian", "--xi", "inf", "--Lambda", "2", "--r", "0,1,10,100")
    assert res.returncode == 0, res.stderr
    rows = [tuple(map(float, line.split())) for line in res.stdout.splitlines()]
    assert [r for r, _ in rows] == [0, 1, 10, 100]
    F = [f for _, f in rows]
    assert F[0] == 1.0 and all(a > b > 0 for a, b in zip(F, F[1:]))
    flo = theory("rm", "--kind", "floquet", "--xi", "5", "--Lambda", "2", "--r", "0,3")
    assert flo.returncode == 0 and len(flo.stdout.splitlines()) == 2, flo.stderr


def test_refusals_are_one_line_exit_2():
    for args, text in [(("rm", "--kind", "nope", "--xi", "1", "--Lambda", "2", "--r", "1"), "--kind"),
                       (("rm", "--kind", "floquet", "--xi", "abc", "--Lambda", "2", "--r", "1"), "--xi"),
                       (("eta", "--g=-1"), "--g"),
                       (("eta", "--g", "0.1,x"), "--g"),
                       (("eta", "--g", "0.1", "--normalized", "maybe"), "--normalized"),
                       (("chain", "--N", "0", "--a", "0.5", "--g10", "0.5"), "--N"),
                       (("chain", "--N", "10", "--a", "0.5", "--g10", "0"), "--g10")]:
        res = theory(*args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert text in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_negative_values_parse_in_the_ordinary_form():
    """Issue 21, 2.1 (interface contract): `--xi -20` is the thermal side, not a missing value."""
    res = theory("rm", "--kind", "hamiltonian", "--xi", "-20", "--Lambda", "2", "--r", "1,10")
    assert res.returncode == 0, res.stderr
    eq = theory("rm", "--kind", "hamiltonian", "--xi=-20", "--Lambda", "2", "--r", "1,10")
    assert res.stdout == eq.stdout and len(res.stdout.splitlines()) == 2
    # A negative value gets its range message, not "Missing value".
    for args, text in [(("eta", "--g", "-1"), "--g: every g must be > 0 (got -1.0)"),
                       (("eta", "--g", "-1,2"), "--g: every g must be > 0"),
                       (("chain", "--N", "-5", "--a", "0.5", "--g10", "0.5"), "--N must be in 1...1000000 (got -5)"),
                       (("chain", "--N", "10", "--a", "-0.5", "--g10", "0.5"), "--a must be finite and >= 0"),
                       (("rm", "--kind", "hamiltonian", "--xi", "1", "--Lambda", "-2", "--r", "1"), "Lambda")]:
        r = theory(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert text in r.stderr and "Missing value" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_xi_takes_the_range_of_the_configs_inverse_xi():
    """Issue 21, 6: `--xi` accepted any xi != 0 while [rm] inverse_xi refuses 1/xi <= -log 2 and > 100; now both
    take 1/xi in (-log 2, 100] (ResonanceModelStudy.inverseXiBounds): xi <= -1/log 2, xi >= 0.01, or inf."""
    for xi in ("-1.45", "-20", "-inf", "inf", "0.01", "5"):
        res = theory("rm", "--kind", "floquet", "--xi", xi, "--Lambda", "2", "--r", "1")
        assert res.returncode == 0, (xi, res.stderr)
    for xi in ("-1.4", "-0.5", "0", "0.009"):
        res = theory("rm", "--kind", "hamiltonian", "--xi", xi, "--Lambda", "2", "--r", "1")
        assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, (xi, res.stderr)
        assert "1/xi must be in (-log 2, 100] as for [rm] inverse_xi" in res.stderr, res.stderr


def test_a_mistyped_subcommand_names_the_closest():
    """Issue 21, 6: `qglass quenc --L ...` said "Unknown option '--L'"."""
    for args, text in [(("quenc", "--L", "8"), "error: unknown subcommand 'quenc', did you mean quench?"),
                       (("theory", "et", "--g", "1"), "error: unknown subcommand 'et' of 'theory', did you mean eta?"),
                       (("zzzzzz",), "error: unknown subcommand 'zzzzzz'; known: run, ed")]:
        res = subprocess.run([QGLASS, *args], env=ENV, capture_output=True, text=True, timeout=120)
        assert res.returncode == 2, (args, res.returncode, res.stderr)
        assert res.stderr.startswith(text) and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stdout == ""


def test_eta_outside_the_quadrature_range():
    """Issue 21, 2.4: eta at g = 1e-310 printed inf and at g = 1e154 failed ("quadrature did not
    converge"). The small-g form g (8 ln(1/g) + B) and the large-g limit ln 2 are used outside
    gamma in [1e-40, 1e30]; both join the quadrature at the switches (docs/avalanche-mean-field.md)."""
    res = theory("eta", "--g", "1e-310,1e-200,1e-41,1e-39,1e29,1e31,1e154,1e300")
    assert res.returncode == 0, res.stderr
    rows = [tuple(map(float, line.split())) for line in res.stdout.splitlines()]
    assert [g for g, _ in rows] == [1e-310, 1e-200, 1e-41, 1e-39, 1e29, 1e31, 1e154, 1e300]
    eta = dict(rows)
    assert all(math.isfinite(e) and e > 0 for e in eta.values()), eta
    # Small g: B = (eta/g - 8 ln(1/g)) is the same constant on both sides of the switch and at 1e-310.
    B = {g: eta[g] / g - 8 * -math.log(g) for g in (1e-310, 1e-200, 1e-41, 1e-39)}
    assert max(B.values()) - min(B.values()) < 1e-6 * 8 * 713, B
    # Large g: ln 2 to rounding, on both sides of the switch (gamma = Z g = 1e30) and far above.
    for g in (1e29, 1e31, 1e154, 1e300):
        assert abs(eta[g] - math.log(2)) < 1e-15, (g, eta[g])


# --convention (issue 23 section 4): the three names of ReducedCouplingConvention.
# Mass of the truncated (A3), closed form (docs/avalanche-mean-field.md section 2).
Z_A3 = 2 / math.pi + 4 * 5.3 / math.pi ** 3 + 4 * 11.2 / math.pi ** 4


def eta_of(g, convention):
    res = theory("eta", "--g", repr(g), "--convention", convention)
    assert res.returncode == 0, res.stderr
    (gg, e), = [tuple(map(float, line.split())) for line in res.stdout.splitlines()]
    assert gg == g
    return e


def test_convention_flag_gives_the_three_library_conventions():
    # Hand relations of section 3: mass-normalized is the default (normalized) at
    # g/Z; as-written is mass-normalized plus 4 ln Z (mass Z, so eta = 2 ln(Z^2 ...)).
    g = 0.1
    norm, mass, asw = (eta_of(g, c) for c in ("normalized", "mass-normalized", "as-written"))
    assert abs(norm - 0.6530804967082099) < 1e-8, "documented eta(0.1), default convention"
    assert abs(mass - eta_of(g / Z_A3, "normalized")) < 1e-8, (mass, g / Z_A3)
    assert abs(asw - (mass + 4 * math.log(Z_A3))) < 1e-8, (asw, mass)
    assert len({norm, mass, asw}) == 3
    # No flag is the default convention; --normalized true|false still works.
    plain = theory("eta", "--g", "0.1")
    assert plain.returncode == 0 and float(plain.stdout.split()[1]) == norm
    old = theory("eta", "--g", "0.1", "--normalized", "false")
    assert old.returncode == 0 and float(old.stdout.split()[1]) == asw


def test_chain_convention_fig3a_both_readings():
    # Seed Fig. 3a: N = 50, delta a = -0.07, g_10 = 1/2 (docs/avalanche-mean-field.md section 3).
    a = math.sqrt(0.5) - 0.07
    out = {}
    for conv, g10 in (("normalized", 0.5), ("mass-normalized", 0.5), ("normalized", 0.5 / Z_A3)):
        res = theory("chain", "--N", "50", "--a", repr(a), "--g10", repr(g10), "--convention", conv)
        assert res.returncode == 0, res.stderr
        d = json.loads(res.stdout)
        assert d["converged"] is True and d["convention"] == conv
        out[(conv, g10)] = d["n_star"]
    assert abs(out[("normalized", 0.5)] - 35.70) < 0.005, out
    assert abs(out[("mass-normalized", 0.5)] - 30.19) < 0.005, out
    # Mass-normalized is exactly the default at g_10 / Z (up to the eta tables' 1e-8).
    assert abs(out[("mass-normalized", 0.5)] - out[("normalized", 0.5 / Z_A3)]) < 1e-5, out


def test_convention_refusals_are_one_line_exit_2():
    for args, text in [(("eta", "--g", "0.1", "--convention", "bogus"), "--convention"),
                       (("eta", "--g", "0.1", "--convention", "Normalized"), "--convention"),
                       (("chain", "--N", "10", "--a", "0.5", "--g10", "0.5", "--convention", "mass"), "--convention"),
                       (("eta", "--g", "0.1", "--convention", "normalized", "--normalized", "true"), "exclusive")]:
        res = theory(*args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert text in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stdout == "", res.stdout
