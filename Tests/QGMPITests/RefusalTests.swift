import XCTest
import Foundation
import QGTestSupport

/// Bad input is refused before any allocation, with a clear message and exit status 2.
final class RefusalTests: XCTestCase {
    func expectRefusal(_ args: [String], ranks: Int = 2, contains: String, cwd: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let res = try MPIRun.qglass(ranks: ranks, args, cwd: cwd)
        XCTAssertEqual(res.status, 2, "expected refusal, got:\n\(res.stdout)\n\(res.stderr)", file: file, line: line)
        XCTAssertTrue(res.stderr.contains(contains), "message lacks '\(contains)':\n\(res.stderr)", file: file, line: line)
        // Rank 0 alone reports.
        XCTAssertEqual(res.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count, 1, res.stderr, file: file, line: line)
    }

    func testExistingOutputNeedsForceOrResume() throws {
        let dir = try TestPaths.scratch("exists")
        let out = dir.appendingPathComponent("o.h5").path
        let args = ["ed", "--L", "4", "--alpha", "0.7", "--hx", "0.5", "--realizations", "1", "--seed", "1", "--out", out]
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, args).status, 0)
        try expectRefusal(args, contains: "already exists")
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, args + ["--force"]).status, 0)
    }

    func testUnknownConfigKey() throws {
        let dir = try TestPaths.scratch("unknown-key")
        let cfg = dir.appendingPathComponent("c.toml")
        try "[campaign]\nseed = 1\nrealizations = 2\n\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = [0.5]\nhx_typo = 3\n".write(to: cfg, atomically: true, encoding: .utf8)
        try expectRefusal(["run", cfg.path, "--out", dir.appendingPathComponent("o.h5").path], contains: "unknown key 'hx_typo'")
        try "[campaign]\nseed = 1\nrealizations = 2\n[lrsgg]\nL = [6]\n".write(to: cfg, atomically: true, encoding: .utf8)
        try expectRefusal(["run", cfg.path, "--out", dir.appendingPathComponent("o.h5").path], contains: "unknown table [lrsgg]")
    }

    func testOutOfRangeParameters() throws {
        let dir = try TestPaths.scratch("range")
        let base = ["ed", "--realizations", "1", "--seed", "1", "--out", dir.appendingPathComponent("o.h5").path]
        try expectRefusal(base + ["--L", "8", "--alpha", "0", "--hx", "0.5"], contains: "alpha must be > 0")
        try expectRefusal(base + ["--L", "8", "--alpha", "0.7", "--hx=-0.1"], contains: "hx must be >= 0")
        try expectRefusal(base + ["--L", "1", "--alpha", "0.7", "--hx", "0.5"], contains: "out of range")
        try expectRefusal(base + ["--L", "8", "--alpha", "0.7", "--hx", "0.5", "--group-size", "3"], contains: "does not divide")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.h5").path), "no file may be created")
    }

    /// L = 20 needs ~ 3 (2^19)^2 x 8 B = 6.6 TB per rank: refused up front.
    func testMemoryEstimateAboveRAM() throws {
        let dir = try TestPaths.scratch("memory")
        try expectRefusal(["ed", "--L", "20", "--alpha", "0.7", "--hx", "0.5", "--realizations", "1", "--seed", "1",
                           "--out", dir.appendingPathComponent("o.h5").path], contains: "memory estimate")
    }
}
