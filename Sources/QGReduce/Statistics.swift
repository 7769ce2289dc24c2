import QGNumerics
import QGPhysics

/// The reducer's statistics: QGNumerics' `Statistics` (errors, crossings,
/// fits, the data collapse, the disorder averages of `--average`) plus the
/// reduce-specific piece below, the bootstrap index sets (from the
/// counter-based RNG).
public typealias ReduceStatistics = Statistics

extension Statistics {
    /// Deterministic bootstrap index sets: `samples` resamples of 0..<n with
    /// replacement, from a counter-based stream keyed by `key`.
    public static func bootstrapIndices(n: Int, samples: Int, seed: UInt64 = 0x5EED, key: String) -> [[Int]] {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make("bootstrap|" + key), realization: 0)
        return (0..<samples).map { _ in (0..<n).map { _ in Int(rng.uniform() * Double(n)) } }
    }
}
