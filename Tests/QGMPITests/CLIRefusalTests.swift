import XCTest
import Foundation
import QGTestSupport

/// Local commands refuse bad input with one line on stderr and exit status 2
/// (issue 10, items 10 and 11). The built executable runs directly (no mpirun).
final class CLIRefusalTests: XCTestCase {
    func expectOneLineRefusal(_ args: [String], contains: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let res = try MPIRun.run([TestPaths.qglass] + args, timeout: 120)
        XCTAssertEqual(res.status, 2, "\(args): expected exit 2, got \(res.status):\n\(res.stdout)\n\(res.stderr)", file: file, line: line)
        let lines = res.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(args): one line on stderr:\n\(res.stderr)", file: file, line: line)
        XCTAssertTrue(res.stderr.hasPrefix("error: "), res.stderr, file: file, line: line)
        XCTAssertTrue(res.stderr.contains(contains), "\(args): message lacks '\(contains)':\n\(res.stderr)", file: file, line: line)
        XCTAssertTrue(res.stdout.isEmpty, "\(args): nothing on stdout:\n\(res.stdout)", file: file, line: line)
    }

    func testPlanOnAMissingConfig() throws {
        let dir = try TestPaths.scratch("plan-missing")
        let missing = dir.appendingPathComponent("nosuch.toml").path
        try expectOneLineRefusal(["plan", missing], contains: "cannot read config \(missing)")
        try expectOneLineRefusal(["plan", missing, "--set", "lrsg.L=[8]"], contains: "cannot read config")
        try expectOneLineRefusal(["plan", TestPaths.repoRoot.appendingPathComponent("jobscripts/s1-demo.toml").path, "--hours", "0"],
                                 contains: "--hours > 0")
    }

    func testPlanOfTheProductionConfigSizesTheStopLead() throws {
        let res = try MPIRun.run([TestPaths.qglass, "plan", TestPaths.repoRoot.appendingPathComponent("jobscripts/s1-fss-production.toml").path])
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("longest task:"), res.stdout)
        XCTAssertFalse(res.stdout.contains("USR1@300 "), "the L = 16 tasks take ~14 min, a 5-min lead kills them:\n\(res.stdout)")
    }

    func testHelpOnAnUnknownTopic() throws {
        try expectOneLineRefusal(["help", "nosuch"], contains: "no help topic 'nosuch'")
        try expectOneLineRefusal(["help", "plan", "nosuch"], contains: "no help topic 'nosuch'")
        let ok = try MPIRun.run([TestPaths.qglass, "help", "plan"])
        XCTAssertEqual(ok.status, 0)
        XCTAssertTrue(ok.stdout.contains("USAGE: qglass plan"), ok.stdout)
    }

    func testBenchRefusesNonsenseValues() throws {
        try expectOneLineRefusal(["bench", "--eig-n=-5"], contains: "--eig-n")
        try expectOneLineRefusal(["bench", "--eig-n", "abc"], contains: "--eig-n")
        try expectOneLineRefusal(["bench", "--eig-n", "64,,128"], contains: "--eig-n")
        try expectOneLineRefusal(["bench", "--gemm-n", "0"], contains: "--gemm-n")
        try expectOneLineRefusal(["bench", "--gemm-n", "1000000"], contains: "--gemm-n")
        try expectOneLineRefusal(["bench", "--threads", "0"], contains: "--threads")
        try expectOneLineRefusal(["bench", "--threads", "abc"], contains: "--threads")
        try expectOneLineRefusal(["bench", "--repeats=-1"], contains: "--repeats")
        let ok = try MPIRun.run([TestPaths.qglass, "bench", "--gemm-n", "32", "--eig-n", "0,32", "--repeats", "1"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("\"dsyevd_n32_seconds\""), ok.stdout)
    }
}
