import Foundation

/// Stop requests from the batch system. SIGTERM (SLURM's time limit or
/// preemption), SIGINT and SIGUSR1 set a flag that the campaign checks between
/// tasks; in-flight tasks finish, the file is closed collectively and the run
/// exits with `StopSignal.exitCode`.
public enum StopSignal {
    /// Exit status of a run stopped by a signal with work left (EX_TEMPFAIL).
    public static let exitCode: Int32 = 75
    nonisolated(unsafe) static var flag: sig_atomic_t = 0

    public static func install() {
        for s in [SIGTERM, SIGINT, SIGUSR1] {
            signal(s) { _ in StopSignal.flag = 1 }
        }
    }

    public static var requested: Bool { flag != 0 }
}
