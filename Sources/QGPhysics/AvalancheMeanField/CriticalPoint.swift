import Foundation
import QGNumerics

extension AvalancheMeanField {
    /// a_c = 1/sqrt 2 (the N -> inf critical point of the DRH chain), the correctly rounded double
    /// 0.7071067811865476 (sqrt(0.5); 1 / sqrt(2.0) rounds to 0.7071067811865475).
    public static let aCritical = 0.5.squareRoot()

    /// ln g_N (end l-bit) of the DRH chain, whose monotone image [S_end] is Fig. 2a's curve.
    public static func endLogCoupling(N: Int, a: Double, g10: Double, table: EtaTable) throws -> Double {
        try solveChain(logBare: drhLogBare(N: N, a: a, g10: g10), table: table).logCouplings[N - 1]
    }

    /// a_c(N), midpoint criterion: the a at which [S_end](a; N) = ln2/2 (equivalently ln g_N = t_half),
    /// the centre of the step of width O(1/N) of Fig. 2a. Bisection on a in `bracket` to `tol`.
    public static func criticalPointMidpoint(N: Int, g10: Double, table: EtaTable,
                                             bracket: (Double, Double) = (0.5, 0.8), tol: Double = 1e-9) throws -> Double {
        let tHalf = try halfEntropyLogCoupling(table.distribution)
        return try bisect(bracket, tol: tol, "midpoint a_c(N = \(N))") { a in
            try endLogCoupling(N: N, a: a, g10: g10, table: table) - tHalf
        }
    }

    /// a_c(N) with a bracket search, midpoint criterion (docs/avalanche-mean-field.md, section 4):
    /// ln g_N(a) is increasing in a, and [S](g) in g, so [S_N](a) = (ln 2)/2, i.e. ln g_N = `tHalf`,
    /// has one root. Bracket: a_lo = 0.5 (0 if already above: at a = 0, g_N = 0 for N >= 2),
    /// a_hi = 0.8 doubled until above (`noBracket` past 64); then bisection to a_hi - a_lo <= `tol`;
    /// a_c is the bracket's midpoint. Returns it with the final bracket, the chain solves
    /// (`steps`) and the solver's iterations summed over them.
    public static func criticalPoint(N: Int, g10: Double, table: EtaTable, tHalf: Double, tol: Double,
                                     solver: ChainSolverSettings) throws -> (a: Double, bracket: (Double, Double), steps: Int, iterations: Int) {
        var steps = 0, iterations = 0
        func f(_ a: Double) throws -> Double {
            steps += 1
            let s = try solver.solve(logBare: drhLogBare(N: N, a: a, g10: g10), table: table)
            iterations += s.iterations
            return s.logCouplings[N - 1] - tHalf
        }
        var lo = 0.5, hi = 0.8
        if try f(lo) >= 0 { lo = 0 }
        while try f(hi) < 0 {
            guard hi < 64 else { throw AvalancheMeanFieldError.noBracket("a_c(N = \(N)): [S_N] < (ln 2)/2 for every a <= 64") }
            lo = hi; hi *= 2
        }
        while hi - lo > tol {
            let mid = 0.5 * (lo + hi)
            if try f(mid) < 0 { lo = mid } else { hi = mid }
        }
        return (0.5 * (lo + hi), (lo, hi), steps, iterations)
    }

    /// a_x(N1, N2): the crossing of the [S_end](a) curves of N1 and N2 (Fig. 2a). [S] is
    /// increasing in g, so this is the crossing of ln g_end, which neither underflows nor saturates.
    public static func crossing(N1: Int, N2: Int, g10: Double, table: EtaTable,
                                bracket: (Double, Double) = (0.6, 0.8), tol: Double = 1e-10) throws -> Double {
        try bisect(bracket, tol: tol, "crossing of N = \(N1), \(N2)") { a in
            try endLogCoupling(N: N1, a: a, g10: g10, table: table) - endLogCoupling(N: N2, a: a, g10: g10, table: table)
        }
    }

    static func bisect(_ br: (Double, Double), tol: Double, _ what: String, _ f: (Double) throws -> Double) throws -> Double {
        do { return try Bisection.root(in: br, tol: tol, f) } catch let e as Bisection.NoSignChange {
            throw AvalancheMeanFieldError.noBracket("\(what): f(\(e.lo)) = \(e.fLo), f(\(e.hi)) = \(e.fHi)")
        }
    }

    /// Exponent of eta_tot ~ |delta a|^(-theta): slope of ln eta_tot vs ln |delta a| (returns -slope).
    public static func criticalExponent(deltaA: [Double], etaTotal: [Double]) -> Double {
        -Statistics.linearFit(x: deltaA.map { log(abs($0)) }, y: etaTotal.map { log($0) }).slope
    }
}
