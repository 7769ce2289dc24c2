import XCTest
import QGTestSupport
import QGED
@testable import QGCampaign

/// Strict config parsing and validation (no MPI, no allocation).
final class ConfigTests: XCTestCase {
    let good = """
    [campaign]
    seed = 7
    realizations = 3

    [lrsg]
    L = [6, 8]
    alpha = 0.7
    hx = [0.1, 1.0]
    """

    func testParsesAndExpandsGrid() throws {
        let plan = try CampaignPlan(configText: good)
        let s = try XCTUnwrap(plan.study as? LRSGStudy)
        XCTAssertEqual(s.points.count, 4)
        XCTAssertEqual(s.tasks.count, 12)
        XCTAssertEqual(s.blocks.map(\.path), ["/lrsg/L6", "/lrsg/L8"])
        XCTAssertEqual(s.blocks.map(\.rows), [6, 6])
        // Rows of a block are (point-major, realization-minor) and unique.
        let rows = s.tasks.filter { $0.block == 1 }.map(\.row)
        XCTAssertEqual(rows, Array(0..<6))
        XCTAssertEqual(plan.settings.blasThreads, 1)
    }

    func expectError(_ text: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CampaignPlan(configText: text), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(fragment), "\(e)", file: file, line: line)
        }
    }

    /// The list readers share one body (ConfigTable.list) and the drivers one
    /// declaration each (CampaignSettings.parameters): each refusal still names its key and type.
    func testListAndDriverRefusalsNameKeyAndType() {
        let head = "[campaign]\nseed = 7\nrealizations = 3\n"
        let lrsg = "\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = 0.1\n"
        expectError(head + "\n[lrsg]\nL = [6]\nalpha = 0.7\n", "[lrsg] missing required key 'hx'")
        expectError(head + "\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = \"x\"\n", "[lrsg] 'hx' must be a number or a list of numbers")
        expectError(head + "\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = [0.1, \"x\"]\n", "[lrsg] 'hx' must contain only numbers")
        expectError(head + "\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = []\n", "[lrsg] 'hx' must not be empty")
        expectError(head + "\n[lrsg]\nL = 6.5\nalpha = 0.7\nhx = 0.1\n", "[lrsg] 'L' must be an integer or a list of integers")
        expectError(head + "\n[lrsg]\nL = [6, 0.5]\nalpha = 0.7\nhx = 0.1\n", "[lrsg] 'L' must contain only integers")
        for (key, cases) in [("lapack_driver", "[\"dsyevd\", \"dsyevr\"]"), ("scalapack_driver", "[\"pdsyevd\", \"pdsyevr\"]"),
                             ("complex_lapack_driver", "[\"zheevd\", \"zheevr\"]"),
                             ("complex_scalapack_driver", "[\"pzheevd\", \"pzheevr\"]")] {
            expectError(head + "\(key) = \"qr\"\n" + lrsg, "[campaign] \(key) must be one of \(cases) (got 'qr')")
        }
        XCTAssertEqual(try CampaignPlan(configText: head + "complex_lapack_driver = \"zheevr\"\n" + lrsg).settings.complexLapackDriver, .zheevr)
        // An integer stands for a number, alone or in a list of numbers.
        XCTAssertNoThrow(try CampaignPlan(configText: head + "\n[lrsg]\nL = [6]\nalpha = 1\nhx = [1, 2.5]\n"))
    }

    /// Group support is declared per study: the ED studies use ScaLAPACK
    /// groups, the classical ones refuse group_size > 1 (checkRunnable), while
    /// their stored configs still parse (reduction of older files).
    func testGroupSupportIsDeclaredAndChecked() throws {
        for name in ["lrsg", "xxz", "heisenberg_o3"] {
            XCTAssertEqual(StudyRegistry.find(name)?.supportsGroups, true, name)
        }
        for name in ["fields", "avalanche", "twoflip", "tempering"] {
            XCTAssertEqual(StudyRegistry.find(name)?.supportsGroups, false, name)
        }
        try CampaignPlan(configText: good.replacingOccurrences(of: "seed = 7", with: "seed = 7\ngroup_size = 2")).checkRunnable()
        let twoflip = "[campaign]\nseed = 1\nrealizations = 1\ngroup_size = 2\n[twoflip]\nL = [50]\nalpha = [0.6]\nhx = [0.1]\n"
        let plan = try CampaignPlan(configText: twoflip)
        XCTAssertThrowsError(try plan.checkRunnable()) { e in
            XCTAssertTrue("\(e)".contains("study 'twoflip' cannot use ScaLAPACK groups") && "\(e)".contains("(got 2)"), "\(e)")
        }
        try CampaignPlan(configText: twoflip.replacingOccurrences(of: "group_size = 2", with: "group_size = 1")).checkRunnable()
    }

    func testRejectsUnknownKeysAndTables() {
        expectError(good + "\nfoo = 1\n", "unknown key 'foo'")
        expectError(good.replacingOccurrences(of: "seed = 7", with: "seed = 7\nsed = 8"), "unknown key 'sed'")
        expectError(good + "\n[other]\nx = 1\n", "unknown table [other]")
        expectError("[campaign]\nseed = 1\nrealizations = 1\n", "exactly one study table (found none)")
        // Issue 21, 6: a config with two study tables names the two, not every known table.
        expectError(good + "\n[xxz]\nL = [6]\n", "exactly one study table (found [lrsg] and [xxz])")
    }

    /// Issue 21, 6: the unknown key comes first (before value and cross-key checks) with the closest
    /// declared key; an explicit empty list is named as empty; --set of a second study names both tables.
    func testUnknownKeyFirstEmptyListsAndASecondStudy() throws {
        // A value error (empty L) and a typo: the typo is reported.
        expectError(good.replacingOccurrences(of: "L = [6, 8]", with: "L = []\nhxx = 1"), "[lrsg] unknown key 'hxx' (did you mean 'hx'?)")
        // The issue's example: a cross-key check ("profile_N and profile_delta_a go together") no longer comes first.
        let mf = "[campaign]\nseed = 1\nrealizations = 1\n[meanfield]\nN = [10]\ndelta_a = [-0.1]\nprofile_N = [10]\nprofile_delta_A = [-0.1]\n"
        expectError(mf, "[meanfield] unknown key 'profile_delta_A' (did you mean 'profile_delta_a'?)")
        expectError(good.replacingOccurrences(of: "seed = 7", with: "seed = 7\nrealisations = 2"),
                    "[campaign] unknown key 'realisations' (did you mean 'realizations'?)")
        expectError(good + "\nzzz_unrelated = 1\n", "unknown key 'zzz_unrelated'; allowed: L, alpha")
        // Review of issue 21: no nonsense for short names ("hx" in [xxz] is two edits from "L", a whole name away).
        let xxz = "[campaign]\nseed = 1\nrealizations = 1\n[xxz]\nL = [6]\nW = [1.0]\nhx = 0.5\n"
        XCTAssertThrowsError(try CampaignPlan(configText: xxz)) { e in
            XCTAssertTrue("\(e)".contains("unknown key 'hx'") && !"\(e)".contains("did you mean"), "\(e)")
        }
        // A typo in [meanfield] comes first even when realizations != 1.
        expectError(mf.replacingOccurrences(of: "realizations = 1", with: "realizations = 2"), "[meanfield] unknown key 'profile_delta_A'")
        // Empty lists, where a list must name at least one value.
        expectError(good.replacingOccurrences(of: "L = [6, 8]", with: "L = []"), "[lrsg] 'L' must not be empty")
        expectError(good.replacingOccurrences(of: "hx = [0.1, 1.0]", with: "hx = []"), "[lrsg] 'hx' must not be empty")
        expectError("[campaign]\nseed = 1\nrealizations = 1\n[quench]\nL = []\nLs = [2]\nalpha = 1\nhx = 0.1\n", "[quench] 'L' must not be empty")
        // ... but an empty list that means "none" is allowed.
        _ = try CampaignPlan(configText: mf.replacingOccurrences(of: "profile_N = [10]\nprofile_delta_A = [-0.1]\n", with: "profile_N = []\nprofile_delta_a = []\n"))
        // --set of a second study's table names the two tables, not every known one.
        XCTAssertThrowsError(try ConfigDocument.applying(overrides: ["xxz.W=[1]"], to: good)) { e in
            XCTAssertTrue("\(e)".contains("found [lrsg] and [xxz]") && !"\(e)".contains("[tempering]"), "\(e)")
        }
        XCTAssertEqual(closestName(to: "quenc", among: ["run", "quench", "ed"]), "quench")
        XCTAssertNil(closestName(to: "zzzzzz", among: ["run", "quench", "ed"]))
    }

    /// Issue 21, 2.3: the physical parameters have the bounds of PhysicalBounds (checked here in the
    /// config layer; Tests/Python/test_parameter_bounds.py runs every study's through the CLI).
    func testPhysicalBounds() throws {
        expectError(good.replacingOccurrences(of: "hx = [0.1, 1.0]", with: "hx = [0.1, 1e300]"), "[lrsg] hx = 1e+300 out of range: |hx| <= 1e6")
        expectError(good.replacingOccurrences(of: "alpha = 0.7", with: "alpha = 1e300"), "[lrsg] alpha = 1e+300 out of range: |alpha| <= 100")
        _ = try CampaignPlan(configText: good.replacingOccurrences(of: "hx = [0.1, 1.0]", with: "hx = [0.1, 1e6]"))
        let q = "[campaign]\nseed = 1\nrealizations = 1\n[quench]\nL = [8]\nLs = [2]\nalpha = 0.7\nhx = 0.1\n"
        _ = try CampaignPlan(configText: q)
        expectError(q.replacingOccurrences(of: "hx = 0.1", with: "hx = 1e300"), "[quench] hx = 1e+300 out of range")
        expectError(q.replacingOccurrences(of: "alpha = 0.7", with: "alpha = 1e300"), "[quench] alpha = 1e+300 out of range")
        let x = "[campaign]\nseed = 1\nrealizations = 1\n[xxz]\nL = [6]\nW = [1]\n"
        expectError(x.replacingOccurrences(of: "W = [1]", with: "W = [1e300]"), "[xxz] W = 1e+300 out of range")
        expectError(x + "delta = -1e300\n", "[xxz] delta = -1e+300 out of range")
        // A key of the XXZ chain is unknown to the O(3) chain.
        expectError(x.replacingOccurrences(of: "[xxz]", with: "[heisenberg_o3]") + "delta = 1\n", "[heisenberg_o3] unknown key 'delta'")
    }

    func testRejectsOutOfRange() {
        expectError(good.replacingOccurrences(of: "alpha = 0.7", with: "alpha = -1"), "alpha must be > 0")
        expectError(good.replacingOccurrences(of: "hx = [0.1, 1.0]", with: "hx = [0.1, -2]"), "hx must be >= 0")
        expectError(good.replacingOccurrences(of: "L = [6, 8]", with: "L = [6, 40]"), "out of range")
        expectError(good.replacingOccurrences(of: "realizations = 3", with: "realizations = 0"), "realizations")
        expectError(good.replacingOccurrences(of: "L = [6, 8]", with: "L = \"six\""), "integer")
        expectError(good + "\nboundary = \"twisted\"\n", "boundary")
        expectError("[campaign\nseed=1", "TOML syntax error")
    }

    /// Memory model: dsyevd needs ~3 D^2 doubles, a ScaLAPACK group shares it.
    func testMemoryEstimate() throws {
        let plan = try CampaignPlan(configText: good.replacingOccurrences(of: "L = [6, 8]", with: "L = [14]"))
        let d = Double(1 << 13)
        let one = Double(plan.peakBytesPerRank(groupSize: 1))
        XCTAssertGreaterThan(one, 3 * d * d * 8)
        XCTAssertLessThan(one, 3.2 * d * d * 8 + 128e6)
        XCTAssertLessThan(Double(plan.peakBytesPerRank(groupSize: 4)), one / 2)
    }

    /// The canonical text ignores formatting and the output path, but holds
    /// the solver setup (it changes payload bits).
    func testCanonicalIgnoresOutputButNotSolverSetup() throws {
        let a = try CampaignPlan(configText: good)
        let b = try CampaignPlan(configText: good.replacingOccurrences(of: "realizations = 3", with: "realizations = 3\noutput = \"x.h5\"\nblas_threads = 1"))
        XCTAssertEqual(a.canonical, b.canonical)
        let c = try CampaignPlan(configText: good.replacingOccurrences(of: "seed = 7", with: "seed = 8"))
        XCTAssertNotEqual(a.canonical, c.canonical)
        for setting in ["group_size = 2", "blas_threads = 2", "blas_threads = 0", "lapack_driver = \"dsyevr\"",
                        "scalapack_driver = \"pdsyevr\"", "block_size = 32"] {
            let d = try CampaignPlan(configText: good.replacingOccurrences(of: "seed = 7", with: "seed = 7\n" + setting))
            XCTAssertNotEqual(a.canonical, d.canonical, setting)
            let diff = Campaign.canonicalDifferences(stored: a.canonical, now: d.canonical)
            XCTAssertEqual(diff.count, 1, "\(setting): \(diff)")
            XCTAssertTrue(diff[0].hasPrefix("campaign." + setting.split(separator: " ")[0] + ": file "), diff[0])
        }
        // The canonical text is itself a valid config (the reducer parses it).
        XCTAssertEqual(try CampaignPlan(configText: a.canonical).canonical, a.canonical)
    }

    /// --set edits the overridden lines only: comments and numbers as written
    /// are kept (no 0.69999999999999996), and the stored config names --out.
    func testOverridesKeepTheTextAsWritten() throws {
        let text = "# my study\n[campaign]\nseed = 7   # seed\nrealizations = 3\noutput = \"a.h5\"\n\n[lrsg]\nL = [6, 8]\nalpha = 0.7\nhx = [0.1, 1.0]\n"
        let out = try ConfigDocument.applying(overrides: ["lrsg.L=[12]", "campaign.group_size=2"], to: text)
        XCTAssertTrue(out.hasPrefix("# overrides: lrsg.L=[12] campaign.group_size=2\n# my study\n"), out)
        XCTAssertTrue(out.contains("seed = 7   # seed\n") && out.contains("alpha = 0.7\n") && out.contains("hx = [0.1, 1.0]"), out)
        XCTAssertTrue(out.contains("L = [12]\n") && out.contains("group_size = 2\n"), out)
        let plan = try CampaignPlan(configText: out)
        XCTAssertEqual(plan.settings.groupSize, 2)
        XCTAssertEqual((plan.study as? LRSGStudy)?.sizes, [12])
        let named = try ConfigDocument.settingOutput("/scratch/run \"1\".h5", in: out)
        XCTAssertEqual(try CampaignPlan(configText: named).settings.output, "/scratch/run \"1\".h5")
        XCTAssertTrue(named.contains("alpha = 0.7\n"))
        // A multi-line value cannot be edited line by line: TOMLKit's rendering, same meaning.
        let multi = text.replacingOccurrences(of: "hx = [0.1, 1.0]", with: "hx = [0.1,\n  1.0]")
        let m = try ConfigDocument.applying(overrides: ["lrsg.hx=[0.5]"], to: multi)
        XCTAssertEqual((try CampaignPlan(configText: m).study as? LRSGStudy)?.fields, [0.5])
    }
}

