/// Observables of the S5 cluster quench (docs/quench-entanglement.md) from
/// what the quench kernels return: the spectrum, the overlaps c_n = <n|s0>
/// and the traces z_I <Z_I(t)>. Pure functions, the study's checks of the
/// diagonal ensemble.
public enum QuenchObservables {
    /// Per trace I of `count` traces (row-major [I * times.count + k]), its mean
    /// over the last decade of the grid, the k with times[k] >= times.last / 10:
    /// the late-time value that the diagonal-ensemble remnant should match.
    public static func lateTimeMeans(_ trace: [Double], times: [Double], count n: Int) -> [Double] {
        let nt = times.count
        let lateStart = times.firstIndex { $0 >= times[nt - 1] / 10 } ?? (nt - 1)
        var late = [Double](repeating: 0, count: n)
        for I in 0..<n {
            var acc = 0.0
            for k in lateStart..<nt { acc += trace[I * nt + k] }
            late[I] = acc / Double(nt - lateStart)
        }
        return late
    }

    /// 1 / the smallest level spacing of `energies` (any order), spacings up to
    /// 1e-12 max(1, max |E|) skipped as degeneracies; +inf when none is left.
    public static func inverseMinimumGap(_ energies: [Double]) -> Double {
        let sorted = energies.sorted()
        let scale = max(1, sorted.map(abs).max() ?? 1)
        var gap = Double.infinity
        for k in sorted.indices.dropFirst() { let g = sorted[k] - sorted[k - 1]; if g > 1e-12 * scale { gap = min(gap, g) } }
        return gap.isFinite ? 1 / gap : .infinity
    }

    /// The participation 1 / sum_n c_n^4 of the overlaps c_n: how many
    /// eigenstates the initial state overlaps with.
    public static func participation(_ overlaps: [Double]) -> Double {
        1 / overlaps.reduce(0.0) { $0 + $1 * $1 * $1 * $1 }
    }
}
