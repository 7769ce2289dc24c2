import Foundation
import QGNumerics

/// The mean-field curves that the S8 reduction (`drh`) sets beside the ED
/// (docs/avalanche-ed-2d.md): [S_end](a; N) of AvalancheMeanField's DRH
/// chain, and its one free parameter g_10 fitted to measured [S_end].
extension AvalancheMeanField {
    /// [S_end](a; N): the mean entropy (A13) of the end l-bit of the DRH chain
    /// of N l-bits at decay a and bare coupling g_10 (Fig. 2a's curve).
    public static func endEntropy(N: Int, a: Double, g10: Double, table: EtaTable) throws -> Double {
        try table.distribution.meanEntropy(g1: exp(endLogCoupling(N: N, a: a, g10: g10, table: table)))
    }

    /// g_10 fitted to measured [S_end] of the sizes `N` at one decay `a`:
    /// minimizes chi^2 = sum_k ((endEntropy(N_k, a, g_10) - S_k) / max(err_k, 1e-3))^2
    /// over the finite S_k, scanning ln g_10 on [-7, 4.6] in steps of 0.1, then
    /// a golden section around the best grid point. Returns g_10 and its chi^2.
    public static func fitEndEntropy(N: [Int], a: Double, entropy: [Double], error: [Double],
                                     table: EtaTable) throws -> (g10: Double, chi2: Double) {
        func chi2(_ t: Double) throws -> Double {
            var c = 0.0
            for (k, n) in N.enumerated() where entropy[k].isFinite {
                let d = (try endEntropy(N: n, a: a, g10: exp(t), table: table) - entropy[k]) / max(error[k], 1e-3)
                c += d * d
            }
            return c
        }
        let t = try Statistics.minimizeOnGrid(chi2, grid: stride(from: -7.0, through: 4.6, by: 0.1).map { $0 }, iterations: 40)
        return (exp(t), try chi2(t))
    }
}
