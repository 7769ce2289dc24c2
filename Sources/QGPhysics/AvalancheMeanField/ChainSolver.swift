import Foundation

// MARK: - Self-consistent chain

/// Result of the self-consistent chain g_n = g_n0 exp((1/2) sum_{m != n} eta(g_m)).
public struct ChainSolution: Sendable {
    /// ln g_n (-inf where g_n0 = 0).
    public let logCouplings: [Double]
    public let etas: [Double]
    /// eta_tot = sum_n eta(g_n) (eq. 14 of the seed).
    public let etaTotal: Double
    /// n_* = (eta_tot - N eta(0)) / ln 2: the number of l-bits the bubble has absorbed,
    /// as the seed defines it through eta_tot ~ n_* ln 2 (eta(0) = 0 in the normalized conventions).
    public let nStar: Double
    public let converged: Bool
    /// Evaluations of the reduced map Phi(E) (or sweeps of eq. 13 for the iterative solver).
    public let iterations: Int
    /// |Phi(E) - E| at the solution (in units of eta).
    public let residual: Double
    /// max_n |ln g_n - ln g_n0 - (eta_tot - eta_n)/2|: the residual of the N equations.
    public let siteResidual: Double
    public var couplings: [Double] { logCouplings.map { exp($0) } }
}

extension AvalancheMeanField {

    /// ln g_n0 = ln g_10 + (n - 1) ln a for the De Roeck-Huveneers chain (a = 0: only n = 1 coupled).
    public static func drhLogBare(N: Int, a: Double, g10: Double) -> [Double] {
        let la = log(a), lg = log(g10)
        return (0..<N).map { n in n == 0 ? lg : (a == 0 ? -.infinity : lg + Double(n) * la) }
    }

