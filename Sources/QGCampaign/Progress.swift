import Foundation
import QGMPI

/// Progress with an ETA, printed by world rank 0 only. A heartbeat thread
/// prints "still working" lines while no task finishes (long tasks); it only
/// reads this object's state and never calls MPI.
final class Progress: @unchecked Sendable {
    let total: Int
    let totalUnits: Int64
    let start: Double
    let interval: Double
    /// ED groups working at once (upper bound on tasks in flight).
    let groups: Int
    private let lock = NSLock()
    /// Last progress line, and last line of any kind (progress or heartbeat).
    private var lastPrint: Double
    private var lastLine: Double
    private var lastDone = -1
    private var done = 0
    /// Silence before the next heartbeat: the interval after any progress
    /// line, doubling after each heartbeat up to max(interval, 600 s), so an
    /// hours-long task logs tens of lines, not thousands.
    private var gap: Double
    private var beating = false
    private var thread: Thread?

    init(total: Int, totalUnits: Int64, start: Double, interval: Double, groups: Int) {
        self.total = total; self.totalUnits = totalUnits; self.interval = interval; self.groups = groups
        gap = interval
        // A process-local monotonic clock (the heartbeat thread must not call MPI).
        let now = ProcessInfo.processInfo.systemUptime
        self.start = now - (MPIEnvironment.wtime() - start)
        lastPrint = now
        lastLine = now
    }

    func report(done: Int, units: Int64, log: (String) -> Void) {
        let now = ProcessInfo.processInfo.systemUptime
        lock.lock()
        self.done = done
        guard done != lastDone, now - lastPrint >= interval || done == total else { lock.unlock(); return }
        lastPrint = now
        lastLine = now
        gap = interval
        lastDone = done
        lock.unlock()
        let elapsed = now - start
        let eta = units > 0 ? elapsed * Double(totalUnits - units) / Double(units) : .nan
        let pct = total > 0 ? 100.0 * Double(done) / Double(total) : 100
        log(String(format: "[qglass] %d/%d tasks (%.1f%%)  elapsed %@  ETA %@", done, total, pct, hms(elapsed), eta.isFinite ? hms(eta) : "--:--:--"))
    }

    /// Local (world rank 0): start printing a heartbeat through `beat`
    /// whenever `gap` seconds pass without any line.
    func startHeartbeat(_ beat: @escaping @Sendable (String) -> Void) {
        lock.lock(); beating = true; lock.unlock()
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(0.1, interval / 4))
                lock.lock()
                guard beating else { lock.unlock(); return }
                let now = ProcessInfo.processInfo.systemUptime
                let due = now - lastLine >= gap && done < total
                if due { lastLine = now; gap = min(2 * gap, max(interval, 600)) }
                let d = done
                lock.unlock()
                if due {
                    beat(String(format: "[qglass] still working on %d task(s), %d/%d done, elapsed %@",
                                min(groups, total - d), d, total, hms(now - start)))
                }
            }
        }
        thread = t
        t.start()
    }

    /// Local: stop the heartbeat (idempotent).
    func stopHeartbeat() {
        lock.lock(); beating = false; lock.unlock()
    }
}
