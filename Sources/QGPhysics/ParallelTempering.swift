/// Parallel-tempering Monte Carlo of the classical chain (docs/models.md S7):
/// two independent copies of a ladder of temperatures, Metropolis single-spin
/// sweeps with O(L) field updates, replica exchange between neighbouring
/// temperatures after every sweep, and the overlaps between the two copies.
///
/// Equilibration follows Katzgraber-Young: the run is split into stages of
/// doubling length (stage k ends after initialSweeps * 2^k sweeps and
/// measures over the second half of its total, i.e. over the sweeps it added),
/// and every stage's thermal averages are returned. The link-overlap test
/// (q_l against 1 + 2 T e / (T_c^MF)^2) holds only after the disorder
/// average, so the reducer, not this function, decides which stage passed.
public enum ParallelTempering {
    public struct Schedule: Sendable, Equatable {
        /// Ascending temperatures.
        public var temperatures: [Double]
        /// Sweeps of stage 0 (measurement over its second half).
        public var initialSweeps: Int
        /// Number of doubling stages.
        public var stages: Int
        public init(temperatures: [Double], initialSweeps: Int, stages: Int) {
            self.temperatures = temperatures; self.initialSweeps = initialSweeps; self.stages = stages
        }
        /// Total sweeps at the end of stage k.
        public func sweeps(atEndOf k: Int) -> Int { initialSweeps << k }

        /// `count` temperatures spaced geometrically from lo to hi.
        public static func geometric(lo: Double, hi: Double, count: Int) -> [Double] {
            count == 1 ? [lo] : (0..<count).map { k in lo * Foundation_pow(hi / lo, Double(k) / Double(count - 1)) }
        }
    }

    /// Thermal averages of one stage, per temperature.
    public struct Stage: Sendable {
        public var sweeps: Int
        /// <E>/L over both copies.
        public var energy: [Double]
        /// <q^2>, <q^4>, <|q|>, q = (1/L) sum_i z^a_i z^b_i.
        public var q2: [Double]
        public var q4: [Double]
        public var absQ: [Double]
        /// <q_l>, q_l = (1/L) sum_{i != j} w_ij z^a_i z^a_j z^b_i z^b_j, w_ij = [K_ij^2] / (T_c^MF)^2.
        public var ql: [Double]
        /// Accepted fraction of exchanges between temperatures t and t+1 (both copies).
        public var exchangeAcceptance: [Double]
    }

    /// w(|i-j|) = d_ij^(-2 alpha) / ((1/L) sum_{i != j} d_ij^(-2 alpha)): the
    /// link-overlap weights, independent of the coupling scale.
    public static func linkWeights(L: Int, alpha: Double, boundary: Boundary) -> [Double] {
        let t0 = ClassicalChain.meanFieldTemperature(L: L, alpha: alpha, boundary: boundary)
        return ClassicalChain.distancePowers(L: L, exponent: -2 * alpha, boundary: boundary).map { $0 / (t0 * t0) }
    }

    /// Binder ratio g = (1/2) (3 - <q^4> / <q^2>^2): 1 for q = +-1, 0 for Gaussian q.
    public static func binder(q2: Double, q4: Double) -> Double { 0.5 * (3 - q4 / (q2 * q2)) }

