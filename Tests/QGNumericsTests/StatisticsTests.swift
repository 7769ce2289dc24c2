import XCTest
import Foundation
import QGNumerics

/// Statistics, crossings and Nelder-Mead against known answers (the data collapse:
/// QGReduceTests.ReduceStatisticsTests, whose noise comes from the counter-based RNG).
final class StatisticsTests: XCTestCase {
    func testStandardDeviationAndRatioOfSums() {
        XCTAssertEqual(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), (32.0 / 7).squareRoot(), accuracy: 1e-15)
        XCTAssertTrue(Statistics.standardDeviation([1, .nan]).isNaN)
        // Σnum/Σden and the spread of the resampled ratios.
        let r = Statistics.ratioWithError(num: [1, 2, 3], den: [1, 1, 2], resamples: [[0, 0, 0], [1, 2, 2]])
        XCTAssertEqual(r.value, 1.5, accuracy: 1e-15)
        XCTAssertEqual(r.error, Statistics.standardDeviation([1, 8.0 / 5]), accuracy: 1e-15)
    }

    func testCrossingOfLines() {
        let x = [0.0, 1, 2, 3]
        let (c, n) = Statistics.crossing(x: x, y1: x.map { 0.2 * $0 }, y2: x.map { 1 - 0.3 * $0 })
        XCTAssertEqual(n, 1)
        XCTAssertEqual(c, 2.0, accuracy: 1e-12)
        XCTAssertEqual(Statistics.crossing(x: x, y1: x, y2: x.map { $0 + 1 }).count, 0)
        XCTAssertTrue(Statistics.crossing(x: x, y1: x, y2: x.map { $0 + 1 }).x.isNaN)
    }

    /// Noise-free curves y = F((h - hc) L^(1/nu)): the collapse finds (hc, nu), and its
    /// quality there is far below that of a wrong pair.
    func testCollapseOfExactCurves() {
        let hcTrue = 0.55, nuTrue = 1.3
        let h = stride(from: 0.3, through: 0.8, by: 0.025).map { $0 }
        let curves = [8.0, 12, 16, 24].map { L in
            Statistics.Curve(L: L, h: h, y: h.map { 0.46 + 0.07 * tanh(($0 - hcTrue) * pow(L, 1 / nuTrue)) }, dy: h.map { _ in 0.002 })
        }
        let fit = Statistics.fitCollapse(curves, hRange: 0.3...0.8)
        XCTAssertEqual(fit.hc, hcTrue, accuracy: 0.01)
        XCTAssertEqual(fit.nu, nuTrue, accuracy: 0.1)
        XCTAssertGreaterThan(Statistics.collapseQuality(curves, hc: 0.45, nu: 2.5).S, 100 * fit.quality)
    }

    func testNelderMeadOnQuadratic() {
        let r = Statistics.nelderMead({ p in (p[0] - 1) * (p[0] - 1) + 3 * (p[1] + 2) * (p[1] + 2) }, start: [0, 0], step: [0.5, 0.5])
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.x[0], 1, accuracy: 1e-4)
        XCTAssertEqual(r.x[1], -2, accuracy: 1e-4)
    }
}
