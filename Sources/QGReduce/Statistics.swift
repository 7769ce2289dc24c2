import QGNumerics
import QGPhysics

/// The reducer's statistics: QGNumerics' `Statistics` (errors, crossings,
/// fits, the data collapse) plus the two reduce-specific pieces below, the
/// bootstrap index sets (from the counter-based RNG) and the disorder
/// averages of `--average`.
public typealias ReduceStatistics = Statistics

extension Statistics {
    /// Deterministic bootstrap index sets: `samples` resamples of 0..<n with
    /// replacement, from a counter-based stream keyed by `key`.
    public static func bootstrapIndices(n: Int, samples: Int, seed: UInt64 = 0x5EED, key: String) -> [[Int]] {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make("bootstrap|" + key), realization: 0)
        return (0..<samples).map { _ in (0..<n).map { _ in Int(rng.uniform() * Double(n)) } }
    }

    /// Disorder average of the per-realization ratios num_i / den_i over the
    /// realizations `idx` (all when nil). `.pooled`: Σnum / Σden (a
    /// realization weighs by den_i, e.g. its number of eigenstates);
    /// `.perRealization`: the mean of num_i / den_i over the realizations with
    /// den_i > 0 (each weighs the same). NaN when nothing is left.
    public static func disorderAverage(num: [Double], den: [Double], over idx: [Int]? = nil, mode: DisorderAverage) -> Double {
        let ids = idx ?? Array(num.indices)
        switch mode {
        case .pooled:
            var a = 0.0, b = 0.0
            for i in ids { a += num[i]; b += den[i] }
            return b > 0 ? a / b : .nan
        case .perRealization:
            var sum = 0.0, n = 0
            for i in ids where den[i] > 0 { sum += num[i] / den[i]; n += 1 }
            return n > 0 ? sum / Double(n) : .nan
        }
    }

    /// `disorderAverage` with its bootstrap error (realizations resampled,
    /// never states within a realization) and the bootstrap replicates.
    public static func disorderAverageWithError(num: [Double], den: [Double], resamples: [[Int]], mode: DisorderAverage)
        -> (value: Double, error: Double, replicates: [Double])
    {
        // Pooled: ratioWithError's ratio of sums (its summation order), so --average pooled keeps the old numbers.
        let value = mode == .pooled ? ratioWithError(num: num, den: den, resamples: []).value : disorderAverage(num: num, den: den, mode: mode)
        let reps = resamples.map { disorderAverage(num: num, den: den, over: $0, mode: mode) }
        return (value, standardDeviation(reps), reps)
    }
}
