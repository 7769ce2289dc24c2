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

    /// Issue 21, 2.1: a negative value after an option is its value, not a flag: every command gets
    /// the option's own range message instead of "Missing value". Flags and short options are untouched.
    func testNegativeOptionValuesGetTheirRangeMessage() throws {
        let out = try TestPaths.scratch("negative-values").appendingPathComponent("x.h5").path
        try expectOneLineRefusal(["quench", "--L", "-100", "--Ls", "6", "--alpha", "0.7", "--hx", "0.05", "--realizations", "2", "--seed", "1",
                                  "--out", out], contains: "L = -100 out of range")
        try expectOneLineRefusal(["quench", "--L", "8", "--Ls", "2", "--alpha", "-0.7", "--hx", "0.05", "--realizations", "2", "--seed", "1",
                                  "--out", out], contains: "alpha must be > 0 (got -0.7)")
        try expectOneLineRefusal(["ed", "--model", "xxz", "--L", "6", "--W", "-1", "--realizations", "1", "--seed", "1", "--out", out],
                                 contains: "W must be finite and >= 0 (got -1.0)")
        try expectOneLineRefusal(["ed", "--model", "lrsg", "--L", "6", "--alpha", "0.7", "--hx", "-1,2", "--realizations", "1", "--seed", "1",
                                  "--out", out], contains: "hx must be >= 0 (got -1.0)")
        try expectOneLineRefusal(["emch-radin", "--d", "1", "--alpha", "2", "--N", "10", "--samples", "2", "--seed", "-3", "--out", out],
                                 contains: "seed must be >= 0 (got -3)")
        try expectOneLineRefusal(["plan", TestPaths.repoRoot.appendingPathComponent("jobscripts/s1-demo.toml").path, "--hours", "-1"],
                                 contains: "--hours > 0")
        try expectOneLineRefusal(["bench", "--threads", "-2"], contains: "--threads must be in 1...1024 (got -2)")
        try expectOneLineRefusal(["fields", "--L", "8", "--alpha", "-1", "--realizations", "1", "--seed", "1", "--out", out],
                                 contains: "alpha must be > 0 (got -1.0)")
        try expectOneLineRefusal(["run", TestPaths.repoRoot.appendingPathComponent("jobscripts/s1-demo.toml").path, "--out", out,
                                  "--progress-interval", "-1"], contains: "--progress-interval must be a number of seconds > 0 (got -1.0)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // A physical value past its bound (issue 21, 2.3), from a flag command: nothing written.
        try expectOneLineRefusal(["quench", "--L", "8", "--Ls", "2", "--alpha", "0.7", "--hx", "1e300", "--realizations", "2", "--seed", "1",
                                  "--out", out], contains: "[quench] hx = 1e+300 out of range: |hx| <= 1e6")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
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
