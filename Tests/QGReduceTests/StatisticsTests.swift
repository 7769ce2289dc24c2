import XCTest
import QGReduce
import QGPhysics
import QGTestSupport

/// Reducer statistics against known answers.
final class ReduceStatisticsTests: XCTestCase {
    /// Synthetic realizations: each has n_i ~ 50 states whose mean is drawn
    /// around 0.5 with realization-to-realization spread 0.05. The bootstrap
    /// error of the pooled mean must scale like 1/sqrt(N) in the number of
    /// realizations and match the analytic 0.05/sqrt(N).
    func testBootstrapErrorShrinksLikeInverseSqrtN() {
        var rng = CounterRNG(seed: 1, stream: StreamKey.make("bootstrap-test"), realization: 0)
        var errors: [Double] = []
        for n in [100, 400, 1600] {
            var num: [Double] = [], den: [Double] = []
            for _ in 0..<n {
                let states = 50.0
                num.append(states * (0.5 + 0.05 * rng.normal()))
                den.append(states)
            }
            let idx = ReduceStatistics.bootstrapIndices(n: n, samples: 400, key: "n=\(n)")
            let s = ReduceStatistics.ratioWithError(num: num, den: den, resamples: idx)
            XCTAssertEqual(s.value, 0.5, accuracy: 5 * 0.05 / Double(n).squareRoot())
            XCTAssertEqual(s.error, 0.05 / Double(n).squareRoot(), accuracy: 0.2 * 0.05 / Double(n).squareRoot())
            errors.append(s.error)
        }
        XCTAssertEqual(errors[0] / errors[1], 2, accuracy: 0.35)
        XCTAssertEqual(errors[1] / errors[2], 2, accuracy: 0.35)
    }

    func testBootstrapIsDeterministic() {
        XCTAssertEqual(ReduceStatistics.bootstrapIndices(n: 10, samples: 3, key: "k"), ReduceStatistics.bootstrapIndices(n: 10, samples: 3, key: "k"))
        XCTAssertNotEqual(ReduceStatistics.bootstrapIndices(n: 10, samples: 3, key: "k"), ReduceStatistics.bootstrapIndices(n: 10, samples: 3, key: "j"))
    }

    func testCrossingOfLines() {
        let x = [0.0, 1, 2, 3]
        let (c, n) = ReduceStatistics.crossing(x: x, y1: x.map { 0.2 * $0 }, y2: x.map { 1 - 0.3 * $0 })
        XCTAssertEqual(n, 1)
        XCTAssertEqual(c, 2.0, accuracy: 1e-12)
        XCTAssertEqual(ReduceStatistics.crossing(x: x, y1: x, y2: x.map { $0 + 1 }).count, 0)
        XCTAssertTrue(ReduceStatistics.crossing(x: x, y1: x, y2: x.map { $0 + 1 }).x.isNaN)
    }

    func testLinearFit() {
        let x = [1.0, 2, 3, 4], y = x.map { 0.5 + 2 * $0 }
        let f = ReduceStatistics.linearFit(x: x, y: y, sigma: [0.1, 0.1, 0.1, 0.1])
        XCTAssertEqual(f.intercept, 0.5, accuracy: 1e-12)
        XCTAssertEqual(f.slope, 2, accuracy: 1e-12)
        // Weighted errors: var(slope) = sigma^2 / Σ(x - x̄)^2 = 0.01 / 5.
        XCTAssertEqual(f.slopeError, (0.01 / 5).squareRoot(), accuracy: 1e-12)
    }

    /// Curves generated with y = F((h - hc) L^(1/nu)) plus noise at the
    /// stated error: the collapse recovers (hc, nu), and S ≈ 1.
    func testCollapseRecoversKnownExponents() {
        let hcTrue = 0.55, nuTrue = 1.3, sigma = 0.002
        var rng = CounterRNG(seed: 4, stream: StreamKey.make("collapse-test"), realization: 0)
        let h = stride(from: 0.3, through: 0.8, by: 0.025).map { $0 }
        let curves = [8.0, 12, 16, 24].map { L in
            ReduceStatistics.Curve(L: L, h: h, y: h.map { 0.46 + 0.07 * tanh(($0 - hcTrue) * pow(L, 1 / nuTrue)) + sigma * rng.normal() },
                                   dy: h.map { _ in sigma })
        }
        let fit = ReduceStatistics.fitCollapse(curves, hRange: 0.3...0.8)
        XCTAssertTrue(fit.converged)
        XCTAssertEqual(fit.hc, hcTrue, accuracy: 0.01)
        XCTAssertEqual(fit.nu, nuTrue, accuracy: 0.1)
        XCTAssertEqual(fit.quality, 1, accuracy: 0.5)
        // A wrong (hc, nu) is much worse.
        XCTAssertGreaterThan(ReduceStatistics.collapseQuality(curves, hc: 0.45, nu: 2.5).S, 10 * fit.quality)
    }

