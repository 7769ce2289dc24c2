import Foundation

/// Version and build provenance recorded in every output file.
public enum Provenance {
    public static let version = "0.1.0"
    /// HDF5 layout version; bump on any incompatible change (docs/hdf5-schema.md).
    public static let schemaVersion: Int64 = 2

    /// The git commit of the source tree the executable was built from: the
    /// environment variable QGLASS_GIT_COMMIT if set, else `git rev-parse`
    /// in the first ancestor folder of the executable that holds `.git`
    /// (suffix "-dirty" when the tree has uncommitted changes), else "unknown".
    public static func gitCommit() -> String {
        if let env = ProcessInfo.processInfo.environment["QGLASS_GIT_COMMIT"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) {
                guard let head = run(["git", "-C", dir.path, "rev-parse", "HEAD"]) else { return "unknown" }
                let dirty = run(["git", "-C", dir.path, "status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
                return head + (dirty ? "-dirty" : "")
            }
            dir.deleteLastPathComponent()
        }
        return "unknown"
    }

    static func run(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// ISO 8601 UTC timestamp.
    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// Bytes of memory available on this node (MemAvailable), or nil.
    public static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return nil
    }
}
