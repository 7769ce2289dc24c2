import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// One campaign at a time writes an output: a second run is refused while the
/// first holds the lock `<out>.lock`; stale locks are taken over; `--break-lock`
/// removes a lock this host cannot check.
final class LockTests: XCTestCase {
    let args = ["--L", "12", "--alpha", "0.7", "--hx", "0.2,1.0", "--realizations", "5", "--seed", "21"]
    let small = ["--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "3"]

    func lockText(_ out: String) -> String { (try? String(contentsOfFile: out + ".lock", encoding: .utf8)) ?? "" }

    func field(_ text: String, _ key: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 && parts[0] == key { return parts[1] }
        }
        return nil
    }

    /// The reproduction: a run writing c.h5, then a second run with
    /// --force and one with --resume on the same file. Both are refused with
    /// exit 2 naming the holder; the first finishes and its file is intact.
    func testSecondRunIsRefusedWhileTheFirstWrites() throws {
        let dir = try TestPaths.scratch("lock-busy")
        let out = dir.appendingPathComponent("c.h5").path
        let first = try BackgroundRun(["ed", "--out", out] + args, dir: dir)
        guard Probe.waitForDone(out, block: "/lrsg/L12", atLeast: 1, while: first) != nil else { return }
        let lock = lockText(out)
        let pid = try XCTUnwrap(field(lock, "pid"), lock), host = try XCTUnwrap(field(lock, "host"), lock)
        XCTAssertEqual(field(lock, "slurm_job"), ProcessInfo.processInfo.environment["SLURM_JOB_ID"] ?? "-")
        for extra in [["--force"], ["--resume"], []] {
            let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out] + args + extra)
            XCTAssertEqual(res.status, 2, "\(extra): \(res.stdout)\(res.stderr)")
            XCTAssertTrue(res.stderr.contains("in use by another qglass run"), res.stderr)
            XCTAssertTrue(res.stderr.contains("host \(host), PID \(pid), SLURM job"), res.stderr)
            XCTAssertEqual(res.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count, 1, res.stderr)
        }
        XCTAssertEqual(first.wait(), 0, first.stdout + first.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".lock"), "released at the end")
        let done = try HDF5File.with(path: out, mode: .readOnly) { f in
            try f.openDataset("/lrsg/L12/done").readAll(as: UInt8.self)
        }
        XCTAssertEqual(done, [UInt8](repeating: 1, count: 10))
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 1)
    }

    /// A lock whose holder no longer runs on this host is taken over, and the
    /// log says so.
    func testStaleLockOnThisHostIsTakenOver() throws {
        let dir = try TestPaths.scratch("lock-stale")
        let out = dir.appendingPathComponent("s.h5").path
        // A PID that certainly ran on this host and is gone now.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try "qglass output lock\nhost = \(ProcessInfo.processInfo.hostName)\npid = \(gone.processIdentifier)\nslurm_job = 77\nstarted = 2026-01-01T00:00:00Z\n"
            .write(toFile: out + ".lock", atomically: true, encoding: .utf8)
        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out] + small)
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("taking over the stale lock of host \(ProcessInfo.processInfo.hostName), PID \(gone.processIdentifier), SLURM job 77"), res.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".lock"))
    }

    /// A holder on another host cannot be checked from here: refused, naming
    /// it and --break-lock; --break-lock removes it.
    func testLockOfAnotherHostNeedsBreakLock() throws {
        let dir = try TestPaths.scratch("lock-break")
        let out = dir.appendingPathComponent("b.h5").path
        try "qglass output lock\nhost = node042.invalid\npid = 4242\nslurm_job = 991\nstarted = 2026-01-01T00:00:00Z\n"
            .write(toFile: out + ".lock", atomically: true, encoding: .utf8)
        let refused = try MPIRun.qglass(ranks: 2, ["ed", "--out", out] + small)
        XCTAssertEqual(refused.status, 2, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stderr.contains("host node042.invalid, PID 4242, SLURM job 991"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--break-lock"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "refused before the file is created")
        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--break-lock"] + small)
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("--break-lock: removing the lock of host node042.invalid"), res.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".lock"))
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 1)
    }
}
