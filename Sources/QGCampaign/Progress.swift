import Foundation
import QGMPI

/// Progress with an ETA, printed by world rank 0 only, and a helper thread on
/// rank 0 that reads this object's state (never MPI) and prints three kinds of
/// line:
/// * the acknowledgement of a stop request, within a tick of the signal:
///   "stop requested: finishing N in-flight task(s); Ctrl-C again to abort";
/// * a progress line held back because a task finished less than `interval`
///   after the previous progress line, once `interval` has passed (so a
///   completion is never left unreported while the next task runs);
/// * a heartbeat ("still working on ...", after a stop request "stop
///   requested: still finishing ...") only when no task finished since the
///   previous line and `gap` seconds passed without any line.
/// Every line, from either thread, is printed under the lock, so the order of
/// the lines is the order of the state changes: a heartbeat's "D/T done"
/// always equals the count of the line before it. "Finished" means as rank 0
/// knows it: rank 0 reads the shared counters after its own tasks and while it
/// waits for the other groups.
final class Progress: @unchecked Sendable {
    let total: Int
    let totalUnits: Int64
    let start: Double
    let interval: Double
    /// ED groups working at once (upper bound on tasks in flight).
    let groups: Int
    private let lock = NSLock()
    /// Last progress line, and last line of any kind.
    private var lastPrint: Double
    private var lastLine: Double
    /// Tasks done as of the last progress line (-1: none yet), and as of the
    /// last line that carries a count (progress or heartbeat).
    private var lastDone = -1
    private var lineDone = 0
    private var done = 0
    private var units: Int64 = 0
    /// Silence before the next heartbeat: the interval after any progress
    /// line, doubling after each heartbeat up to max(interval, 600 s), so an
    /// hours-long task logs tens of lines, not thousands.
    private var gap: Double
    private var beating = false
    private var stopAcknowledged = false
    private var thread: Thread?

    init(total: Int, totalUnits: Int64, start: Double, interval: Double, groups: Int) {
        self.total = total; self.totalUnits = totalUnits; self.interval = interval; self.groups = groups
        gap = interval
        // A process-local monotonic clock (the helper thread must not call MPI).
        let now = ProcessInfo.processInfo.systemUptime
        self.start = now - (MPIEnvironment.wtime() - start)
        lastPrint = now
        lastLine = now
    }

    /// Local (world rank 0): record `done` tasks (`units` cost units) and
    /// print a progress line when `interval` passed since the last one, or
    /// when the last task is done.
    func report(done: Int, units: Int64, log: (String) -> Void) {
        let now = ProcessInfo.processInfo.systemUptime
        lock.lock()
        defer { lock.unlock() }
        self.done = done
        self.units = units
        guard done != lastDone, now - lastPrint >= interval || done == total else { return }
        log(progressLine(now))
    }

    /// Under the lock: the progress line for the current counts; marks it printed.
    private func progressLine(_ now: Double) -> String {
        lastPrint = now
        lastLine = now
        gap = interval
        lastDone = done
        lineDone = done
        let elapsed = now - start
        let eta = units > 0 ? elapsed * Double(totalUnits - units) / Double(units) : .nan
        let pct = total > 0 ? 100.0 * Double(done) / Double(total) : 100
        return String(format: "[qglass] %d/%d tasks (%.1f%%)  elapsed %@  ETA %@", done, total, pct, hms(elapsed),
                      eta.isFinite ? hms(eta) : "--:--:--")
    }

    /// Under the lock: the line the helper thread owes at `now`, if any.
    private func dueLine(_ now: Double) -> String? {
        let inFlight = max(0, min(groups, total - done))
        if StopSignal.requested && !stopAcknowledged {
            stopAcknowledged = true
            lastLine = now
            gap = interval
            return "[qglass] stop requested: finishing \(inFlight) in-flight task(s); Ctrl-C again to abort"
        }
        if done != lineDone {
            // A task finished since the last line: never a heartbeat; its
            // progress line once the interval since the last one has passed.
            return now - lastPrint >= interval ? progressLine(now) : nil
        }
        guard now - lastLine >= gap, done < total else { return nil }
        lastLine = now
        gap = min(2 * gap, max(interval, 600))
        let counts = String(format: "%d/%d done, elapsed %@", done, total, hms(now - start))
        return stopAcknowledged
            ? "[qglass] stop requested: still finishing \(inFlight) in-flight task(s), \(counts); Ctrl-C again to abort"
            : "[qglass] still working on \(inFlight) task(s), \(counts)"
    }

    /// Local (world rank 0): start the helper thread, printing through `beat`.
    func startHeartbeat(_ beat: @escaping @Sendable (String) -> Void) {
        lock.lock(); beating = true; lock.unlock()
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(0.1, interval / 4))
                lock.lock()
                guard beating else { lock.unlock(); return }
                if let line = dueLine(ProcessInfo.processInfo.systemUptime) { beat(line) }
                lock.unlock()
            }
        }
        thread = t
        t.start()
    }

    /// Local: stop the helper thread (idempotent); it prints nothing after this returns.
    func stopHeartbeat() {
        lock.lock(); beating = false; lock.unlock()
    }
}
