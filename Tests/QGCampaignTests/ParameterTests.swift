import XCTest
@testable import QGCampaign

/// Declared study parameters (issue 22, step 2): the refusals, the canonical
/// text and the point grid all come from one declaration per study.
final class ParameterTests: XCTestCase {
    func table(_ toml: String, name: String = "t") throws -> ConfigTable {
        try ConfigDocument(text: "[\(name)]\n" + toml).table(name)
    }

    func refusal(_ decl: [Parameter], _ toml: String) -> String {
        do {
            _ = try ParameterValues.parse(try table(toml), decl)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    /// Each kind of bound gives its one-line message naming table, key, range and value.
    func testRefusalsNameTableKeyRangeAndValue() {
        let decl: [Parameter] = [
            .ints("N", in: 1...10, default: [2], note: "(dimension 8 * 2^N <= 8192)", help: ""),
            .doubles("a", lower: .atLeast(0), upper: .atMost(2), default: [1], unit: "1", help: ""),
            .double("g", lower: .above(0), upper: .below(1), default: 0.5, unit: "1", help: ""),
            .double("alpha", lower: .above(0), magnitude: 100, default: 1, unit: "1", help: ""),
            .double("hx", lower: .atLeast(0), default: 1, unit: "J", help: ""),
            .choice("order", ["greedy", "sequential"], default: "greedy", help: ""),
            .choices("state", ["random", "sfs"], default: ["sfs"], help: ""),
        ]
        XCTAssertEqual(refusal(decl, "N = [3, 11]"), "config error: [t] N = 11 out of range 1...10 (dimension 8 * 2^N <= 8192)")
        XCTAssertEqual(refusal(decl, "N = 9223372036854775807"), "config error: [t] N = 9223372036854775807 out of range 1...10 (dimension 8 * 2^N <= 8192)")
        XCTAssertEqual(refusal(decl, "N = [3, 3]"), "config error: [t] N must list distinct values")
        XCTAssertEqual(refusal(decl, "N = []"), "config error: [t] 'N' must not be empty (list at least one value)")
        XCTAssertEqual(refusal(decl, "a = [0.5, 2.5]"), "config error: [t] a must be in [0, 2] (got 2.5)")
        XCTAssertEqual(refusal(decl, "g = 1"), "config error: [t] g must be in (0, 1) (got 1.0)")
        XCTAssertEqual(refusal(decl, "alpha = -0.7"), "config error: [t] alpha must be > 0 (got -0.7)")
        XCTAssertEqual(refusal(decl, "alpha = 100.5"),
                       "config error: [t] alpha = 100.5 out of range: |alpha| <= 100 (docs/models.md, parameter bounds)")
        XCTAssertEqual(refusal(decl, "alpha = inf"),
                       "config error: [t] alpha = inf out of range: |alpha| <= 100 (docs/models.md, parameter bounds)")
        XCTAssertEqual(refusal(decl, "hx = inf"), "config error: [t] hx must be finite (got inf)")
        XCTAssertEqual(refusal(decl, "hx = nan"), "config error: [t] hx must be >= 0 (got nan)")
        XCTAssertEqual(refusal(decl, "order = \"greed\""), "config error: [t] order must be one of [\"greedy\", \"sequential\"] (got 'greed')")
        XCTAssertEqual(refusal(decl, "state = [\"sfs\", \"sfs\"]"), "config error: [t] state must list distinct values")
        XCTAssertTrue(refusal(decl, "ordr = \"greedy\"").contains("unknown key 'ordr' (did you mean 'order'?)"))
        XCTAssertEqual(refusal(decl, "N = 4\na = 2\ng = 0.25"), "accepted")
    }

    /// Strings, alone or in a list, are written as escaped TOML basic strings
    /// (a list used to be written unescaped) and read back unchanged.
    func testStringValuesAreEscapedInTheCanonicalText() throws {
        let odd = "a\"b\\c\td"
        XCTAssertEqual(ParameterValue.string(odd).toml, "\"a\\\"b\\\\c\\td\"")
        XCTAssertEqual(ParameterValue.strings([odd, "x"]).toml, "[\"a\\\"b\\\\c\\td\", \"x\"]")
        let back = try ConfigDocument(text: "[t]\nv = \(ParameterValue.strings([odd, "x"]).toml)\n").table("t")
        XCTAssertEqual(try ParameterValues.parse(back, [.choices("v", [odd, "x"], help: "")]).canonical, "[t]\nv = \(ParameterValue.strings([odd, "x"]).toml)\n")
    }

    /// The canonical text is the declaration order with the hand-written
    /// renderings of before (an int written for a float is a float; a single
    /// value for a list is a list); `omittedAtDefault` keys appear only when set.
    func testCanonicalTextInDeclarationOrder() throws {
        let decl: [Parameter] = [
            .ints("L", in: 2...100, help: ""), .doubles("alpha", lower: .above(0), unit: "1", help: ""),
            .choice("boundary", ["periodic", "open"], default: "periodic", help: ""), .bool("store_disorder", default: false, help: ""),
            .double("h", default: 1, unit: "1", help: ""), .choices("state", ["random", "sfs"], default: ["sfs"], help: ""),
            Parameter.int("extra", in: 0...9, default: 0, help: "").omittedAtDefault(),
        ]
        let v = try ParameterValues.parse(try table("alpha = 0.7\nL = 8\n", name: "x"), decl)
        XCTAssertEqual(v.canonical, "[x]\nL = [8]\nalpha = [0.7]\nboundary = \"periodic\"\nstore_disorder = false\nh = 1.0\nstate = [\"sfs\"]\n")
        let w = try ParameterValues.parse(try table("alpha = 0.7\nL = 8\nextra = 3\n", name: "x"), decl)
        XCTAssertTrue(w.canonical.hasSuffix("state = [\"sfs\"]\nextra = 3\n"), w.canonical)
    }

    /// Byte-identical to the text the hand-written `canonical` of quench and
    /// tempering produced (files written before the declaration resume).
    func testPortedStudiesKeepTheirCanonicalText() throws {
        let quench = try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n[quench]\nL = [60, 120]\nLs = 6\nalpha = 1\nhx = 0.05\n")
        XCTAssertTrue(quench.canonical.hasSuffix("""
            [quench]
            L = [60, 120]
            Ls = [6]
            alpha = 1.0
            hx = 0.05
            boundary = "periodic"
            order = "greedy"
            store_disorder = false
            t_min = 0.1
            t_max = 10000000000.0
            per_decade = 10
            check_eigenpairs = 4

            """), quench.canonical)
        let tempering = try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n[tempering]\nL = [8]\nalpha = 0.75\nT_min = 0.3\nT_max = 1.7\n")
        let ladder = (tempering.study as? TemperingStudy)?.temperatures ?? []
        XCTAssertTrue(tempering.canonical.hasSuffix("""
            [tempering]
            L = [8]
            alpha = [0.75]
            boundary = "periodic"
            store_disorder = false
            T_min = \(ladder.first!)
            T_max = \(ladder.last!)
            temperatures = 20
            sweeps = 256
            stages = 5
            normalize = "mean-field"

            """), tempering.canonical)
    }

    /// The chains' optional keys: `sz` only when set; the matrix-element keys
    /// only with `matrix_elements = true` (refused without it), all of them
    /// then, in the order the hand-written text had.
    func testChainCanonicalTextWithOptionalAndConditionalKeys() throws {
        let head = "[campaign]\nseed = 1\nrealizations = 1\n[xxz]\nL = [6, 8]\nW = 1\n"
        XCTAssertTrue(try CampaignPlan(configText: head).canonical.hasSuffix("[xxz]\nL = [6, 8]\nW = [1.0]\ndelta = 1.0\ncheck_eigenpairs = 4\n"))
        let on = try CampaignPlan(configText: head + "sz = 0\nmatrix_elements = true\nwindow = 0.5\n")
        XCTAssertTrue(on.canonical.hasSuffix("""
            [xxz]
            L = [6, 8]
            W = [1.0]
            delta = 1.0
            sz = 0
            check_eigenpairs = 4
            matrix_elements = true
            operator_site = 0
            window = 0.5
            mid_spectrum = [0.4, 0.6]
            v_range = [1e-14, 10.0]
            v_bins = 96
            omega_range = [0.0001, 100.0]
            omega_bins = 72

            """), on.canonical)
        XCTAssertEqual(try CampaignPlan(configText: on.canonical).canonical, on.canonical)
        XCTAssertThrowsError(try CampaignPlan(configText: head + "window = 0.5\n")) { e in
            XCTAssertTrue("\(e)".contains("[xxz] 'window' needs matrix_elements = true"), "\(e)")
        }
        let o3 = try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n[heisenberg_o3]\nL = [6]\nW = [2]\n")
        XCTAssertTrue(o3.canonical.hasSuffix("[heisenberg_o3]\nL = [6]\nW = [2.0]\ncheck_eigenpairs = 4\n"), o3.canonical)
        XCTAssertThrowsError(try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n[heisenberg_o3]\nL = [6]\nW = [2]\nsz = 0\n"))
    }

    /// meanfield: max_iterations written as resolved from the solver's
    /// default, probe or damping after it by solver (the hand-written order);
    /// the other solver's key refused with the wording of before.
    func testMeanFieldCanonicalTextBySolver() throws {
        let head = "[campaign]\nseed = 1\nrealizations = 1\n[meanfield]\nN = [10]\ndelta_a = [-0.1]\n"
        let it = try CampaignPlan(configText: head + "solver = \"iteration\"\n")
        XCTAssertTrue(it.canonical.hasSuffix("""
            [meanfield]
            N = [10]
            delta_a = [-0.1]
            g10 = 0.5
            convention = "normalized"
            profile_N = []
            profile_delta_a = []
            critical = true
            critical_tol = 1e-09
            solver = "iteration"
            tol = 1e-12
            max_iterations = 100000
            damping = 1.0

            """), it.canonical)
        XCTAssertEqual(try CampaignPlan(configText: it.canonical).canonical, it.canonical)
        XCTAssertTrue(try CampaignPlan(configText: head).canonical.hasSuffix("max_iterations = 2000000\nprobe = 0.05\n"))
        XCTAssertThrowsError(try CampaignPlan(configText: head + "solver = \"iteration\"\nprobe = 0.1\n")) { e in
            XCTAssertTrue("\(e)".contains("[meanfield] probe applies to solver = \"reduced\" only"), "\(e)")
        }
    }

    /// lrsg: `entanglement` and the mid-spectrum keys written only when on,
    /// after the dense keys, as the hand-written text had them; a
    /// mid-spectrum key with the dense solver refused as before.
    func testLRSGCanonicalTextBySolver() throws {
        let head = "[campaign]\nseed = 1\nrealizations = 1\n[lrsg]\nL = [12]\nalpha = 0.7\nhx = 0.5\n"
        let dense = "[lrsg]\nL = [12]\nalpha = [0.7]\nhx = [0.5]\nboundary = \"periodic\"\neps_bins = 20\nstore_eigenstates_max_L = 14\ncheck_eigenpairs = 4\n"
        XCTAssertTrue(try CampaignPlan(configText: head).canonical.hasSuffix(dense))
        XCTAssertTrue(try CampaignPlan(configText: head + "entanglement = true\n").canonical.hasSuffix(dense + "entanglement = true\n"))
        let mid = try CampaignPlan(configText: head + "solver = \"midspectrum\"\ntarget_eps = 0.4\n")
        XCTAssertTrue(mid.canonical.hasSuffix(dense + "solver = \"midspectrum\"\nk = 100\ntarget_eps = 0.4\nmidspectrum_method = \"auto\"\n"
                                              + "filter_degree = 0\ntolerance = 1e-12\nmax_iterations = 10000\n"), mid.canonical)
        XCTAssertEqual(try CampaignPlan(configText: mid.canonical).canonical, mid.canonical)
        XCTAssertThrowsError(try CampaignPlan(configText: head + "k = 50\n")) { e in
            XCTAssertTrue("\(e)".contains("[lrsg] k applies to solver = \"midspectrum\" only"), "\(e)")
        }
        XCTAssertThrowsError(try CampaignPlan(configText: head + "solver = \"midspectrum\"\nfilter_degree = 5\n")) { e in
            XCTAssertTrue("\(e)".contains("filter_degree must be 0 (SLEPc's choice) or in 10...100000 (got 5)"), "\(e)")
        }
    }

    /// The grid is the cartesian product, first factor outermost, with one contiguous block per first value.
    func testGridIsTheProductGroupedByTheFirstFactor() {
        struct P: Equatable { var L: Int; var a: Double; var s: String }
        let g = ParameterGrid([8, 12], [0.5, 0.7], ["r", "s"]) { P(L: $0, a: $1, s: $2) }
        XCTAssertEqual(g.points.count, 8)
        XCTAssertEqual(g.points[5], P(L: 12, a: 0.5, s: "s"))
        XCTAssertEqual(g.blockPoints, [[0, 1, 2, 3], [4, 5, 6, 7]])
        let tasks = g.tasks(campaign: try! CampaignSettings.parse(ConfigDocument(text: "[campaign]\nseed = 1\nrealizations = 3\nfirst_realization = 2\n")
                                                                    .table("campaign"))) { Double($0) }
        XCTAssertEqual(tasks.count, 24)
        XCTAssertEqual(tasks.filter { $0.block == 1 }.map(\.row), Array(0..<12))
        XCTAssertEqual(tasks[4].point, 1)
        XCTAssertEqual(tasks[4].realization, 3)
    }

    /// Every declared study's example config (defaults and examples) parses,
    /// and its canonical text gives back the same text: the declarations and
    /// the studies' own cross-key checks agree.
    func testEveryDeclaredStudysExampleParses() throws {
        for s in StudyRegistry.all {
            XCTAssertFalse(s.parameters.isEmpty, s.name)
            let plan = try CampaignPlan(configText: StudySchema.exampleConfig(s))
            XCTAssertEqual(try CampaignPlan(configText: plan.canonical).canonical, plan.canonical, s.name)
            XCTAssertTrue(try StudySchema.text(s).contains("columns of /\(s.name)/"), s.name)
            XCTAssertEqual(Set(s.parameters.map(\.key)).count, s.parameters.count, "\(s.name): a key declared twice")
        }
    }

    /// The cross-key rules several studies share (`requireEntries`,
    /// `requireTogether`) and the optional values (`intIfSet`, ...).
    func testCrossKeyRulesAndOptionalValues() throws {
        let decl: [Parameter] = [
            .ints("N", in: 1...10, default: [2, 4], help: ""), .ints("profile_N", in: 1...10, default: [], help: ""),
            .doubles("W", default: [1], unit: "1", help: ""), .doubles("theta_W", default: [], distinct: false, unit: "1", help: ""),
            Parameter.int("map_R", in: 1...5, help: "").optionalKey(), Parameter.double("x", unit: "1", help: "").optionalKey(),
            Parameter.string("s", help: "").optionalKey(),
        ]
        func check(_ toml: String) -> String {
            do {
                let v = try ParameterValues.parse(try table(toml), decl)
                try v.requireEntries("profile_N", in: "N")
                try v.requireEntries("theta_W", in: "W")
                try v.requireTogether("map_R", "theta_W")
                return "accepted \(v.intIfSet("map_R") as Any) \(v.doubleIfSet("x") as Any) \(v.stringIfSet("s") as Any)"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(check("profile_N = [4, 3]\n"), "config error: [t] profile_N = 3 is not one of the N values")
        XCTAssertEqual(check("theta_W = [1.5]\n"), "config error: [t] theta_W = 1.5 is not one of the W values")
        XCTAssertEqual(check("map_R = 2\n"), "config error: [t] map_R and theta_W go together")
        XCTAssertEqual(check("theta_W = [1.0]\n"), "config error: [t] map_R and theta_W go together")
        XCTAssertEqual(check(""), "accepted nil nil nil")
        XCTAssertEqual(check("map_R = 2\ntheta_W = [1.0, 1.0]\nx = 0.5\ns = \"a\"\n"), "accepted Optional(2) Optional(0.5) Optional(\"a\")")
    }

    /// The order checks of two floats (`increasing`) and of a [lo, hi] list (`increasingPair`).
    func testIncreasingValuesAndPairs() throws {
        let decl: [Parameter] = [.double("lo", default: 1, unit: "1", help: ""), .double("hi", default: 2, unit: "1", help: ""),
                                 .doubles("range", default: [1, 2], distinct: false, unit: "1", help: "")]
        func check(_ toml: String) -> String {
            do {
                let v = try ParameterValues.parse(try table(toml), decl)
                let a = try v.increasing("lo", "hi", need: "lo < hi"), b = try v.increasingPair("range", shape: "[lo, hi] with lo < hi")
                return "accepted \(a.lo) \(a.hi) \(b.lo) \(b.hi)"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(check(""), "accepted 1.0 2.0 1.0 2.0")
        XCTAssertEqual(check("lo = 2\n"), "config error: [t] need lo < hi (got 2.0, 2.0)")
        XCTAssertEqual(check("range = [2, 1]\n"), "config error: [t] range must be [lo, hi] with lo < hi")
        XCTAssertEqual(check("range = [1, 2, 3]\n"), "config error: [t] range must be [lo, hi] with lo < hi")
        let v = try ParameterValues.parse(try table("range = [3, 1]\n"), decl)
        XCTAssertThrowsError(try v.increasingPair("range", shape: "[lo, hi]", showingValue: true)) { e in
            XCTAssertEqual("\(e)", "config error: [t] range must be [lo, hi] (got [3.0, 1.0])")
        }
    }
}