/// `qglass plan`: per-size matrix dimension, group choice, task wall time,
/// and #SBATCH lines sized from it (issue 10, item 10).
final class PlannerTests: XCTestCase {
    func plan(_ sizes: String, realizations: Int = 1000) throws -> CampaignPlan {
        try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = \(realizations)\n[lrsg]\nL = \(sizes)\nalpha = 0.7\nhx = [0.1, 0.5]\n")
    }

    /// The lead of `--signal=B:USR1@N` in a report, in seconds.
    func signalLead(_ report: String) throws -> Int {
        let line = try XCTUnwrap(report.split(separator: "\n").first { $0.hasPrefix("#SBATCH --signal=B:USR1@") })
        return try XCTUnwrap(Int(line.dropFirst("#SBATCH --signal=B:USR1@".count).prefix { $0.isNumber }))
    }

    func timeLimitSeconds(_ report: String) throws -> Int {
        let line = try XCTUnwrap(report.split(separator: "\n").first { $0.hasPrefix("#SBATCH --time=") })
        let f = line.dropFirst("#SBATCH --time=".count).split(separator: ":").map { Int($0)! }
        return f[0] * 3600 + f[1] * 60 + f[2]
    }

    func testPlanForFiniteSizeScaling() throws {
        let planner = CampaignPlanner()
        let p = try plan("[12, 16]")
        let blocks = planner.blockPlans(p)
        XCTAssertEqual(blocks.map(\.dimension), [2048, 32768])
        // 4 GiB per core: L = 12 fits one rank; L = 16 (24 GiB on one rank)
        // needs a group: 16 ranks with pdsyevd (5 D^2/g), or 8 with pdsyevr
        // (3 D^2/g = 3.07 GiB), and the smaller group wins (issue 15).
        XCTAssertEqual(blocks.map(\.group), [1, 8])
        XCTAssertEqual(blocks.map { $0.solverPath?.label }, ["dsyevd/pdsyevd", "dsyevr/pdsyevr"])
        let l16 = blocks[1]
        let path = try XCTUnwrap(l16.solverPath)
        XCTAssertEqual(try XCTUnwrap(l16.taskWallSeconds), path.coreSeconds(p.study.tasks.last!, 8) / 8, accuracy: 1e-6)
        let report = planner.report(p)
        XCTAssertTrue(report.contains("#SBATCH --requeue"))
        // The stop lead exceeds one L = 16 task (~14 min), unlike the old fixed @300.
        let lead = try signalLead(report)
        XCTAssertGreaterThan(Double(lead), try XCTUnwrap(l16.taskWallSeconds))
        XCTAssertGreaterThan(Double(try timeLimitSeconds(report)), Double(lead))
        XCTAssertLessThanOrEqual(Double(try timeLimitSeconds(report)), planner.wallHours * 3600)
        let row = try XCTUnwrap(report.split(separator: "\n").first { $0.hasPrefix("/lrsg/L16") })
        XCTAssertTrue(row.contains(" min"), "the task wall time is printed: \(row)")
        XCTAssertFalse(report.contains("WRONG TOOL"))
    }

