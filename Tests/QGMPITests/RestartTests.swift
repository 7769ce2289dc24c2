import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// Runs killed mid-way lose no completed task, and `--resume` finishes them
/// with payloads bit-identical to an uninterrupted run. Every kill and signal
/// waits for the state it needs (the file's `done` count, polled) instead of
/// a fixed time, so the tests hold on a loaded machine: 10 tasks of L = 12 on
/// 2 ranks take seconds each, so "at least one done and not all" is a wide
/// window.
final class RestartTests: XCTestCase {
    let args = ["--L", "12", "--alpha", "0.7", "--hx", "0.2,1.0", "--realizations", "5", "--seed", "21"]
    let block = "/lrsg/L12"

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

    func reference(_ dir: URL) throws -> String {
        let ref = dir.appendingPathComponent("ref.h5").path
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", ref] + args).status, 0)
        return ref
    }

    /// SIGKILL after >= 1 task is done; resume, SIGKILL again once the resume
    /// completed a task (its `last_resumed` must be in the file); resume to
    /// the end. The killed runs leave stale locks that the next run takes over.
    func testKill9MidRunThenResume() throws {
        let dir = try TestPaths.scratch("kill9")
        let ref = try reference(dir)
        let out = dir.appendingPathComponent("killed.h5").path
        let lockPath = out + ".lock"
        let first = try BackgroundRun(["ed", "--out", out] + args, dir: dir)
        guard Probe.waitForDone(out, block: block, atLeast: 1, while: first) != nil else { return }
        // SIGKILL mpirun and the ranks (no chance to flush or close).
        first.killTree()
        _ = first.wait()
        let done = try doneCount(out)
        XCTAssertGreaterThan(done, 0)
        XCTAssertLessThan(done, 10, "the run finished before the kill")
        XCTAssertTrue(FileManager.default.fileExists(atPath: lockPath), "a killed run leaves its lock behind")
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 0)
        XCTAssertFalse(Probe.hasAttribute(out, "last_resumed"))

