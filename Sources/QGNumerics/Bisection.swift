/// Bisection for a root of a continuous f in a bracket with a sign change.
public enum Bisection {
    /// f has the same sign (or is 0) at both ends of the bracket.
    public struct NoSignChange: Error, Equatable {
        public let lo: Double, hi: Double, fLo: Double, fHi: Double
        public init(lo: Double, hi: Double, fLo: Double, fHi: Double) { self.lo = lo; self.hi = hi; self.fLo = fLo; self.fHi = fHi }
    }

    /// The midpoint of the final bracket, once it is no wider than `tol`.
    /// Throws `NoSignChange` when f(lo) and f(hi) have the same sign or are
    /// both 0, and rethrows f's errors.
    public static func root(in bracket: (Double, Double), tol: Double, _ f: (Double) throws -> Double) throws -> Double {
        var lo = bracket.0, hi = bracket.1
        let flo = try f(lo), fhi = try f(hi)
        guard flo.sign != fhi.sign, flo != 0 || fhi != 0 else {
            throw NoSignChange(lo: lo, hi: hi, fLo: flo, fHi: fhi)
        }
        let increasing = fhi > flo
        while hi - lo > tol {
            let mid = 0.5 * (lo + hi)
            let v = try f(mid)
            if (v < 0) == increasing { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}