    /// L = 18: the old planner picked g = 64 (10 GiB per rank against 4 GiB
    /// per core) and a limit far below one task. Now: the group that fits,
    /// the task's wall time, a lead above it, and the full-ED warning.
    func testPlanL18FindsTheGroupThatFitsAndSaysFullEDIsTheWrongTool() throws {
        let planner = CampaignPlanner()
        let p = try plan("[18]", realizations: 100)
        let b = try XCTUnwrap(planner.blockPlans(p).first)
        let g = try XCTUnwrap(b.group)
        XCTAssertGreaterThan(g, 64)
        XCTAssertLessThanOrEqual(b.memoryAtGroup, 0.9 * planner.memoryPerCoreGiB)
        XCTAssertGreaterThan(Double(p.study.peakBytesPerRank(p.study.tasks[0], groupSize: g / 2)) / Double(1 << 30), 0.9 * planner.memoryPerCoreGiB)
        let report = planner.report(p)
        XCTAssertTrue(report.contains("full ED of D = 131072"), report)
        XCTAssertTrue(report.contains("use the mid-spectrum solver ([lrsg] solver = \"midspectrum\")"), report)
        XCTAssertTrue(report.contains("#SBATCH --nodes="), report)
        let lead = try signalLead(report)
        XCTAssertGreaterThan(Double(lead), try XCTUnwrap(b.taskWallSeconds))
        XCTAssertLessThanOrEqual(try timeLimitSeconds(report), 24 * 3600)
    }

