import XCTest
import QGNumerics

/// Least-squares fits: exact recovery of polynomials, lines and power laws.
final class FitTests: XCTestCase {
    func testLinearFit() {
        let x = [1.0, 2, 3, 4], y = x.map { 0.5 + 2 * $0 }
        let f = Statistics.linearFit(x: x, y: y, sigma: [0.1, 0.1, 0.1, 0.1])
        XCTAssertEqual(f.intercept, 0.5, accuracy: 1e-12)
        XCTAssertEqual(f.slope, 2, accuracy: 1e-12)
        // Weighted errors: var(slope) = sigma^2 / Σ(x - x̄)^2 = 0.01 / 5.
        XCTAssertEqual(f.slopeError, (0.01 / 5).squareRoot(), accuracy: 1e-12)
    }

    /// Unweighted: exact data give zero standard errors; noisy data the textbook ones.
    func testUnweightedLinearFitErrors() {
        let x = [0.0, 1, 2, 3], y = [0.1, 0.9, 2.1, 2.9]   // residuals +-0.1 about 0.1 + 0.96 x
        let f = Statistics.linearFit(x: x, y: y)
        XCTAssertEqual(f.slope, 0.96, accuracy: 1e-12)
        XCTAssertEqual(f.intercept, 0.06, accuracy: 1e-12)
        let rss = zip(x, y).reduce(0.0) { $0 + pow($1.1 - 0.06 - 0.96 * $1.0, 2) }
        XCTAssertEqual(f.slopeError, (rss / 2 / 5).squareRoot(), accuracy: 1e-12)   // sigma^2 / Σ(x - x̄)^2
        XCTAssertEqual(Statistics.linearFit(x: x, y: x.map { 2 * $0 }).slopeError, 0, accuracy: 1e-12)
        XCTAssertTrue(Statistics.linearFit(x: [1, 1], y: [0, 1]).slope.isNaN)
    }

    /// lineFit: χ² is the weighted sum of squared residuals; a σ that is zero
    /// or NaN makes the fit unweighted (χ² the plain residual sum); below two
    /// points it is NaN with dof n - 2.
    func testLineFitChiSquaredAndWeighting() {
        let x = [0.0, 1, 2, 3], y = [0.1, 0.9, 2.1, 2.9]   // residuals ±0.1 about 0.06 + 0.96 x
        let w = Statistics.lineFit(x: x, y: y, sigma: [0.1, 0.1, 0.1, 0.1])
        XCTAssertTrue(w.weighted)
        XCTAssertEqual(w.slope, 0.96, accuracy: 1e-12)
        XCTAssertEqual(w.dof, 2)
        let rss = zip(x, y).reduce(0.0) { $0 + pow($1.1 - 0.06 - 0.96 * $1.0, 2) }
        XCTAssertEqual(w.chi2, rss / 0.01, accuracy: 1e-10)
        let u = Statistics.lineFit(x: x, y: y, sigma: [0.1, 0, 0.1, 0.1])
        XCTAssertFalse(u.weighted)
        XCTAssertEqual(u.chi2, rss, accuracy: 1e-12)
        XCTAssertEqual(u.slopeError, Statistics.linearFit(x: x, y: y).slopeError)
        let one = Statistics.lineFit(x: [1], y: [2])
        XCTAssertTrue(one.slope.isNaN && one.chi2.isNaN)
        XCTAssertEqual(one.dof, -1)
    }

    /// An exact cubic is recovered from more points than coefficients; a singular
    /// system, too few points and a degree above 3 give nil.
    func testPolynomialFitRecoversAnExactPolynomial() throws {
        let x = [-1.5, -0.5, 0, 0.7, 1.2, 2.0, 3.1], coefficients = [0.3, -1.2, 0.5, 0.25]
        let y = x.map { t in coefficients.enumerated().reduce(0.0) { $0 + $1.element * pow(t, Double($1.offset)) } }
        let c = try XCTUnwrap(Statistics.polynomialFit(x: x, y: y, degree: 3))
        for (got, want) in zip(c, coefficients) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        let line = try XCTUnwrap(Statistics.polynomialFit(x: x, y: x.map { 2 - 3 * $0 }, degree: 1))
        XCTAssertEqual(line[0], 2, accuracy: 1e-13); XCTAssertEqual(line[1], -3, accuracy: 1e-13)
        XCTAssertNil(Statistics.polynomialFit(x: [1, 1, 1], y: [1, 2, 3], degree: 1))
        XCTAssertNil(Statistics.polynomialFit(x: [1, 2], y: [1, 2], degree: 2))
        XCTAssertNil(Statistics.polynomialFit(x: x, y: y, degree: 4))
    }

