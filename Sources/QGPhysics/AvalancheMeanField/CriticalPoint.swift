import Foundation
import QGNumerics

extension AvalancheMeanField {
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