    func testNelderMeadOnQuadratic() {
        let r = ReduceStatistics.nelderMead({ p in (p[0] - 1) * (p[0] - 1) + 3 * (p[1] + 2) * (p[1] + 2) }, start: [0, 0], step: [0.5, 0.5])
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.x[0], 1, accuracy: 1e-4)
        XCTAssertEqual(r.x[1], -2, accuracy: 1e-4)
    }
}

/// Fits used by the classical reducer (S2 extrapolation and power law, S3/S4 exponents).
final class ClassicalFitTests: XCTestCase {
    /// p_L = p_inf + a/L + b/L^2 is extrapolated exactly by the second-order fit in 1/L.
    func testInverseLExtrapolationRecoversTheLimit() {
        let sizes = [100, 200, 400, 800, 1600]
        let values = sizes.map { 0.25 + 3.0 / Double($0) - 40.0 / Double($0 * $0) }
        XCTAssertEqual(ReduceStatistics.extrapolateInverseL(sizes: sizes, values: values, order: 2), 0.25, accuracy: 1e-12)
        // Two sizes: a line in 1/L through both points.
        XCTAssertEqual(ReduceStatistics.extrapolateInverseL(sizes: [100, 200], values: [1.3, 1.2], order: 2), 1.1, accuracy: 1e-12)
        // One size: the value itself.
        XCTAssertEqual(ReduceStatistics.extrapolateInverseL(sizes: [100], values: [0.7]), 0.7)
        let c = ReduceStatistics.polynomialFit(x: [0, 1, 2, 3], y: [1, 3, 9, 19], degree: 2)!
        XCTAssertEqual(c[0], 1, accuracy: 1e-12); XCTAssertEqual(c[1], 0, accuracy: 1e-12); XCTAssertEqual(c[2], 2, accuracy: 1e-12)
        XCTAssertNil(ReduceStatistics.polynomialFit(x: [1, 2], y: [1, 2], degree: 2))
    }

    /// A power law on log-spaced points is recovered inside the window only.
    func testPowerLawFitRecoversTheExponentInsideTheWindow() {
        let x = (0..<40).map { 1e-3 * pow(10, Double($0) / 10) }
        let y = x.map { $0 < 1 ? 0.8 * pow($0, 0.45) : 0.8 * exp(-($0 - 1)) }
        let f = ReduceStatistics.powerLawFit(x: x, y: y, window: 1e-3...0.99)
        XCTAssertEqual(f.exponent, 0.45, accuracy: 1e-12)
        XCTAssertEqual(f.prefactor, 0.8, accuracy: 1e-12)
        XCTAssertEqual(f.points, 30)
        // Counts growing as L^(2 - alpha) with noise-free data.
        let L = [100.0, 200, 400, 800, 1600]
        XCTAssertEqual(ReduceStatistics.powerLawFit(x: L, y: L.map { 0.01 * pow($0, 1.3) }, window: 1...Double.infinity).exponent, 1.3, accuracy: 1e-12)
        XCTAssertTrue(ReduceStatistics.powerLawFit(x: [1, 2], y: [0, 0], window: 0...10).exponent.isNaN)
    }
}

