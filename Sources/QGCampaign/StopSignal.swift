import Foundation

/// Stop requests. The first SIGTERM (SLURM's time limit or preemption), SIGINT
/// (Ctrl-C) or SIGUSR1 (what `mpirun` and `cluster/mpirun.sh` forward) sets a
/// flag that the campaign checks between tasks: in-flight tasks finish, the
/// file is closed collectively and the run exits with `StopSignal.exitCode`.
/// World rank 0 acknowledges the request at once (`Progress`'s helper thread
/// prints it; the handler only sets the flag).
///
/// A second Ctrl-C (SIGINT after any first stop signal) aborts: the process
/// exits at once with status 130, losing its in-flight task. A repeated
/// SIGTERM or SIGUSR1 is the same clean stop again, never an abort: `scancel`
/// and SLURM's time limit signal every process of a job at once, so a rank
/// gets SIGTERM directly and SIGUSR1 forwarded by `mpirun` for one request;
/// completed tasks are safe in the file (each task's `done` flag is written
/// after its rows). The handler does only async-signal-safe work: `write` of
/// a prepared line, `unlink` of the output's lock when one is armed (a
/// single-process run, see `OutputLock.removeOnAbort`), `_exit`.
public enum StopSignal {
    /// Exit status of a run stopped by a signal with work left (EX_TEMPFAIL).
    public static let exitCode: Int32 = 75
    /// Exit status of a run aborted by signal `signal` (a second SIGINT: 130).
    public static func abortStatus(_ signal: Int32) -> Int32 { 128 + signal }
    /// The signals that request a stop; a SIGINT after one of them aborts.
    public static let signals: [Int32] = [SIGTERM, SIGINT, SIGUSR1]

    nonisolated(unsafe) static var flag: sig_atomic_t = 0
    /// Set once the lock path in `lockBuffer` may be removed by an abort.
    nonisolated(unsafe) static var lockArmed: sig_atomic_t = 0
    /// Prepared before any signal handler runs (the handler cannot allocate).
    nonisolated(unsafe) static var lockBuffer: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) static var abortLine: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) static var abortLineLength = 0
    static let lockBufferSize = 4096

    /// Local: install the handlers. `announce`: print the abort line on
    /// stderr (world rank 0 only, so an aborted job prints it once).
    public static func install(announce: Bool) {
        if lockBuffer == nil {
            lockBuffer = .allocate(capacity: lockBufferSize)
            lockBuffer!.initialize(repeating: 0, count: lockBufferSize)
        }
        if announce && abortLine == nil {
            let text = "[qglass] aborted by a second Ctrl-C: the in-flight task(s) are lost; "
                + "completed tasks are in the output file (--resume continues it)\n"
            abortLine = strdup(text)
            abortLineLength = text.utf8.count
        }
        for s in signals {
            signal(s) { s in
                if StopSignal.flag == 0 {
                    StopSignal.flag = 1
                } else if s == SIGINT {
                    if StopSignal.critical != 0 { StopSignal.deferredAbort = s } else { StopSignal.abort(s) }
                }
            }
        }
    }

    /// Inside the signal handler: async-signal-safe calls only. Their return
    /// codes are ignored on purpose: a failed `write` or `unlink` changes
    /// nothing a handler could do (the lock is then taken over as stale).
    static func abort(_ s: Int32) -> Never {
        if let line = abortLine { _ = write(STDERR_FILENO, line, abortLineLength) }
        if lockArmed != 0, let path = lockBuffer { _ = unlink(path) }
        _exit(abortStatus(s))
    }

    public static var requested: Bool { flag != 0 }

    nonisolated(unsafe) static var critical: sig_atomic_t = 0
    nonisolated(unsafe) static var deferredAbort: sig_atomic_t = 0

    /// Local: from here until `endCritical`, an abort (a second Ctrl-C) waits:
    /// the output file's last attributes, its flush and its collective close
    /// are not cut off half-way (an `_exit` there could leave dirty metadata).
    static func beginCritical() { critical = 1 }

    /// Local: ends the critical section; an abort requested inside it happens
    /// now (the file is closed by then).
    static func endCritical() {
        critical = 0
        if deferredAbort != 0 { abort(deferredAbort) }
    }

    /// Local: let an abort remove the lock file `path` (false when the path
    /// is too long for the prepared buffer; the lock then stays, and the next
    /// run on this host takes it over as stale).
    @discardableResult
    static func armLockRemoval(_ path: String) -> Bool {
        guard let buffer = lockBuffer else { return false }
        let bytes = Array(path.utf8)
        guard bytes.count < lockBufferSize else { return false }
        lockArmed = 0
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
        lockArmed = 1
        return true
    }

    /// Local: an abort leaves the lock file alone from now on.
    static func disarmLockRemoval() { lockArmed = 0 }
}
