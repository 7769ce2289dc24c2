import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// A campaign launched in the background (`mpirun -n ranks qglass ...`), with
/// its output collected in files, for tests that act while it runs.
final class BackgroundRun {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ arguments: [String], ranks: Int = 2, mpirunFlags: [String] = [], launcher: [String]? = nil, dir: URL) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = launcher.map { $0 + [TestPaths.qglass] + arguments }
            ?? (["mpirun"] + MPIRun.mpirunArguments(ranks: ranks) + mpirunFlags + [TestPaths.qglass] + arguments)
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"; env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        process.environment = env
        let tag = UUID().uuidString.prefix(8)
        stdoutURL = dir.appendingPathComponent("bg-\(tag).out")
        stderrURL = dir.appendingPathComponent("bg-\(tag).err")
        for url in [stdoutURL, stderrURL] where !FileManager.default.createFile(atPath: url.path, contents: nil) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for the launcher to exit (generous timeout) and returns its status.
    func wait(timeout: TimeInterval = 600) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { killTree(SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL (or `signal`) to the launcher and every process below it
    /// (the ranks), found through /proc by parent PID: no name matching.
    func killTree(_ signal: Int32 = SIGKILL) {
        let pids = Self.descendants(of: process.processIdentifier)
        for pid in pids.reversed() { kill(pid, signal) }
        kill(process.processIdentifier, signal)
    }

    static func descendants(of root: pid_t) -> [pid_t] {
        var parent: [pid_t: pid_t] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parent[pid] = ppid }
        }
        var out: [pid_t] = [], frontier = [root]
        while let p = frontier.popLast() {
            for (c, pp) in parent where pp == p { out.append(c); frontier.append(c) }
        }
        return out
    }
}

/// Read-only looks at a campaign file that may be being written.
enum Probe {
    /// Completed tasks of `block`, or nil when the file cannot be read right
    /// now (not created yet, layout still being written: callers retry).
    static func doneCount(_ file: String, block: String) -> Int? {
        try? HDF5File.with(path: file, mode: .readOnly) { f in
            try f.openDataset(block + "/done").readAll(as: UInt8.self).map(Int.init).reduce(0, +)
        }
    }

    /// Polls `condition` every 0.1 s until it holds or `timeout` seconds pass.
    @discardableResult
    static func until(timeout: TimeInterval = 600, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    /// Waits until `block` of `file` has at least `n` done tasks; fails the
    /// test (returning nil) on timeout or when `run` exits first.
    static func waitForDone(_ file: String, block: String, atLeast n: Int, while run: BackgroundRun, timeout: TimeInterval = 600,
                            file testFile: StaticString = #filePath, line: UInt = #line) -> Int? {
        var seen: Int? = nil
        let ok = until(timeout: timeout) {
            seen = doneCount(file, block: block)
            return (seen ?? 0) >= n || !run.process.isRunning
        }
        guard ok, let d = seen, d >= n, run.process.isRunning else {
            XCTFail("waited for \(n) done task(s) in \(file): saw \(String(describing: seen)); run still going: \(run.process.isRunning)\n\(run.stdout)\n\(run.stderr)",
                    file: testFile, line: line)
            return nil
        }
        return d
    }

    static func intAttribute(_ file: String, _ name: String) -> Int64? {
        try? HDF5File.with(path: file, mode: .readOnly) { try $0.numericAttribute(name, as: Int64.self).first }
    }

    static func hasAttribute(_ file: String, _ name: String) -> Bool {
        (try? HDF5File.with(path: file, mode: .readOnly) { $0.hasAttribute(name) }) ?? false
    }
}
