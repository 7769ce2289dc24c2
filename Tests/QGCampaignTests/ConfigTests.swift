import XCTest
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

    func testRejectsUnknownKeysAndTables() {
        expectError(good + "\nfoo = 1\n", "unknown key 'foo'")
        expectError(good.replacingOccurrences(of: "seed = 7", with: "seed = 7\nsed = 8"), "unknown key 'sed'")
        expectError(good + "\n[other]\nx = 1\n", "unknown table [other]")
        expectError("[campaign]\nseed = 1\nrealizations = 1\n", "exactly one study table")
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
        let one = Double(plan.study.peakBytesPerRank(groupSize: 1))
        XCTAssertGreaterThan(one, 3 * d * d * 8)
        XCTAssertLessThan(one, 3.2 * d * d * 8 + 128e6)
        XCTAssertLessThan(Double(plan.study.peakBytesPerRank(groupSize: 4)), one / 2)
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

/// `qglass plan`: per-size matrix dimension, group choice and #SBATCH lines.
final class PlannerTests: XCTestCase {
    func testPlanForFiniteSizeScaling() throws {
        let text = """
        [campaign]
        seed = 1
        realizations = 1000
        [lrsg]
        L = [12, 16]
        alpha = 0.7
        hx = [0.1, 0.5]
        """
        let report = CampaignPlanner().report(try CampaignPlan(configText: text))
        let lines = report.split(separator: "\n").map(String.init)
        let l12 = try XCTUnwrap(lines.first { $0.hasPrefix("/lrsg/L12") }).split(separator: " ")
        let l16 = try XCTUnwrap(lines.first { $0.hasPrefix("/lrsg/L16") }).split(separator: " ")
        XCTAssertEqual(l12[1], "2048")
        XCTAssertEqual(l16[1], "32768")
        // 4 GiB per core: L = 12 fits one rank; L = 16 (24 GiB on one rank) needs a group of 16.
        XCTAssertEqual(l12[l12.count - 3], "1")
        XCTAssertEqual(l16[l16.count - 3], "16")
        XCTAssertTrue(report.contains("#SBATCH --signal=B:USR1@300"))
        XCTAssertTrue(report.contains("#SBATCH --requeue"))
    }
}