    /// Issue 15: one L = 16 realization on one 2-core, 24 GiB node with one
    /// rank: dsyevd (3 D^2 = 24 GiB) does not fit, dsyevr (2 D^2) does, and
    /// the plan says so with the numbers and the keys to set.
    func testPlanChoosesTheLeanDriverWhenOnlyItFits() throws {
        var planner = CampaignPlanner()
        planner.coresPerNode = 2
        planner.memoryPerNodeGiB = 24
        planner.ranksPerNode = 1
        let p = try plan("[16]", realizations: 1)
        let b = try XCTUnwrap(planner.blockPlans(p).first)
        XCTAssertEqual(b.group, 1)
        XCTAssertEqual(b.solverPath?.label, "dsyevr/pdsyevr")
        XCTAssertEqual(b.memoryAtGroup, 16.13, accuracy: 0.01)
        let report = planner.report(p)
        XCTAssertTrue(report.contains("dsyevd/pdsyevd 24.12 GiB > 21.60, dsyevr/pdsyevr 16.13 GiB fits"), report)
        XCTAssertTrue(report.contains("--set campaign.lapack_driver=\"dsyevr\""), report)
        XCTAssertTrue(report.contains("#SBATCH --cpus-per-task=2"), report)
        // With one rank per core (12 GiB each) neither driver fits one rank: a group of 4 with pdsyevd.
        planner.ranksPerNode = nil
        let g = try XCTUnwrap(planner.blockPlans(p).first)
        XCTAssertEqual(g.group, 4)
        XCTAssertEqual(g.solverPath?.label, "dsyevd/pdsyevd")
    }

