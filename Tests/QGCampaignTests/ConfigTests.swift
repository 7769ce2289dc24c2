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

    /// The canonical text ignores formatting and output-only settings.
    func testCanonicalIgnoresOutputSettings() throws {
        let a = try CampaignPlan(configText: good)
        let b = try CampaignPlan(configText: good.replacingOccurrences(of: "realizations = 3", with: "realizations = 3\noutput = \"x.h5\"\nblas_threads = 2"))
        XCTAssertEqual(a.canonical, b.canonical)
        let c = try CampaignPlan(configText: good.replacingOccurrences(of: "seed = 7", with: "seed = 8"))
        XCTAssertNotEqual(a.canonical, c.canonical)
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