    public static func run(_ chain: ClassicalChain, schedule: Schedule, rng: inout CounterRNG) -> [Stage] {
        let L = chain.L, nT = schedule.temperatures.count
        let temps = schedule.temperatures
        let w = linkWeights(L: L, alpha: chain.alpha, boundary: chain.boundary)
        let nRep = 2 * nT
        var z: [[Int8]] = (0..<nRep).map { _ in SingleFlipStable.randomState(L: L, rng: &rng) }
        var phi: [[Double]] = z.map { chain.fields($0) }
        var energy: [Double] = (0..<nRep).map { ClassicalChain.energy(z: z[$0], phi: phi[$0]) }
        // slot[c][t]: the replica of copy c currently at temperature t.
        var slot: [[Int]] = [(0..<nT).map { $0 }, (0..<nT).map { nT + $0 }]
        var stages: [Stage] = []
        var done = 0
        var qa = [Double](repeating: 0, count: L)

        for k in 0..<schedule.stages {
            let end = schedule.sweeps(atEndOf: k)
            let measureFrom = end / 2
            // Exact fields and energies at every stage start (no drift from incremental updates).
            for r in 0..<nRep { phi[r] = chain.fields(z[r]); energy[r] = ClassicalChain.energy(z: z[r], phi: phi[r]) }
            var sE = [Double](repeating: 0, count: nT), sQ2 = sE, sQ4 = sE, sAbs = sE, sQl = sE
            var acc = [Double](repeating: 0, count: max(0, nT - 1))
            var measured = 0, exchanges = 0
            while done < end {
                for t in 0..<nT {
                    let beta = 1 / temps[t]
                    for c in 0..<2 {
                        let r = slot[c][t]
                        var e = energy[r]
                        for i in 0..<L {
                            let dE = -2 * Double(z[r][i]) * phi[r][i]
                            if dE <= 0 || Double(rng.nextUInt32()) * 0x1.0p-32 < Foundation_exp(-beta * dE) {
                                chain.flip(i, z: &z[r], phi: &phi[r])
                                e += dE
                            }
                        }
                        energy[r] = e
                    }
                }
                for c in 0..<2 {
                    for t in 0..<(nT - 1) {
                        let r1 = slot[c][t], r2 = slot[c][t + 1]
                        let x = (1 / temps[t] - 1 / temps[t + 1]) * (energy[r1] - energy[r2])
                        if x >= 0 || Double(rng.nextUInt32()) * 0x1.0p-32 < Foundation_exp(x) {
                            slot[c][t] = r2; slot[c][t + 1] = r1
                            if done >= measureFrom { acc[t] += 1 }
                        }
                    }
                }
                done += 1
                if done > measureFrom {
                    measured += 1; exchanges += 2
                    for t in 0..<nT {
                        let a = slot[0][t], b = slot[1][t]
                        var q = 0.0
                        for i in 0..<L { qa[i] = Double(z[a][i] * z[b][i]); q += qa[i] }
                        q /= Double(L)
                        var ql = 0.0
                        qa.withUnsafeBufferPointer { s in
                            w.withUnsafeBufferPointer { ww in
                                for i in 0..<L {
                                    var row = 0.0
                                    for j in 0..<L { row += ww[abs(i - j)] * s[j] }   // w[0] = 0: no i = j term
                                    ql += s[i] * row
                                }
                            }
                        }
                        let q2 = q * q
                        sE[t] += (energy[a] + energy[b]) / Double(2 * L)
                        sQ2[t] += q2; sQ4[t] += q2 * q2; sAbs[t] += abs(q); sQl[t] += ql / Double(L)
                    }
                }
            }
            let m = Double(max(1, measured))
            stages.append(Stage(sweeps: end, energy: sE.map { $0 / m }, q2: sQ2.map { $0 / m }, q4: sQ4.map { $0 / m },
                                absQ: sAbs.map { $0 / m }, ql: sQl.map { $0 / m },
                                exchangeAcceptance: acc.map { $0 / Double(max(1, exchanges)) }))
        }
        return stages
    }

    /// Exact thermal averages of a small chain by enumerating all 2^L states
    /// (for tests): <E>/L, and <q^2>, <q^4> between two independent replicas.
    public static func exactAverages(_ chain: ClassicalChain, temperature T: Double) -> (energy: Double, q2: Double, q4: Double) {
        let L = chain.L
        precondition(L <= 16, "enumeration is for small chains")
        let n = 1 << L
        var weights = [Double](repeating: 0, count: n), energies = weights
        for s in 0..<n {
            let z: [Int8] = (0..<L).map { (s >> $0) & 1 == 0 ? 1 : -1 }
            energies[s] = ClassicalChain.energy(z: z, phi: chain.fields(z))
        }
        let e0 = energies.min()!
        var Z = 0.0
        for s in 0..<n { weights[s] = Foundation_exp(-(energies[s] - e0) / T); Z += weights[s] }
        var eMean = 0.0
        for s in 0..<n { weights[s] /= Z; eMean += weights[s] * energies[s] }
        // <q^2> = sum_{s,s'} p p' q(s,s')^2, O(4^L): fine for L <= 8.
        var q2 = 0.0, q4 = 0.0
        for a in 0..<n {
            for b in 0..<n {
                let agree = L - 2 * (a ^ b).nonzeroBitCount
                let q = Double(agree) / Double(L), q2v = q * q
                let p = weights[a] * weights[b]
                q2 += p * q2v; q4 += p * q2v * q2v
            }
        }
        return (eMean / Double(L), q2, q4)
    }
}
