import Foundation
import QGNumerics

// MARK: - Tabulated eta

/// eta tabulated on a uniform grid in t = ln g, for the chain solver.
///
/// Stored: phi(t) = ln(eta(e^t) - eta(0)), smooth on the whole line (phi ~ t + ln(kappa |t|)
/// for t -> -inf, phi -> ln ln 2 for t -> +inf). Interpolant: natural cubic spline on
/// [tMin - margin, tMax + margin] (margin = 12 nodes, so the natural end conditions,
/// whose influence decays as 0.268^k, do not reach [tMin, tMax]). Error control: the
/// spline is compared with direct quadrature at the midpoints of every `checkStride`-th
/// interval; if the largest |delta phi| (= relative error of eta - eta(0)) exceeds
/// `interpolationTol`, the step is halved (old nodes kept) and the check repeated.
/// Outside [tMin, tMax]: above, the O(g^-4) large-g form; below, the two-term small-g form
/// eta - eta(0) = g (kappa ln(1/g) + B) with B matched at tMin (next term O(g^2 ln^2 g)).
public struct EtaTable: Sendable {
    public let distribution: ReducedCouplingDistribution
    public let tMin: Double
    public let tMax: Double
    public let step: Double
    public let t0: Double
    public let phi: [Double]
    public let m: [Double]            // spline second derivatives
    public let smallGConstant: Double // B
    /// Largest |phi_spline - phi_direct| found at the check points.
    public let interpolationError: Double
    public let quadratureTol: Double

    public init(_ convention: ReducedCouplingConvention = .default, gMin: Double = 1e-12, gMax: Double = 1e3,
                step initialStep: Double = 0.2, quadratureTol: Double = 1e-11, interpolationTol: Double = 1e-8,
                checkStride: Int = 7) throws {
        let dist = ReducedCouplingDistribution(convention)
        distribution = dist
        self.quadratureTol = quadratureTol
        tMin = log(gMin); tMax = log(gMax)
        let margin = 12
        var h = initialStep
        var nodes: [Double: Double] = [:]   // t -> phi (keyed by exact grid value)
        @Sendable func phiDirect(_ t: Double) throws -> Double {
            let v = try dist.etaExcess(exp(t), relTol: quadratureTol)
            guard v > 0 else { throw AvalancheMeanFieldError.invalidInput("eta - eta0 <= 0 at t = \(t)") }
            return log(v)
        }
        while true {
            let start = tMin - Double(margin) * h
            let n = Int(((tMax - tMin) / h).rounded(.up)) + 2 * margin + 1
            var ph = [Double](repeating: 0, count: n)
            var missing: [Int] = []
            for i in 0..<n {
                let key = ((start + Double(i) * h) * 1e9).rounded() / 1e9
                if let v = nodes[key] { ph[i] = v } else { missing.append(i) }
            }
            // New nodes in parallel (each an independent quadrature; results are order-independent).
            let hNow = h
            let computed = try Self.parallelMap(missing) { i in try phiDirect(start + Double(i) * hNow) }
            for (i, v) in zip(missing, computed) {
                ph[i] = v
                nodes[((start + Double(i) * h) * 1e9).rounded() / 1e9] = v
            }
            let mm = UniformCubicSpline.naturalSecondDerivatives(ph, spacing: h)
            // Check at interval midpoints.
            var worst = 0.0
            let firstInside = margin, lastInside = n - margin - 1
            var i = firstInside
            while i < lastInside {
                let t = start + (Double(i) + 0.5) * h
                let s = UniformCubicSpline.evaluate(ph, secondDerivatives: mm, spacing: h, start: start, at: t).value
                worst = max(worst, abs(s - (try phiDirect(t))))
                i += checkStride
            }
            if worst <= interpolationTol || h < 1e-3 {
                guard worst <= interpolationTol else {
                    throw AvalancheMeanFieldError.quadratureNotConverged(estimate: worst, errorEstimate: worst, panels: n)
                }
                step = h; t0 = start; phi = ph; m = mm; interpolationError = worst
                break
            }
            h /= 2
        }
        // Small-g constant B from the node at tMin.
        let gLo = exp(tMin)
        let idx = Int(((tMin - t0) / step).rounded())
        let etaLo = exp(phi[idx])
        smallGConstant = etaLo / gLo - dist.smallGCoefficient * log(1 / gLo)
    }

