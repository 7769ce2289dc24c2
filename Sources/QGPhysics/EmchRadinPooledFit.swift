// Study S9 (docs/emch-radin.md, "Fit"): the stretched-exponential fit of curves
// pooled over samples (`EmchRadinAccumulator`), with jackknife errors over
// blocks of samples. The S9 reducer fits every (d, alpha, N, x) this way.
import QGNumerics

/// A fit A exp(-(gamma tau)^beta) of a pooled curve with its errors: the
/// Levenberg-Marquardt covariance error of beta and the jackknife errors of
/// beta and gamma over blocks of samples (the quoted ones; the covariance
/// errors where there are fewer than two jackknife replicas).
public struct EmchRadinPooledFit: Sendable {
    public var beta = Double.nan, gamma = Double.nan, A = Double.nan, chi2PerDof = Double.nan
    public var betaFitErr = Double.nan, betaErr = Double.nan, gammaErr = Double.nan
    /// The gamma of each jackknife replica, in replica order; empty unless every replica's fit succeeded.
    public var replicaGammas: [Double] = []
    /// No fit: every number NaN.
    public static let failed = EmchRadinPooledFit()
}

extension EmchRadinCurves {
    /// The two decaying curves a fit sees: <s_x> and purity - 1/2 (both start at 1/2).
    public enum Observable: Sendable { case magnetization, purity }

    /// The curve of `o` that is fitted: `magnetization` or `purityExcess`.
    public func values(_ o: Observable) -> [Double] { o == .magnetization ? magnetization : purityExcess }
}

extension EmchRadinAccumulator {
    /// Pools per-sample curves on the grid `taus`: over all samples, and per
    /// jackknife block (`Statistics.jackknifeBlocks`: at most `blocks` blocks,
    /// none below two samples) over the samples outside that block.
    public static func pooled(_ samples: [EmchRadinCurves], taus: [Double], blocks: Int) -> (full: EmchRadinAccumulator, jackknife: [EmchRadinAccumulator]) {
        func pool(_ idx: [Int]) -> EmchRadinAccumulator {
            var acc = EmchRadinAccumulator(taus: taus)
            for i in idx { acc.add(samples[i]) }
            return acc
        }
        return (pool(Array(samples.indices)), Statistics.jackknifeBlocks(n: samples.count, blocks: blocks).map(pool))
    }

    /// Fits the pooled curve of `o` (`EmchRadin.fitStretchedExponential`)
    /// in `window` (edges in units of A0 = 1/2), weighted by its standard
    /// errors (unweighted below two samples), and each of the `jackknife`
    /// replicas' curves with the same weights. `.failed` without samples or
    /// when the pooled fit fails; a failed replica fit leaves the covariance errors.
    public func fit(_ o: EmchRadinCurves.Observable, window: FitWindow, jackknife: [EmchRadinAccumulator]) -> EmchRadinPooledFit {
        guard samples > 0 else { return .failed }
        // Standard errors of exactly zero (e.g. every sample equal at the first times) get the smallest positive one.
        let sigmas: [Double]? = standardErrors.map { se in
            let s = o == .magnetization ? se.magnetization : se.purity
            let floor = s.filter { $0 > 0 }.min() ?? 1
            return s.map { $0 > 0 ? $0 : floor }
        }
        func fit(_ y: [Double]) -> StretchedExponentialFit? {
            try? EmchRadin.fitStretchedExponential(taus: taus, values: y, sigmas: sigmas, lower: window.lower, upper: window.upper)
        }
        guard let f = fit(curves.values(o)) else { return .failed }
        var out = EmchRadinPooledFit(beta: f.beta, gamma: f.gamma, A: f.A, chi2PerDof: f.chi2PerDof, betaFitErr: f.errBeta, betaErr: f.errBeta,
                                     gammaErr: f.errGamma)
        let replicas = jackknife.map { fit($0.curves.values(o)) }
        let betas = replicas.map { $0?.beta ?? .nan }, gammas = replicas.map { $0?.gamma ?? .nan }
        if let e = Statistics.jackknifeError(betas) { out.betaErr = e }
        if let e = Statistics.jackknifeError(gammas) { out.gammaErr = e }
        out.replicaGammas = gammas.allSatisfy(\.isFinite) ? gammas : []
        return out
    }
}
