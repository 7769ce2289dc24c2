import Foundation

/// Approximate equality used across the test suite.
///
/// Tolerance rule: |a - b| <= abs + rel * max(|a|, |b|). NaN equals NaN (gap
/// ratios are NaN at the spectrum ends by definition), and +-inf only equal
/// themselves.
public func isClose(_ a: Double, _ b: Double, abs: Double = 1e-12, rel: Double = 0) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return Swift.abs(a - b) <= abs + rel * max(Swift.abs(a), Swift.abs(b))
}

/// Largest |a_i - b_i| over finite pairs; NaN where exactly one side is NaN.
public func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "length mismatch \(a.count) vs \(b.count)")
    var m = 0.0
    for i in a.indices {
        if a[i].isNaN && b[i].isNaN { continue }
        if a[i].isNaN != b[i].isNaN { return .nan }
        m = max(m, Swift.abs(a[i] - b[i]))
    }
    return m
}

/// Where the repository and the built executable live.
public enum TestPaths {
    /// Repository root, from this file's location.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The qglass executable: $QGLASS_BIN, else the debug build in .build.
    public static var qglass: String {
        if let p = ProcessInfo.processInfo.environment["QGLASS_BIN"], !p.isEmpty { return p }
        return repoRoot.appendingPathComponent(".build/debug/qglass").path
    }

    /// A fresh scratch folder for one test.
    public static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qglass-tests-\(getpid())/\(name)")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The result of one subprocess run.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs the built executable under `mpirun` as a subprocess: XCTest cannot
/// call MPI_Init more than once per process, and MPI programs must be tested
/// the way users launch them. Each call declares its rank count.
public enum MPIRun {
    /// Flags for running as root and with more ranks than cores.
    public static func mpirunArguments(ranks: Int) -> [String] {
        var args = ["-n", "\(ranks)", "--bind-to", "none"]
        if ranks > ProcessInfo.processInfo.activeProcessorCount { args.append("--oversubscribe") }
        return args
    }

    public static func qglass(ranks: Int, _ arguments: [String], cwd: URL? = nil, timeout: TimeInterval = 600) throws -> ProcessResult {
        try run(["mpirun"] + mpirunArguments(ranks: ranks) + [TestPaths.qglass] + arguments, cwd: cwd, timeout: timeout)
    }

    /// Runs a command (through /usr/bin/env) and collects its output.
    public static func run(_ command: [String], cwd: URL? = nil, environment extra: [String: String] = [:], timeout: TimeInterval = 600) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        for (k, v) in extra { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = cwd }
        // Output goes to files, so a chatty child can never block on a full pipe.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qglass-proc-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning {
            if Date() > deadline {
                p.terminate()
                throw NSError(domain: "MPIRun", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out after \(timeout) s: \(command.joined(separator: " "))"])
            }
            usleep(20_000)
        }
        p.waitUntilExit()
        try out.close(); try err.close()
        let outData = (try? Data(contentsOf: outURL)) ?? Data(), errData = (try? Data(contentsOf: errURL)) ?? Data()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