    /// Solves the chain for bare log-couplings `logBare` (any order, any N).
    ///
    /// Reduction: with E = sum_m eta(g_m), every equation reads
    /// ln g_n + eta(g_n)/2 = ln g_n0 + E/2, whose left side is strictly increasing in ln g_n,
    /// so g_n(E) is unique (safeguarded Newton, bracket [r - eta_inf/2, r - eta_0/2]).
    /// The chain is then the scalar problem h(E) = Phi(E) - E = 0, Phi(E) = sum_n eta(g_n(E)),
    /// Phi increasing. Iterating eq. 13 from the bare couplings converges to the least
    /// fixed point; its E is the least root E* of h on [0, inf). We find it by marching:
    /// from E = 0 (h(0) > 0 unless all g_n0 = 0), if h(E) >= `probe` we step E <- Phi(E)
    /// (certified: Phi(E) <= Phi(E*) = E*, so no root is skipped); otherwise we probe
    /// E + min(probe, 1.1 x Newton step); a sign change gives a bracket that the Illinois
    /// method closes to |bracket| <= tol (1 + E). `probe` (default 0.05 in units of eta)
    /// must be below the scale on which h varies (>= ~1 in E, as g_n(E) moves by e^{E/2}).
    /// Sites with g_n(E) > 1e4 contribute eta_inf (deficit < 1e-19) and sites below 1e-20
    /// contribute eta_0 (excess < 1e-17); sorting by g_n0 makes Phi cost O(window + log N).
    /// Throws `chainNotConverged` after `maxIterations` evaluations of Phi.
    public static func solveChain(logBare: [Double], table: EtaTable, probe: Double = 0.05,
                                  tol: Double = 1e-12, maxIterations: Int = 2_000_000) throws -> ChainSolution {
        let N = logBare.count
        guard N > 0 else { throw AvalancheMeanFieldError.invalidInput("empty chain") }
        guard !logBare.contains(where: { $0.isNaN || $0 == .infinity }) else {
            throw AvalancheMeanFieldError.invalidInput("bare couplings must be finite or zero")
        }
        let order = (0..<N).sorted { logBare[$0] > logBare[$1] }
        let sorted = order.map { logBare[$0] }
        let etaInf = table.distribution.etaInfinity, eta0 = table.distribution.etaZero
        let bulkT = log(1e4), tailT = log(1e-20)

        func siteSolve(_ r: Double) -> (t: Double, eta: Double, slope: Double) {
            if r == -.infinity { return (-.infinity, eta0, 0) }
            var lo = r - etaInf / 2, hi = r - eta0 / 2
            var t = r - table.etaAndSlope(logG: r).0 / 2
            t = min(max(t, lo), hi)
            for _ in 0..<100 {
                let (e, s) = table.etaAndSlope(logG: t)
                let f = t + e / 2 - r
                if f > 0 { hi = t } else { lo = t }
                if abs(f) <= 1e-14 * max(1, abs(r)) { return (t, e, s) }
                var tn = t - f / (1 + s / 2)
                if !(tn > lo && tn < hi) { tn = 0.5 * (lo + hi) }
                if tn == t { return (t, e, s) }
                t = tn
            }
            let (e, s) = table.etaAndSlope(logG: t)
            return (t, e, s)
        }
        // First index i with sorted[i] + E/2 <= threshold (sorted is descending).
        func firstBelow(_ thr: Double) -> Int {
            var lo = 0, hi = N
            while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] > thr { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        var evaluations = 0
        func phi(_ E: Double) -> (Double, Double) {
            evaluations += 1
            // bulk: r - etaInf/2 > bulkT  <=> sorted > bulkT + etaInf/2 - E/2
            let nb = firstBelow(bulkT + etaInf / 2 - E / 2)
            // tail: r - eta0/2 < tailT  <=> sorted < tailT + eta0/2 - E/2
            let nt = max(nb, firstBelow(tailT + eta0 / 2 - E / 2))
            var s = Double(nb) * etaInf + Double(N - nt) * eta0, ds = 0.0
            var i = nb
            while i < nt {
                let (_, e, sl) = siteSolve(sorted[i] + E / 2)
                s += e; ds += sl / (2 + sl)
                i += 1
            }
            return (s, ds)
        }
        var E = 0.0
        var (ph, dph) = phi(E)
        var h = ph - E
        var converged = false
        while evaluations < maxIterations {
            if abs(h) <= tol * max(1, E) { converged = true; break }
            if h >= probe {
                E = ph
                (ph, dph) = phi(E); h = ph - E
                continue
            }
            // Probe ahead.
            var stepE = probe
            if dph < 1 { stepE = min(probe, 1.1 * h / (1 - dph)) }
            stepE = max(stepE, tol * max(1, E))
            let E2 = E + stepE
            let (ph2, dph2) = phi(E2)
            let h2 = ph2 - E2
            if h2 > 0 { E = E2; ph = ph2; dph = dph2; h = h2; continue }
            // Bracket [E, E2], h(E) > 0 >= h(E2): Illinois.
            var a = E, fa = h, b = E2, fb = h2, side = 0
            while evaluations < maxIterations {
                if fb == 0 || abs(b - a) <= tol * max(1, abs(b)) { break }
                let c = (a * fb - b * fa) / (fb - fa)
                let (pc, dpc) = phi(c)
                let fc = pc - c
                if fc > 0 {
                    a = c; fa = fc; ph = pc; dph = dpc
                    if side == -1 { fb /= 2 }
                    side = -1
                } else {
                    b = c; fb = fc
                    if side == 1 { fa /= 2 }
                    side = 1
                }
            }
            // Take the right end point of the bracket: eq. (13) from below converges to it.
            E = b
            (ph, dph) = phi(E); h = ph - E
            converged = abs(b - a) <= tol * max(1, abs(b)) || fb == 0 || abs(h) <= tol * max(1, E)
            break
        }
        guard converged else { throw AvalancheMeanFieldError.chainNotConverged(iterations: evaluations, residual: abs(h)) }
        // Site solutions at E.
        var logG = [Double](repeating: -.infinity, count: N), etas = [Double](repeating: eta0, count: N)
        var total = 0.0
        for n in 0..<N {
            let (t, e, _) = siteSolve(logBare[n] + E / 2)
            logG[n] = t; etas[n] = e; total += e
        }
        var siteRes = 0.0
        for n in 0..<N where logBare[n] > -.infinity {
            siteRes = max(siteRes, abs(logG[n] - logBare[n] - (total - etas[n]) / 2))
        }
        return ChainSolution(logCouplings: logG, etas: etas, etaTotal: total,
                             nStar: (total - Double(N) * eta0) / log(2.0), converged: true,
                             iterations: evaluations, residual: abs(total - E), siteResidual: siteRes)
    }

    /// The seed's iteration (eq. 13), damped in ln g:
    /// ln g_n <- (1 - damping) ln g_n + damping (ln g_n0 + (1/2) sum_{m != n} eta(g_m)),
    /// from the bare couplings. O(N) per sweep; converged when max_n |change of ln g_n| <= tol.
    /// Independent check of `solveChain`; throws `chainNotConverged` after `maxIterations` sweeps.
    public static func solveChainByIteration(logBare: [Double], table: EtaTable, damping: Double = 1,
                                             tol: Double = 1e-12, maxIterations: Int = 100_000) throws -> ChainSolution {
        let N = logBare.count
        guard N > 0, damping > 0, damping <= 1 else { throw AvalancheMeanFieldError.invalidInput("N = \(N), damping = \(damping)") }
        var t = logBare
        var etas = t.map { table.etaAndSlope(logG: $0).0 }
        var change = Double.infinity
        var it = 0
        while it < maxIterations {
            it += 1
            let total = etas.reduce(0, +)
            change = 0
            var next = t
            for n in 0..<N where logBare[n] > -.infinity {
                let target = logBare[n] + (total - etas[n]) / 2
                next[n] = (1 - damping) * t[n] + damping * target
                change = max(change, abs(next[n] - t[n]))
            }
            t = next
            etas = t.map { table.etaAndSlope(logG: $0).0 }
            if change <= tol { break }
        }
        guard change <= tol else { throw AvalancheMeanFieldError.chainNotConverged(iterations: it, residual: change) }
        let total = etas.reduce(0, +)
        var siteRes = 0.0
        for n in 0..<N where logBare[n] > -.infinity {
            siteRes = max(siteRes, abs(t[n] - logBare[n] - (total - etas[n]) / 2))
        }
        return ChainSolution(logCouplings: t, etas: etas, etaTotal: total,
                             nStar: (total - Double(N) * table.distribution.etaZero) / log(2.0),
                             converged: true, iterations: it, residual: siteRes, siteResidual: siteRes)
    }

    /// [S](g) (A13) at ln g = t: the mean entanglement entropy of an l-bit of
    /// coupling g, 0 at g = 0 (t = -inf).
    public static func meanEntropy(logCoupling t: Double, distribution: ReducedCouplingDistribution) throws -> Double {
        t == -.infinity ? 0 : try distribution.meanEntropy(g1: exp(t))
    }

    /// [S_n] profile (A13) of a solved chain (Fig. 3a).
    public static func entropyProfile(_ sol: ChainSolution, distribution: ReducedCouplingDistribution) throws -> [Double] {
        try sol.logCouplings.map { try meanEntropy(logCoupling: $0, distribution: distribution) }
    }

    /// Memory profile C_n (A14) of a solved chain.
    public static func memoryProfile(_ sol: ChainSolution, distribution: ReducedCouplingDistribution) throws -> [Double] {
        try sol.logCouplings.map { t in try distribution.memory(g1: t == -.infinity ? 0 : exp(t)) }
    }

    /// Number of sites with [S_n] >= ln2 / 2 (the thermalized region of the profile; monotone in n).
    public static func thermalizedCount(_ sol: ChainSolution, distribution: ReducedCouplingDistribution) throws -> Int {
        thermalizedCount(sol, tHalf: try halfEntropyLogCoupling(distribution))
    }

    /// `thermalizedCount` given t_half (`halfEntropyLogCoupling`): the sites with ln g_n >= t_half.
    public static func thermalizedCount(_ sol: ChainSolution, tHalf: Double) -> Int {
        sol.logCouplings.filter { $0 >= tHalf }.count
    }

    /// ln g at which [S](g) = ln2 / 2 in a convention (bisection; [S] is increasing in g).
    public static func halfEntropyLogCoupling(_ d: ReducedCouplingDistribution) throws -> Double {
        var lo = -10.0, hi = 10.0
        let target = 0.5 * log(2.0)
        for _ in 0..<60 {
            let mid = 0.5 * (lo + hi)
            if try d.meanEntropy(g1: exp(mid)) < target { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}

// MARK: - Solver choice

/// How the self-consistent chain is solved: the method and its settings
/// (study S8's `solver`, `tol`, `max_iterations`, `probe`, `damping`).
public struct ChainSolverSettings: Sendable, Hashable {
    /// `reduced`: the scalar problem of `solveChain`; `iteration`: the seed's
    /// eq. 13 iterated (`solveChainByIteration`).
    public enum Method: String, Sendable, CaseIterable { case reduced, iteration }

    public var method: Method
    public var tol: Double
    public var maxIterations: Int
    /// Probe step of the reduced solver (unused by the iteration).
    public var probe: Double
    /// Damping of the iteration (unused by the reduced solver).
    public var damping: Double

    public init(method: Method, tol: Double, maxIterations: Int, probe: Double, damping: Double) {
        self.method = method
        self.tol = tol
        self.maxIterations = maxIterations
        self.probe = probe
        self.damping = damping
    }

    /// The chain of bare log-couplings `logBare` by `method`; throws `chainNotConverged`.
    public func solve(logBare: [Double], table: EtaTable) throws -> ChainSolution {
        switch method {
        case .reduced:
            return try AvalancheMeanField.solveChain(logBare: logBare, table: table, probe: probe, tol: tol, maxIterations: maxIterations)
        case .iteration:
            return try AvalancheMeanField.solveChainByIteration(logBare: logBare, table: table, damping: damping, tol: tol,
                                                                maxIterations: maxIterations)
        }
    }
}