/// The S1 disorder average (issue 10, item 8) and the order of the 1/L
/// extrapolation with spare degrees of freedom (item 7).
final class DisorderAverageAndDOFTests: XCTestCase {
    /// Hand-built: realization A has 1 eigenstate in the window with r = 0.2,
    /// B has 3 with r = 0.6 each, C has none. Pooled over eigenstates:
    /// (0.2 + 1.8) / 4 = 0.5; mean of per-realization means: (0.2 + 0.6) / 2
    /// = 0.4 (C, without a state, is left out).
    func testPerRealizationAndPooledAveragesDiffer() {
        let num = [0.2, 1.8, 0], den = [1.0, 3, 0]
        XCTAssertEqual(ReduceStatistics.disorderAverage(num: num, den: den, mode: .pooled), 0.5, accuracy: 1e-15)
        XCTAssertEqual(ReduceStatistics.disorderAverage(num: num, den: den, mode: .perRealization), 0.4, accuracy: 1e-15)
        // A resample that draws B twice and A once.
        XCTAssertEqual(ReduceStatistics.disorderAverage(num: num, den: den, over: [1, 0, 1], mode: .pooled), 3.8 / 7, accuracy: 1e-15)
        XCTAssertEqual(ReduceStatistics.disorderAverage(num: num, den: den, over: [1, 0, 1], mode: .perRealization), 1.4 / 3, accuracy: 1e-15)
        XCTAssertTrue(ReduceStatistics.disorderAverage(num: num, den: den, over: [2, 2], mode: .perRealization).isNaN)
        // Bootstrap over realizations for both: the replicates are the averages of the resamples.
        let idx = ReduceStatistics.bootstrapIndices(n: 3, samples: 50, key: "avg")
        for mode in DisorderAverage.allCases {
            let s = ReduceStatistics.disorderAverageWithError(num: num, den: den, resamples: idx, mode: mode)
            XCTAssertEqual(s.value, mode == .pooled ? 0.5 : 0.4, accuracy: 1e-15)
            XCTAssertEqual(s.replicates.map(\.bitPattern), idx.map { ReduceStatistics.disorderAverage(num: num, den: den, over: $0, mode: mode).bitPattern })
            XCTAssertEqual(s.error, ReduceStatistics.standardDeviation(s.replicates))
            XCTAssertTrue(s.error > 0)
        }
        // Pooled keeps the numbers of the old ratio of sums exactly.
        let old = ReduceStatistics.ratioWithError(num: num, den: den, resamples: idx)
        let new = ReduceStatistics.disorderAverageWithError(num: num, den: den, resamples: idx, mode: .pooled)
        XCTAssertEqual(old.value.bitPattern, new.value.bitPattern)
        XCTAssertEqual(old.error.bitPattern, new.error.bitPattern)
    }

    /// Three sizes: the second-order fit would pass exactly through the data
    /// (dof 0); the order drops to 1 with dof 1. Four sizes keep order 2.
    func testInverseLOrderKeepsASpareDegreeOfFreedom() {
        XCTAssertTrue(ReduceStatistics.inverseLOrder(sizes: 3, maxOrder: 2) == (1, 1))
        XCTAssertTrue(ReduceStatistics.inverseLOrder(sizes: 4, maxOrder: 2) == (2, 1))
        XCTAssertTrue(ReduceStatistics.inverseLOrder(sizes: 6, maxOrder: 2) == (2, 3))
        XCTAssertTrue(ReduceStatistics.inverseLOrder(sizes: 2, maxOrder: 2) == (1, 0))
        XCTAssertTrue(ReduceStatistics.inverseLOrder(sizes: 1, maxOrder: 2) == (0, 0))
        // The case (L = 200, 500, 1000): values with curvature in 1/L.
        // Order 2 reproduces them exactly (no residual to judge it by); order 1 leaves a residual.
        let sizes = [200, 500, 1000], values = sizes.map { 0.3 + 20 / Double($0) + 4000 / Double($0 * $0) }
        let (order, _) = ReduceStatistics.inverseLOrder(sizes: sizes.count, maxOrder: 2)
        let c = ReduceStatistics.polynomialFit(x: sizes.map { 1 / Double($0) }, y: values, degree: order)!
        let residual = zip(sizes, values).map { L, v in v - (c[0] + c[1] / Double(L)) }
        XCTAssertTrue(residual.contains { abs($0) > 1e-6 }, "a first-order fit of three curved points has a nonzero residual")
        XCTAssertEqual(ReduceStatistics.extrapolateInverseL(sizes: sizes, values: values, order: order), c[0])
    }
}
