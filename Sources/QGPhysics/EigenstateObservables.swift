import QGLinearAlgebra

/// Eigenstate observables of study S1 (docs/models.md S1).
public enum EigenstateObservables {
    /// Poisson limit of <r>: 2 ln 2 - 1.
    public static let poissonR = 2.0 * 0.693_147_180_559_945_3 - 1.0
    /// GOE limit of <r> (Atas et al. 2013): 4 - 2 sqrt(3) ≈ 0.5359 for the
    /// surmise; the large-N value used in the field is 0.5307.
    public static let goeR = 0.5307
    /// GUE limit of <r> (Atas et al., PRL 110, 084101 (2013)): complex
    /// Hermitian, e.g. the Heisenberg chain with O(3) fields.
    public static let gueR = 0.5996

    /// Gap ratios of one sorted spectrum: r_n = min(d_n, d_{n+1}) / max(d_n, d_{n+1})
    /// with d_n = E_n - E_{n-1}; NaN at both ends (and where both gaps vanish).
    public static func gapRatios(_ e: [Double]) -> [Double] {
        var r = [Double](repeating: .nan, count: e.count)
        guard e.count >= 3 else { return r }
        for n in 1..<(e.count - 1) {
            let d0 = e[n] - e[n - 1], d1 = e[n + 1] - e[n]
            let hi = max(d0, d1)
            r[n] = hi > 0 ? min(d0, d1) / hi : .nan
        }
        return r
    }

    /// eps_n = (E_n - E_min)/(E_max - E_min); 0 for a degenerate spectrum.
    public static func energyDensity(_ e: [Double], min lo: Double, max hi: Double) -> [Double] {
        let w = hi - lo
        return e.map { w > 0 ? ($0 - lo) / w : 0 }
    }

    /// eps_n of an ascending spectrum between its own ends, E_min = E_0 and E_max = E_last.
    public static func energyDensity(ascending e: [Double]) -> [Double] {
        energyDensity(e, min: e.first ?? 0, max: e.last ?? 0)
    }
}

/// Eigenstate sums on a uniform eps grid [0,1] with `count` bins (the last
/// bin includes eps = 1): per bin the number of states, the number with a
/// finite r, sums of r, r^2, m_EA, m_EA^2, and the log sums behind typical
/// values (log r over finite r > 0, counted in `countLogR`; log m_EA, which
/// is always >= 1/L > 0).
public struct EpsHistogram: Sendable, Equatable {
    public let bins: Int
    public var count: [Double]
    public var countR: [Double]
    public var sumR: [Double]
    public var sumR2: [Double]
    public var sumM: [Double]
    public var sumM2: [Double]
    public var countLogR: [Double]
    public var sumLogR: [Double]
    public var sumLogM: [Double]

    public init(bins: Int) {
        self.bins = bins
        count = .init(repeating: 0, count: bins)
        countR = count; sumR = count; sumR2 = count; sumM = count; sumM2 = count
        countLogR = count; sumLogR = count; sumLogM = count
    }

    /// The fields as study S1 stores them per task (docs/hdf5-schema.md), in
    /// storage order: dataset name, meaning and values. The one declaration of
    /// the datasets, the rows a task writes and the columns the reducer reads.
    public var columns: [(name: String, description: String, values: [Double])] {
        [("hist_count", "eigenstates per eps bin (eps_bins uniform bins on [0, 1])", count),
         ("hist_count_r", "eigenstates with a finite gap ratio r per eps bin", countR),
         ("hist_sum_r", "sum of r per eps bin", sumR),
         ("hist_sum_r2", "sum of r^2 per eps bin", sumR2),
         ("hist_sum_m_ea", "sum of m_EA per eps bin", sumM),
         ("hist_sum_m_ea2", "sum of m_EA^2 per eps bin", sumM2),
         ("hist_count_log_r", "eigenstates with a finite r > 0 per eps bin", countLogR),
         ("hist_sum_log_r", "sum of ln r over them per eps bin", sumLogR),
         ("hist_sum_log_m_ea", "sum of ln m_EA per eps bin", sumLogM)]
    }

    public static func bin(of eps: Double, bins: Int) -> Int { min(bins - 1, max(0, Int(eps * Double(bins)))) }

    /// Per bin, the sum of `values` over the states whose eps (aligned with
    /// `values`) falls in it, e.g. the eigenstate entropies of S6a.
    public static func sums(of values: [Double], eps: [Double], bins: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: bins)
        for n in values.indices { sum[bin(of: eps[n], bins: bins)] += values[n] }
        return sum
    }

    public mutating func add(eps: Double, r: Double, m: Double) {
        let b = Self.bin(of: eps, bins: bins)
        count[b] += 1
        sumM[b] += m
        sumM2[b] += m * m
        sumLogM[b] += Foundation_log(m)
        if r.isFinite {
            countR[b] += 1
            sumR[b] += r
            sumR2[b] += r * r
            if r > 0 {
                countLogR[b] += 1
                sumLogR[b] += Foundation_log(r)
            }
        }
    }
}