    /// The fast driver is kept whenever it fits.
    func testPlanKeepsDivideAndConquerWhenItFits() throws {
        let b = try XCTUnwrap(CampaignPlanner().blockPlans(try plan("[14]")).first)
        XCTAssertEqual(b.group, 1)
        XCTAssertEqual(b.solverPath?.label, "dsyevd/pdsyevd")
    }

    /// The plan compares its path with the config's drivers: it says when it
    /// advises another, and is silent when the config already runs its choice.
    func testPlanNamesItsPathOnlyWhenTheConfigRunsAnother() throws {
        func config(_ sizes: String, driver: String) throws -> CampaignPlan {
            try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 10\nlapack_driver = \"\(driver)\"\n[lrsg]\nL = \(sizes)\nalpha = 0.7\nhx = [0.1]\n")
        }
        var planner = CampaignPlanner()
        planner.coresPerNode = 2
        planner.memoryPerNodeGiB = 24
        planner.ranksPerNode = 1
        // L = 14 fits dsyevd: a config asking for dsyevr is told the faster path.
        let fast = planner.report(try config("[14]", driver: "dsyevr"))
        XCTAssertTrue(fast.contains("use solver path dsyevd/pdsyevd (--set campaign.lapack_driver=\"dsyevd\""), fast)
        // L = 16 fits dsyevr only, and the config already runs it: no advice.
        let lean = try config("[16]", driver: "dsyevr")
        XCTAssertEqual(planner.blockPlans(lean).first?.solverPath?.label, "dsyevr/pdsyevr")
        XCTAssertFalse(planner.report(lean).contains("/lrsg/L16: solver path"), planner.report(lean))
        // The default config (dsyevd) at L = 16 is told to switch.
        XCTAssertTrue(planner.report(try config("[16]", driver: "dsyevd")).contains("use solver path dsyevr/pdsyevr (--set"))
    }

    /// The mid-spectrum solver at L = 22: no "wrong tool" note, one path, a group that fits.
    func testPlanOfTheMidSpectrumSolver() throws {
        let p = try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 100\n[lrsg]\nL = [22]\nalpha = 0.7\nhx = [0.1, 0.5]\nsolver = \"midspectrum\"\nk = 100\n")
        let planner = CampaignPlanner()
        let b = try XCTUnwrap(planner.blockPlans(p).first)
        XCTAssertFalse(b.fullEDWrongTool)
        XCTAssertNil(b.solverPath)
        XCTAssertNotNil(b.group)
        XCTAssertFalse(planner.report(p).contains("WRONG TOOL"))
    }

    /// polfed (issue 24): no matrix and no factor, memory O(k D): at L = 18 one rank holds
    /// less than shift-invert's factor alone, and doubling k about doubles the basis term.
    func testPolfedMemoryModelHasNoMatrixAndGrowsWithK() throws {
        func study(_ method: String, k: Int) throws -> LRSGStudy {
            let p = try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n[lrsg]\nL = [18]\nalpha = 0.7\nhx = [1.0]\n"
                                     + "solver = \"midspectrum\"\nk = \(k)\nmidspectrum_method = \"\(method)\"\n")
            return try XCTUnwrap(p.study as? LRSGStudy)
        }
        let polfed = try study("polfed", k: 100), polfed2 = try study("polfed", k: 200), si = try study("shift-invert", k: 100)
        let d = Double(1 << 17)
        let b1 = Double(polfed.midSpectrumBytesPerRank(L: 18, groupSize: 1)), b2 = Double(polfed2.midSpectrumBytesPerRank(L: 18, groupSize: 1))
        XCTAssertLessThan(b1, 4e9)
        XCTAssertLessThan(b1, MidSpectrumPolicy.mumpsFactorBytes(dimension: d))
        XCTAssertGreaterThan(Double(si.midSpectrumBytesPerRank(L: 18, groupSize: 1)), b1)
        // The planned basis (V and H V, 2 N_w = 8 k vectors each) dominates: k 100 -> 200 adds 2 (800 + 100) 8 D bytes
        // with the candidates' Ritz vectors, plus G and M.
        XCTAssertEqual(b2 - b1, 2 * (800 + 100) * 8 * d, accuracy: 0.1 * b1)
        // A group divides the basis (each rank holds its slice) and adds one full block for the halo.
        XCTAssertLessThan(Double(polfed.midSpectrumBytesPerRank(L: 18, groupSize: 4)), b1 / 2)
    }

    /// `midspectrum_method = "auto"` takes QGED's solver policy per L
    /// (`MidSpectrumPolicy.autoMethod`, tested in QGEDTests.SolverPolicyTests),
    /// so an auto L = 18 task plans in polfed's memory, under the issue's
    /// 4 GB, with no MUMPS factor.
    func testAutoMethodFollowsTheSolverPolicy() throws {
        let sizes = [12, 14, 15, 16, 18]
        let p = try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n[lrsg]\nL = \(sizes)\nalpha = 0.7\n"
                                 + "hx = [1.0]\nsolver = \"midspectrum\"\nk = 100\nmidspectrum_method = \"auto\"\n")
        let s = try XCTUnwrap(p.study as? LRSGStudy)
        XCTAssertEqual(sizes.map { s.method($0) }, sizes.map { MidSpectrumPolicy.autoMethod(L: $0) })
        XCTAssertEqual(s.method(18), .polfed)
        let bytes = Double(s.midSpectrumBytesPerRank(L: 18, groupSize: 1))
        XCTAssertLessThan(bytes, 4e9)
        XCTAssertLessThan(bytes, MidSpectrumPolicy.mumpsFactorBytes(dimension: Double(1 << 17)))
    }

    /// No group of up to 4096 ranks fits: said, with the size that would; no #SBATCH lines.
    func testPlanSaysWhenNoGroupFits() throws {
        var planner = CampaignPlanner()
        planner.memoryPerNodeGiB = 16
        let p = try plan("[20]", realizations: 10)
        let b = try XCTUnwrap(planner.blockPlans(p).first)
        XCTAssertNil(b.group)
        let would = try XCTUnwrap(b.groupBeyondLimit)
        XCTAssertGreaterThan(would, 4096)
        let report = planner.report(p)
        XCTAssertTrue(report.contains("NO GROUP FITS /lrsg/L20"), report)
        XCTAssertTrue(report.contains("a group of \(would) ranks would fit"), report)
        XCTAssertFalse(report.contains("#SBATCH --"), report)
    }

    /// Tasks longer than the job limit cannot finish: said, and no #SBATCH
    /// lines. With a 3 min limit not even the shortest stop lead (5 min)
    /// fits, whatever the group.
    func testPlanRefusesALimitShorterThanATask() throws {
        var planner = CampaignPlanner()
        planner.wallHours = 0.05
        let report = planner.report(try plan("[16]"))
        XCTAssertTrue(report.contains("TASKS CANNOT FINISH"), report)
        XCTAssertTrue(report.contains("tasks longer than the limit cannot finish"), report)
        XCTAssertFalse(report.contains("#SBATCH --time"), report)
    }

    /// Issue 15: a task that would outlast the limit on the smallest group
    /// that fits in memory gets a larger group (L = 16, 15 min: the group of 8
    /// that memory asks for needs ~25 min per task), and the plan says so.
    func testPlanRaisesTheGroupSoThatOneTaskFitsTheLimit() throws {
        var planner = CampaignPlanner()
        planner.wallHours = 0.25
        let p = try plan("[16]")
        let b = try XCTUnwrap(planner.blockPlans(p).first)
        let g = try XCTUnwrap(b.group)
        XCTAssertGreaterThan(g, 8)
        XCTAssertLessThanOrEqual(try XCTUnwrap(b.taskWallSeconds) * 1.25 + 180, 0.25 * 3600)
        let report = planner.report(p)
        XCTAssertTrue(report.contains("raised from g = 8 to g = \(g) so that one task fits the 0.2 h limit"), report)
        XCTAssertTrue(report.contains("#SBATCH --time"), report)
    }

    /// Over a range of sizes and limits, whenever #SBATCH lines are printed,
    /// the lead exceeds the longest task and fits in the time limit.
    func testLeadAlwaysExceedsTheLongestTask() throws {
        for sizes in ["[8]", "[12, 14]", "[15]", "[16]", "[10, 16]", "[18]"] {
            for hours in [1.0, 6.0, 24.0, 72.0] {
                var planner = CampaignPlanner()
                planner.wallHours = hours
                let p = try plan(sizes, realizations: 200)
                let report = planner.report(p)
                let wall = planner.blockPlans(p).compactMap(\.taskWallSeconds).max() ?? 0
                guard report.contains("#SBATCH --signal") else {
                    XCTAssertTrue(report.contains("TASKS CANNOT FINISH"), "\(sizes), \(hours) h:\n\(report)")
                    continue
                }
                let lead = try signalLead(report), limit = try timeLimitSeconds(report)
                XCTAssertGreaterThan(Double(lead), wall, "\(sizes), \(hours) h")
                XCTAssertLessThan(lead, limit, "\(sizes), \(hours) h")
                XCTAssertLessThanOrEqual(Double(limit), hours * 3600, "\(sizes), \(hours) h")
            }
        }
    }
}

