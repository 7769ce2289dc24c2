import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// Runs killed mid-way lose no completed task, and `--resume` finishes them
/// with payloads bit-identical to an uninterrupted run.
final class RestartTests: XCTestCase {
    let args = ["--L", "12", "--alpha", "0.7", "--hx", "0.2,1.0", "--realizations", "5", "--seed", "21"]

    func payload(_ file: String) throws -> [String: [UInt64]] {
        try HDF5File.with(path: file, mode: .readOnly) { f in
            var out: [String: [UInt64]] = [:]
            for name in try f.members(of: "/lrsg/L12") where !name.contains("seconds") {
                let d = try f.openDataset("/lrsg/L12/" + name)
                switch name {
                case "realization", "point": out[name] = try d.readAll(as: Int64.self).map { UInt64(bitPattern: $0) }
                case "sector": out[name] = try d.readAll(as: Int8.self).map { UInt64(UInt8(bitPattern: $0)) }
                case "done": out[name] = try d.readAll(as: UInt8.self).map { UInt64($0) }
                default: out[name] = try d.readAll(as: Double.self).map(\.bitPattern)
                }
            }
            return out
        }
    }

    func doneCount(_ file: String) throws -> Int {
        try HDF5File.with(path: file, mode: .readOnly) { f in try f.openDataset("/lrsg/L12/done").readAll(as: UInt8.self).map(Int.init).reduce(0, +) }
    }

    /// Starts `mpirun -n 2 qglass ed ...` in the background.
    func start(_ out: String, extra: [String] = []) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["mpirun"] + MPIRun.mpirunArguments(ranks: 2) + [TestPaths.qglass, "ed", "--out", out] + args + extra
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"; env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func reference(_ dir: URL) throws -> String {
        let ref = dir.appendingPathComponent("ref.h5").path
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", ref] + args).status, 0)
        return ref
    }

    func testKill9MidRunThenResume() throws {
        let dir = try TestPaths.scratch("kill9")
        let ref = try reference(dir)
        let out = dir.appendingPathComponent("killed.h5").path
        let p = try start(out)
        Thread.sleep(forTimeInterval: 6)
        // SIGKILL everything: mpirun and the ranks (no chance to flush or close).
        _ = try MPIRun.run(["pkill", "-KILL", "-f", out])
        p.waitUntilExit()
        let done = try doneCount(out)
        XCTAssertGreaterThan(done, 0, "the kill came before any task completed; test inconclusive")
        XCTAssertLessThan(done, 10, "the run finished before the kill; test inconclusive")
        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args)
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("resuming \(out): \(done) of 10 tasks already complete"), res.stdout)
        XCTAssertEqual(try payload(out), try payload(ref))
    }

    /// SIGUSR1 (what mpirun forwards; the job scripts turn SLURM's warning
    /// signal into it) stops the run cleanly after in-flight tasks, with exit 75.
    func testGracefulStopThenResume() throws {
        let dir = try TestPaths.scratch("usr1")
        let ref = try reference(dir)
        let out = dir.appendingPathComponent("stopped.h5").path
        let p = try start(out)
        Thread.sleep(forTimeInterval: 5)
        kill(p.processIdentifier, SIGUSR1)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 75)
        let done = try doneCount(out)
        XCTAssertLessThan(done, 10, "the run finished before the signal; test inconclusive")
        let again = try MPIRun.qglass(ranks: 2, ["ed", "--out", out] + args)
        XCTAssertEqual(again.status, 2, "an existing file needs --resume")
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args).status, 0)
        XCTAssertEqual(try payload(out), try payload(ref))
        // A second resume has nothing to do and changes nothing.
        let noop = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args)
        XCTAssertTrue(noop.stdout.contains("10 of 10 tasks already complete"), noop.stdout)
        XCTAssertEqual(try payload(out), try payload(ref))
    }

    func testResumeRefusesADifferentConfig() throws {
        let dir = try TestPaths.scratch("resume-mismatch")
        let out = dir.appendingPathComponent("a.h5").path
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "1"]).status, 0)
        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume", "--L", "6", "--alpha", "0.8", "--hx", "0.5", "--realizations", "2", "--seed", "1"])
        XCTAssertEqual(res.status, 2)
        XCTAssertTrue(res.stderr.contains("different config"), res.stderr)
    }
}