        let second = try BackgroundRun(["ed", "--out", out, "--resume"] + args, dir: dir)
        guard Probe.waitForDone(out, block: block, atLeast: done + 1, while: second) != nil else { return }
        second.killTree()
        _ = second.wait()
        XCTAssertTrue(second.stdout.contains("taking over the stale lock"), second.stdout)
        let done2 = try doneCount(out)
        XCTAssertLessThan(done2, 10, "the resumed run finished before the kill")
        XCTAssertTrue(Probe.hasAttribute(out, "last_resumed"), "last_resumed must survive a kill after the resume")
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 0)

        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args)
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("resuming \(out): \(done2) of 10 tasks already complete"), res.stdout)
        XCTAssertEqual(try payload(out), try payload(ref))
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 1)
        XCTAssertEqual(Probe.intAttribute(ref, "finished"), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lockPath), "the lock is released at the end")
    }

    /// SIGUSR1 (what mpirun forwards; the job scripts turn SLURM's warning
    /// signal into it) stops the run cleanly after in-flight tasks, with exit
    /// 75. Resuming with another solver setup is refused naming the key.
    func testGracefulStopThenResume() throws {
        let dir = try TestPaths.scratch("usr1")
        let ref = try reference(dir)
        let out = dir.appendingPathComponent("stopped.h5").path
        let run = try BackgroundRun(["ed", "--out", out] + args, dir: dir)
        guard Probe.waitForDone(out, block: block, atLeast: 1, while: run) != nil else { return }
        kill(run.process.processIdentifier, SIGUSR1)
        XCTAssertEqual(run.wait(), 75, run.stdout + run.stderr)
        let done = try doneCount(out)
        XCTAssertLessThan(done, 10, "the run finished before the signal")
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".lock"), "a stopped run releases its lock")
        let again = try MPIRun.qglass(ranks: 2, ["ed", "--out", out] + args)
        XCTAssertEqual(again.status, 2, "an existing file needs --resume")

        // Item: a changed solver setup changes payload bits, so it is refused,
        // naming only the keys that differ.
        for (flag, value, expected) in [("--group-size", "2", "campaign.group_size: file 1 -> new 2"),
                                        ("--blas-threads", "2", "campaign.blas_threads: file 1 -> new 2"),
                                        ("--lapack-driver", "dsyevr", "campaign.lapack_driver: file \"dsyevd\" -> new \"dsyevr\"")] {
            let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args + [flag, value])
            XCTAssertEqual(res.status, 2, "\(flag) \(value): \(res.stdout)\(res.stderr)")
            XCTAssertTrue(res.stderr.contains(expected), "\(flag): \(res.stderr)")
            XCTAssertFalse(res.stderr.contains("[lrsg]") || res.stderr.contains("seed ="), "only the differing keys: \(res.stderr)")
            XCTAssertEqual(res.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count, 1, res.stderr)
        }
        XCTAssertEqual(try doneCount(out), done, "a refused resume changes nothing")

        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args).status, 0)
        XCTAssertEqual(try payload(out), try payload(ref))
        XCTAssertEqual(Probe.intAttribute(out, "finished"), 1)
        // A second resume has nothing to do and changes nothing.
        let noop = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume"] + args)
        XCTAssertTrue(noop.stdout.contains("10 of 10 tasks already complete"), noop.stdout)
        XCTAssertEqual(try payload(out), try payload(ref))
    }

    /// SIGTERM to the launch wrapper cluster/mpirun.sh (what users and the job
    /// scripts signal) stops cleanly with exit 75, like SIGUSR1 to mpirun.
    /// SIGTERM to a bare Open MPI `mpirun` is Open MPI's own job kill (ranks
    /// SIGKILLed about a second later, status 1): documented in
    /// docs/cluster.md, and the file stays resumable like after a SIGKILL.
    func testSigtermToWrapperStopsWithStatus75() throws {
        let dir = try TestPaths.scratch("sigterm")
        let out = dir.appendingPathComponent("t.h5").path
        let wrapper = TestPaths.repoRoot.appendingPathComponent("cluster/mpirun.sh").path
        let run = try BackgroundRun(["ed", "--out", out] + args, launcher: ["bash", wrapper, "-n", "2"], dir: dir)
        guard Probe.waitForDone(out, block: block, atLeast: 1, while: run) != nil else { return }
        kill(run.process.processIdentifier, SIGTERM)
        XCTAssertEqual(run.wait(), 75, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("stopped by signal"), run.stdout)
        XCTAssertLessThan(try doneCount(out), 10)

        let bare = dir.appendingPathComponent("bare.h5").path
        let plain = try BackgroundRun(["ed", "--out", bare] + args, dir: dir)
        guard Probe.waitForDone(bare, block: block, atLeast: 1, while: plain) != nil else { return }
        kill(plain.process.processIdentifier, SIGTERM)
        let status = plain.wait()
        XCTAssertNotEqual(status, 0, "SIGTERM to mpirun ends the job")
        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", bare, "--resume"] + args)
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertEqual(Probe.intAttribute(bare, "finished"), 1)
    }

    func testResumeRefusesADifferentConfig() throws {
        let dir = try TestPaths.scratch("resume-mismatch")
        let out = dir.appendingPathComponent("a.h5").path
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "1"]).status, 0)
        let res = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--resume", "--L", "6", "--alpha", "0.8", "--hx", "0.5", "--realizations", "2", "--seed", "1"])
        XCTAssertEqual(res.status, 2)
        XCTAssertTrue(res.stderr.contains("different config"), res.stderr)
        XCTAssertTrue(res.stderr.contains("lrsg.alpha: file [0.7] -> new [0.8]"), res.stderr)
        XCTAssertFalse(res.stderr.contains("hx"), "only the differing keys: \(res.stderr)")
    }

    /// blas_threads = 0 (auto) resolves to cores / ranks on the node; a resume
    /// that resolves to another count would change payload bits: refused.
    func testResumeWithAutoThreadsNeedsTheSameResolvedCount() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        try XCTSkipIf(cores < 2, "needs 2 cores for 1 rank and 2 ranks to resolve to different counts")
        let dir = try TestPaths.scratch("auto-threads")
        let out = dir.appendingPathComponent("a.h5").path
        let small = ["ed", "--out", out, "--L", "6", "--alpha", "0.7", "--hx", "0.5", "--realizations", "2", "--seed", "1", "--blas-threads", "0"]
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, small).status, 0)
        XCTAssertEqual(Probe.intAttribute(out, "blas_threads"), Int64(max(1, cores / 2)))
        let res = try MPIRun.qglass(ranks: 1, small + ["--resume"])
        XCTAssertEqual(res.status, 2, res.stdout + res.stderr)
        XCTAssertTrue(res.stderr.contains("campaign.blas_threads (0 = auto, resolved): file \(max(1, cores / 2)) -> new \(cores)"), res.stderr)
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, small + ["--resume"]).status, 0, "same ranks per node: accepted")
    }
}