/// Issue 21, item 2.2: sizes estimated from the blocks and one task per
/// block, never from the full task list.
final class CampaignSizeTests: XCTestCase {
    func configs() throws -> [URL] {
        let dir = TestPaths.repoRoot.appendingPathComponent("jobscripts")
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "toml" }.sorted { $0.path < $1.path }
    }

    /// Every study's stored canonical text is itself a valid config that
    /// gives back the same text (the reducer and --resume parse it), for every
    /// shipped config and so every study type, not only lrsg: an empty list
    /// written back for a key whose default is empty (`theta_W = []`) parses.
    func testEveryStudysCanonicalTextReparses() throws {
        var studies = Set<String>()
        for url in try configs() {
            let plan = try CampaignPlan(configText: try String(contentsOf: url, encoding: .utf8))
            studies.insert(type(of: plan.study).name)
            let again = try CampaignPlan(configText: plan.canonical)
            XCTAssertEqual(again.canonical, plan.canonical, url.lastPathComponent)
        }
        XCTAssertEqual(studies, Set(StudyRegistry.all.map { $0.name }), "a shipped config per study type")
        // Keys left at an empty default are written back as `[]` (the case that broke a reduce).
        let small = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("jobscripts/s8-diamond-small.toml"), encoding: .utf8)
        let bare = small.split(separator: "\n").filter { !$0.hasPrefix("theta_W") && !$0.hasPrefix("map_") }.joined(separator: "\n")
        let plan = try CampaignPlan(configText: bare)
        XCTAssertTrue(plan.canonical.contains("theta_W = []"), plan.canonical)
        XCTAssertEqual(try CampaignPlan(configText: plan.canonical).canonical, plan.canonical)
    }

    /// For every shipped config, the representative task of each block (from
    /// a one-realization parse) is the first task of that block in the full
    /// list, and the blocks' rows count the tasks.
    func testRepresentativeTasksAreTheFirstTaskOfEachBlock() throws {
        let files = try configs()
        XCTAssertGreaterThan(files.count, 20)
        for url in files {
            let plan = try CampaignPlan(configText: try String(contentsOf: url, encoding: .utf8))
            let tasks = plan.study.tasks
            XCTAssertEqual(plan.taskCount, tasks.count, url.lastPathComponent)
            let reps = plan.representativeTasks()
            XCTAssertEqual(reps.count, plan.study.blocks.count, url.lastPathComponent)
            for (b, rep) in reps.enumerated() {
                let first = tasks.first { $0.block == b }
                XCTAssertEqual(rep, first, "\(url.lastPathComponent) block \(b)")
            }
        }
    }

    func config(realizations: Int) throws -> CampaignPlan {
        try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = \(realizations)\n[lrsg]\nL = [8]\nalpha = 0.7\nhx = [0.5]\n")
    }

    /// The checks in order: the cap, the disk, the memory, each naming its numbers.
    func testSizeRefusals() throws {
        let big = try config(realizations: CampaignLimits.maxTasks + 1)
        let cap = try XCTUnwrap(big.sizeRefusal(output: "/tmp/x.h5", ranksOnNode: 1, resumeOrForce: false, freeDisk: 1e20, availableMemory: 1e20))
        XCTAssertTrue(cap.contains("\(CampaignLimits.maxTasks + 1) tasks") && cap.contains("cap of \(CampaignLimits.maxTasks)"), cap)
        let p = try config(realizations: 1000)
        let size = p.size()
        XCTAssertEqual(size.tasks, 1000)
        XCTAssertEqual(size.driverBytesPerRank, Double(1000 * CampaignLimits.driverBytesPerTask))
        XCTAssertNil(p.sizeRefusal(output: "/tmp/x.h5", ranksOnNode: 4, resumeOrForce: false, freeDisk: size.fileBytes, availableMemory: 4 * size.bytesPerRank))
        let disk = try XCTUnwrap(p.sizeRefusal(output: "/tmp/x.h5", ranksOnNode: 4, resumeOrForce: false, freeDisk: size.fileBytes / 2, availableMemory: 1e20))
        XCTAssertTrue(disk.contains("would take \(byteText(size.fileBytes))") && disk.contains("\(byteText(size.fileBytes / 2)) free"), disk)
        let mem = try XCTUnwrap(p.sizeRefusal(output: "/tmp/x.h5", ranksOnNode: 4, resumeOrForce: false, freeDisk: 1e20, availableMemory: 3 * size.bytesPerRank))
        XCTAssertTrue(mem.hasPrefix("memory estimate") && mem.contains("x 4 rank(s)"), mem)
    }

    /// Issue 21, item 4.1: the plan costs the config's group_size first.
    func testPlanCostsTheConfiguredGroupFirst() throws {
        let text = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("jobscripts/s10b-chains-production.toml"), encoding: .utf8)
        let plan = try CampaignPlan(configText: text)
        XCTAssertEqual(plan.settings.groupSize, 4)
        let planner = CampaignPlanner()
        let report = planner.report(plan)
        let line = try XCTUnwrap(report.split(separator: "\n").first { $0.hasPrefix("configured group_size = ") })
        XCTAssertTrue(line.hasPrefix("configured group_size = 4: "), String(line))
        XCTAssertTrue(line.contains("; fits: "), String(line))
        let configured = planner.configuredPlans(plan)
        XCTAssertEqual(Set(configured.map(\.group)), [4])
        // Its core-hours are the configured group's, not the planner's (which puts L = 16 on 2 ranks).
        let cost = planner.jobPlan(configured).totalCoreHours
        XCTAssertTrue(line.contains(String(format: "%.1f core-hours", cost)), String(line))
        XCTAssertNotEqual(planner.blockPlans(plan).last?.group, 4)
        XCTAssertTrue(report.contains("alternative (the planner's groups per block, largest g = 2)"), report)
        XCTAssertTrue(report.contains("the #SBATCH lines below run the config as written (group_size = 4)"), report)
        XCTAssertFalse(line.contains("of the blocks that fit"), String(line))
    }

    /// Review of issue 21: where a block of the config as written does not
    /// fit, the configured core-hours cover only the others, and say so.
    func testPlanSaysWhenTheConfiguredCostIsPartial() throws {
        let text = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("jobscripts/s10b-chains-production.toml"), encoding: .utf8)
        let plan = try CampaignPlan(configText: text)
        // A node small enough that the largest L cannot run on the configured group of 4, but the others can.
        var planner = CampaignPlanner()
        let node = try XCTUnwrap((0..<40).map { 256 * pow(0.8, Double($0)) }.first { gib in
            planner.memoryPerNodeGiB = gib
            let n = planner.configuredPlans(plan).filter { $0.group == nil }.count
            return n > 0 && n < planner.configuredPlans(plan).count
        })
        planner.memoryPerNodeGiB = node
        let unfitted = planner.configuredPlans(plan).filter { $0.group == nil }.count
        let line = try XCTUnwrap(planner.report(plan).split(separator: "\n").first { $0.hasPrefix("configured group_size = ") })
        XCTAssertTrue(line.contains("(of the blocks that fit; \(unfitted) block(s) cannot run on it)"), String(line))
        XCTAssertTrue(line.contains("DOES NOT FIT"), String(line))
    }
}