    /// map over indices on all cores (DispatchQueue.concurrentPerform); first error rethrown.
    static func parallelMap(_ idx: [Int], _ f: @Sendable (Int) throws -> Double) throws -> [Double] {
        final class Box: @unchecked Sendable {
            var out: [Double]; var err: [Error?]
            init(_ n: Int) { out = [Double](repeating: 0, count: n); err = [Error?](repeating: nil, count: n) }
        }
        let box = Box(idx.count)
        box.out.withUnsafeMutableBufferPointer { ob in
            box.err.withUnsafeMutableBufferPointer { eb in
                nonisolated(unsafe) let o = ob, e = eb
                DispatchQueue.concurrentPerform(iterations: idx.count) { k in
                    do { o[k] = try f(idx[k]) } catch { e[k] = error }
                }
            }
        }
        if let e = box.err.compactMap({ $0 }).first { throw e }
        return box.out
    }

    /// (eta, d eta / d ln g) at t = ln g. t = -inf gives (eta(0), 0).
    @inline(__always)
    public func etaAndSlope(logG t: Double) -> (Double, Double) {
        let d = distribution
        if t == -.infinity { return (d.etaZero, 0) }
        if t > tMax {
            let g = exp(t)
            let gamma = d.scale * g
            let c2 = ReducedCouplingDistribution.inverseSquareMoment / (4 * ReducedCouplingDistribution.truncatedMass * gamma * gamma)
            let x = c2 * c2 / 8
            // d/dt of 2 ln(1 - x), x ~ e^{-4t}: dx/dt = -4x
            return (d.etaInfinity + 2 * log1p(-x), 8 * x / (1 - x))
        }
        if t < tMin {
            let g = exp(t)
            let k = d.smallGCoefficient, bb = smallGConstant
            let v = g * (k * (-t) + bb)
            return (d.etaZero + v, v - k * g)
        }
        let (p, dp) = UniformCubicSpline.evaluate(phi, secondDerivatives: m, spacing: step, start: t0, at: t)
        let v = exp(p)
        return (d.etaZero + v, v * dp)
    }

    public func eta(_ g: Double) -> Double { etaAndSlope(logG: g > 0 ? log(g) : -.infinity).0 }
}

// MARK: - Process-wide table cache

extension EtaTable {
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var tables: [ReducedCouplingConvention: EtaTable] = [:]
        var halfEntropyLogCouplings: [ReducedCouplingConvention: Double] = [:]
    }
    private static let cache = Cache()

    /// The default-accuracy table of a convention, built once per process (about 5-10 s in a
    /// release build on 2 cores) and shared; thread-safe. Use this from the CLI and campaigns.
    public static func shared(_ convention: ReducedCouplingConvention = .default) throws -> EtaTable {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let t = cache.tables[convention] { return t }
        let t = try EtaTable(convention)
        cache.tables[convention] = t
        return t
    }

    /// ln g at which [S](g) = (ln 2)/2 in a convention
    /// (`AvalancheMeanField.halfEntropyLogCoupling`, 60 quadratures), computed
    /// once per convention and process and shared; thread-safe.
    public static func sharedHalfEntropyLogCoupling(_ convention: ReducedCouplingConvention = .default) throws -> Double {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let v = cache.halfEntropyLogCouplings[convention] { return v }
        let v = try AvalancheMeanField.halfEntropyLogCoupling(ReducedCouplingDistribution(convention))
        cache.halfEntropyLogCouplings[convention] = v
        return v
    }
}