    /// p_L = p_inf + a/L + b/L^2 is extrapolated exactly by the second-order fit in 1/L.
    func testInverseLExtrapolationRecoversTheLimit() {
        let sizes = [100, 200, 400, 800, 1600]
        let values = sizes.map { 0.25 + 3.0 / Double($0) - 40.0 / Double($0 * $0) }
        XCTAssertEqual(Statistics.extrapolateInverseL(sizes: sizes, values: values, order: 2), 0.25, accuracy: 1e-12)
        // Two sizes: a line in 1/L through both points.
        XCTAssertEqual(Statistics.extrapolateInverseL(sizes: [100, 200], values: [1.3, 1.2], order: 2), 1.1, accuracy: 1e-12)
        // One size: the value itself.
        XCTAssertEqual(Statistics.extrapolateInverseL(sizes: [100], values: [0.7]), 0.7)
        let c = Statistics.polynomialFit(x: [0, 1, 2, 3], y: [1, 3, 9, 19], degree: 2)!
        XCTAssertEqual(c[0], 1, accuracy: 1e-12); XCTAssertEqual(c[1], 0, accuracy: 1e-12); XCTAssertEqual(c[2], 2, accuracy: 1e-12)
        XCTAssertNil(Statistics.polynomialFit(x: [1, 2], y: [1, 2], degree: 2))
    }

    /// A power law on log-spaced points is recovered inside the window only.
    func testPowerLawFitRecoversTheExponentInsideTheWindow() {
        let x = (0..<40).map { 1e-3 * pow(10, Double($0) / 10) }
        let y = x.map { $0 < 1 ? 0.8 * pow($0, 0.45) : 0.8 * exp(-($0 - 1)) }
        let f = Statistics.powerLawFit(x: x, y: y, window: 1e-3...0.99)
        XCTAssertEqual(f.exponent, 0.45, accuracy: 1e-12)
        XCTAssertEqual(f.prefactor, 0.8, accuracy: 1e-12)
        XCTAssertEqual(f.points, 30)
        // Counts growing as L^(2 - alpha) with noise-free data.
        let L = [100.0, 200, 400, 800, 1600]
        XCTAssertEqual(Statistics.powerLawFit(x: L, y: L.map { 0.01 * pow($0, 1.3) }, window: 1...Double.infinity).exponent, 1.3, accuracy: 1e-12)
        XCTAssertTrue(Statistics.powerLawFit(x: [1, 2], y: [0, 0], window: 0...10).exponent.isNaN)
    }

    /// A power law as a line in log-log: exact data give the exponent and
    /// ln A with chi2 0; relative errors sigma / y weight it (one outlier with a
    /// large error barely moves the exponent); a zero error leaves it unweighted.
    func testPowerLawLineFit() {
        let x = [2.0, 4, 8, 16], y = x.map { 3 * pow($0, -0.7) }
        let f = Statistics.powerLawLineFit(x: x, y: y, sigma: y.map { 0.1 * $0 })
        XCTAssertEqual(f.slope, -0.7, accuracy: 1e-12)
        XCTAssertEqual(f.intercept, log(3.0), accuracy: 1e-12)
        XCTAssertEqual(f.chi2, 0, accuracy: 1e-20)
        XCTAssertTrue(f.weighted)
        // Every relative error 0.1: the slope error of a weighted line with sigma(ln y) = 0.1.
        XCTAssertEqual(f.slopeError, Statistics.linearFit(x: x.map { log($0) }, y: y.map { log($0) }, sigma: [0.1, 0.1, 0.1, 0.1]).slopeError, accuracy: 1e-15)
        var z = y; z[3] *= 2
        let w = Statistics.powerLawLineFit(x: x, y: z, sigma: [0.01, 0.01, 0.01, 100].enumerated().map { $1 * z[$0] })
        XCTAssertEqual(w.slope, -0.7, accuracy: 1e-4)
        XCTAssertFalse(Statistics.powerLawLineFit(x: x, y: y, sigma: [0, 1, 1, 1]).weighted)
        XCTAssertFalse(Statistics.powerLawLineFit(x: x, y: y).weighted)
    }

    /// Three sizes: the second-order fit would pass exactly through the data
    /// (dof 0); the order drops to 1 with dof 1. Four sizes keep order 2.
    func testInverseLOrderKeepsASpareDegreeOfFreedom() {
        XCTAssertTrue(Statistics.inverseLOrder(sizes: 3, maxOrder: 2) == (1, 1))
        XCTAssertTrue(Statistics.inverseLOrder(sizes: 4, maxOrder: 2) == (2, 1))
        XCTAssertTrue(Statistics.inverseLOrder(sizes: 6, maxOrder: 2) == (2, 3))
        XCTAssertTrue(Statistics.inverseLOrder(sizes: 2, maxOrder: 2) == (1, 0))
        XCTAssertTrue(Statistics.inverseLOrder(sizes: 1, maxOrder: 2) == (0, 0))
        // The case (L = 200, 500, 1000): values with curvature in 1/L.
        // Order 2 reproduces them exactly (no residual to judge it by); order 1 leaves a residual.
        let sizes = [200, 500, 1000], values = sizes.map { 0.3 + 20 / Double($0) + 4000 / Double($0 * $0) }
        let (order, _) = Statistics.inverseLOrder(sizes: sizes.count, maxOrder: 2)
        let c = Statistics.polynomialFit(x: sizes.map { 1 / Double($0) }, y: values, degree: order)!
        let residual = zip(sizes, values).map { L, v in v - (c[0] + c[1] / Double(L)) }
        XCTAssertTrue(residual.contains { abs($0) > 1e-6 }, "a first-order fit of three curved points has a nonzero residual")
        XCTAssertEqual(Statistics.extrapolateInverseL(sizes: sizes, values: values, order: order), c[0])
    }
}
