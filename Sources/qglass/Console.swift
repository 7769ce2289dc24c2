import ArgumentParser
import Foundation
import QGlass

/// A line on stdout, flushed at once (progress lines reach a log as they come).
func say(_ s: String) {
    print(s)
    fflush(nil)
}

/// A line on stderr.
func complain(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// A refusal before MPI starts: world rank 0 (from the launcher's
/// environment) prints one line on stderr; every rank exits with status 2.
func refuse(_ message: String) -> Never {
    if launcherRank == 0 { complain("error: \(message)") }
    exit(2)
}
