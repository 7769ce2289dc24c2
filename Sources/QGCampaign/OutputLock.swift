import Foundation

/// Who holds an output file: the contents of its lock file `<output>.lock`.
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var pid: Int
    /// SLURM job id (`SLURM_JOB_ID`), or "-" outside SLURM.
    public var job: String
    public var started: String

    /// The holder of this process.
    public static func current() -> LockHolder {
        let env = ProcessInfo.processInfo.environment
        return LockHolder(host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
                          job: env["SLURM_JOB_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? "-", started: Provenance.now())
    }

    var text: String { "qglass output lock\nhost = \(host)\npid = \(pid)\nslurm_job = \(job)\nstarted = \(started)\n" }

    init(host: String, pid: Int, job: String, started: String) {
        self.host = host; self.pid = pid; self.job = job; self.started = started
    }

    init?(text: String) {
        var kv: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { kv[parts[0]] = parts[1] }
        }
        guard let host = kv["host"], let pidText = kv["pid"], let pid = Int(pidText) else { return nil }
        self.init(host: host, pid: pid, job: kv["slurm_job"] ?? "-", started: kv["started"] ?? "?")
    }

    public var description: String { "host \(host), PID \(pid), SLURM job \(job), since \(started)" }

    /// Local: whether the holder still runs. `false` only when it is certainly
    /// gone: same host and no process with that PID (or only its zombie), or
    /// a PID reused by a program that is not qglass. `nil` for a holder on another host (this
    /// host cannot tell).
    public var isAlive: Bool? {
        guard host == ProcessInfo.processInfo.hostName else { return nil }
        let proc = "/proc/\(pid)"
        guard let stat = try? String(contentsOfFile: proc + "/stat", encoding: .utf8) else { return false }
        // A zombie (killed, not yet reaped: common when its parent mpirun was
        // killed too and PID 1 of a container does not reap) is gone.
        if let close = stat.lastIndex(of: ")"), let state = stat[stat.index(after: close)...].split(separator: " ").first,
           state == "Z" || state == "X" {
            return false
        }
        if let cmd = try? Data(contentsOf: URL(fileURLWithPath: proc + "/cmdline")) {
            let text = String(decoding: cmd.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if !text.isEmpty && !text.contains("qglass") { return false }
        }
        return true
    }
}

/// The lock that makes one campaign at a time the writer of an output file.
///
/// The lock is a separate file `<output>.lock` created with
/// `O_CREAT|O_EXCL` (atomic on local file systems, NFS v3+, Lustre and
/// GPFS; no `flock` needed), holding host, PID, SLURM job id and start time
/// of the campaign's world rank 0. Local: only world rank 0 calls this.
public final class OutputLock {
    public let lockPath: String
    let holder: LockHolder
    private var released = false

    public static func path(for output: String) -> String { output + ".lock" }

    private init(lockPath: String, holder: LockHolder) {
        self.lockPath = lockPath; self.holder = holder
    }

    /// Local (world rank 0): take the lock of `output` or throw a
    /// one-line `CampaignError` naming the holder. A stale lock (holder on
    /// this host that no longer runs) is taken over, and `breakLock` removes
    /// any existing lock; both are reported through `log`.
    public static func acquire(output: String, breakLock: Bool, log: (String) -> Void) throws -> OutputLock {
        let lockPath = path(for: output)
        let me = LockHolder.current()
        for _ in 0..<5 {
            if try create(lockPath, me.text) { return OutputLock(lockPath: lockPath, holder: me) }
            guard let data = FileManager.default.contents(atPath: lockPath) else { continue }  // removed meanwhile: retry
            guard let other = LockHolder(text: String(decoding: data, as: UTF8.self)) else {
                // Unreadable: another run may be writing it this instant.
                let age = (try? FileManager.default.attributesOfItem(atPath: lockPath)[.modificationDate] as? Date).map { Date().timeIntervalSince($0) } ?? 0
                if age < 10 && !breakLock {
                    throw CampaignError("output \(output) is being locked by another qglass run (\(lockPath) is being written); try again")
                }
                log("[qglass] removing unreadable lock file \(lockPath)")
                try? FileManager.default.removeItem(atPath: lockPath)
                continue
            }
            if breakLock {
                log("[qglass] --break-lock: removing the lock of \(other) (\(lockPath))")
            } else if other.isAlive == false {
                log("[qglass] taking over the stale lock of \(other): that process no longer runs")
            } else {
                let where_ = other.isAlive == nil ? " (on another host: if that run is gone, rerun with --break-lock)" : ""
                throw CampaignError("output \(output) is in use by another qglass run: \(other)\(where_); lock file \(lockPath)")
            }
            try? FileManager.default.removeItem(atPath: lockPath)
        }
        throw CampaignError("cannot take the lock \(lockPath): other runs keep creating it")
    }

    /// Atomic create-if-absent (O_CREAT|O_EXCL) with `text` as content:
    /// false when the file exists, an error when it cannot be created.
    static func create(_ path: String, _ text: String) throws -> Bool {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
            return true
        } catch {
            if FileManager.default.fileExists(atPath: path) { return false }
            throw CampaignError("cannot create the lock file \(path): \(error.localizedDescription)")
        }
    }

    /// Local: let an abort (a second Ctrl-C, `StopSignal`) remove this
    /// lock before the process exits. Only for a run of one process: with
    /// several ranks, others may still write the file for a moment after
    /// rank 0 is gone, so their lock stays and the next run on this host
    /// takes it over as stale.
    public func removeOnAbort() {
        if !released { StopSignal.armLockRemoval(lockPath) }
    }

    /// Local: remove the lock if it is still ours. Idempotent.
    public func release() {
        guard !released else { return }
        released = true
        StopSignal.disarmLockRemoval()
        if let data = FileManager.default.contents(atPath: lockPath),
           LockHolder(text: String(decoding: data, as: UTF8.self)) == holder {
            try? FileManager.default.removeItem(atPath: lockPath)
        }
    }

    deinit { release() }
}
