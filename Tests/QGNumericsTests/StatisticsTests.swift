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

    /// Mean and standard error, per-component spreads, the jackknife error and
    /// histogram densities against hand-computed values.
    func testSampleErrorsJackknifeAndDensities() {
        let m = Statistics.meanAndError([1, 2, 3, 6])
        XCTAssertEqual(m.mean, 3, accuracy: 1e-15)
        XCTAssertEqual(m.error, (14.0 / 3).squareRoot() / 2, accuracy: 1e-15)
        XCTAssertTrue(Statistics.meanAndError([5]).error.isNaN)
        XCTAssertTrue(Statistics.meanAndError([]).mean.isNaN)
        XCTAssertEqual(Statistics.mean([0.5, 1.5, 4]), 2)
        XCTAssertTrue(Statistics.mean([]).isNaN)
        XCTAssertEqual(Statistics.standardDeviations([[1, 10], [3, 10], [5, 16]], count: 2), [2, (12.0).squareRoot()])
        // Delete-one means of [1, 2, 3, 6]: jackknife error of the mean = the standard error.
        let x = [1.0, 2, 3, 6]
        let loo = x.indices.map { i in (x.reduce(0, +) - x[i]) / 3 }
        XCTAssertEqual(Statistics.jackknifeError(loo)!, m.error, accuracy: 1e-14)
        XCTAssertNil(Statistics.jackknifeError([1, .nan, 2]))
        XCTAssertNil(Statistics.jackknifeError([1]))
        // Five elements in two blocks {0, 1, 2} {3, 4} (i 2 / 5); one element gives none.
        XCTAssertEqual(Statistics.jackknifeBlocks(n: 5, blocks: 2), [[3, 4], [0, 1, 2]])
        XCTAssertEqual(Statistics.jackknifeBlocks(n: 3, blocks: 20), [[1, 2], [0, 2], [0, 1]])
        XCTAssertEqual(Statistics.jackknifeBlocks(n: 1, blocks: 20), [])
        // 1 ± 3 and 3 ± 4 (a NaN estimate left out): mean 2 ± 5/2, scatter sd(1, 3).
        let c = Statistics.meanOfEstimates([(1, 3), (.nan, 1), (3, 4)])
        XCTAssertEqual(c.value, 2); XCTAssertEqual(c.error, 2.5); XCTAssertEqual(c.scatter, 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(Statistics.meanOfEstimates([(1, 3)]).scatter, 0)
        XCTAssertTrue(Statistics.meanOfEstimates([(.nan, 3)]).value.isNaN)
        XCTAssertEqual(Statistics.columnSums([[1, 2, 3], [4, 5, 6]], count: 3), [5, 7, 9])
        XCTAssertEqual(Statistics.columnSums([], count: 2), [0, 0])
        // Counts 1, 3 on bins of width 0.5 and 1: density 1/(4 0.5), 3/(4 1); it integrates to 1.
        XCTAssertEqual(Statistics.histogramDensity([1, 3], edges: [0, 0.5, 1.5]), [0.5, 0.75])
        XCTAssertEqual(Statistics.histogramDensity([1, 3], edges: [0, 0.5, 1.5], total: 8), [0.25, 0.375])
        XCTAssertTrue(Statistics.histogramDensity([0, 0], edges: [0, 1, 2]).allSatisfy(\.isNaN))
    }

    /// Two lines crossing at x = 2; replicate pairs shifted so that they cross at
    /// 1.5 and 2.5 give the bootstrap error sd(1.5, 2.5).
    func testCrossingWithBootstrapError() {
        let x = [0.0, 1, 2, 3, 4], y1 = x.map { $0 }, y2 = x.map { 4 - $0 }
        let e = [Double](repeating: 0.1, count: 5)
        let c = Statistics.crossingWithError(x: x, y1: y1, error1: e, y2: y2, error2: e, transitionFraction: 0, replicates: 2) { k in
            (y1, x.map { (k == 0 ? 3 : 5) - $0 })
        }
        XCTAssertEqual(c.x, 2, accuracy: 1e-12)
        XCTAssertEqual(c.count, 1)
        XCTAssertEqual(c.replicates[0], 1.5, accuracy: 1e-12)
        XCTAssertEqual(c.replicates[1], 2.5, accuracy: 1e-12)
        XCTAssertEqual(c.error, Statistics.standardDeviation([1.5, 2.5]), accuracy: 1e-12)
    }

    func testCrossingOfLines() {
        let x = [0.0, 1, 2, 3]
        let (c, n) = Statistics.crossing(x: x, y1: x.map { 0.2 * $0 }, y2: x.map { 1 - 0.3 * $0 })
        XCTAssertEqual(n, 1)
        XCTAssertEqual(c, 2.0, accuracy: 1e-12)
        XCTAssertEqual(Statistics.crossing(x: x, y1: x, y2: x.map { $0 + 1 }).count, 0)
        XCTAssertTrue(Statistics.crossing(x: x, y1: x, y2: x.map { $0 + 1 }).x.isNaN)
    }

    /// The first crossing of a level: interpolated in the first bracketing
    /// interval (not the most significant one), a point exactly at the level
    /// counts, a flat interval at the level does not; NaN without a crossing
    /// and below two points.
    func testFirstCrossingOfALevel() {
        let x = [1.0, 2, 3, 4, 5]
        XCTAssertEqual(Statistics.firstCrossing(x: x, y: [0, 0.25, 0.75, 1, 0.2], level: 0.5), 2.5, accuracy: 1e-15)
        XCTAssertEqual(Statistics.firstCrossing(x: x, y: [1, 0.8, 0.5, 0.4, 0], level: 0.5), 3, accuracy: 1e-15)
        XCTAssertEqual(Statistics.firstCrossing(x: x, y: [0.5, 0.5, 0.5, 1, 1], level: 0.5), 3, accuracy: 1e-15)
        XCTAssertTrue(Statistics.firstCrossing(x: x, y: [0, 0.1, 0.2, 0.3, .nan], level: 0.5).isNaN)
        XCTAssertTrue(Statistics.firstCrossing(x: [1], y: [0.5], level: 0.5).isNaN)
        XCTAssertTrue(Statistics.firstCrossing(x: [], y: [], level: 0.5).isNaN)
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

    /// A grid scan refined by golden sections finds the minimum between grid
    /// points, and at the grid's end when the minimum lies there.
    func testMinimizeOnGrid() {
        let grid = stride(from: -5.0, through: 5, by: 0.5).map { $0 }
        XCTAssertEqual(Statistics.minimizeOnGrid({ ($0 - 1.234) * ($0 - 1.234) + 2 }, grid: grid), 1.234, accuracy: 1e-6)
        XCTAssertEqual(Statistics.minimizeOnGrid({ cosh($0 + 0.3) }, grid: grid), -0.3, accuracy: 1e-6)
        XCTAssertEqual(Statistics.minimizeOnGrid({ $0 }, grid: grid), -5, accuracy: 1e-6)
    }

    func testNelderMeadOnQuadratic() {
        let r = Statistics.nelderMead({ p in (p[0] - 1) * (p[0] - 1) + 3 * (p[1] + 2) * (p[1] + 2) }, start: [0, 0], step: [0.5, 0.5])
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.x[0], 1, accuracy: 1e-4)
        XCTAssertEqual(r.x[1], -2, accuracy: 1e-4)
    }
}

/// The S1 disorder average (issue 10, item 8); the order of the 1/L
/// extrapolation (item 7) is tested in FitTests.
final class DisorderAverageTests: XCTestCase {
    /// Hand-built: realization A has 1 eigenstate in the window with r = 0.2,
    /// B has 3 with r = 0.6 each, C has none. Pooled over eigenstates:
    /// (0.2 + 1.8) / 4 = 0.5; mean of per-realization means: (0.2 + 0.6) / 2
    /// = 0.4 (C, without a state, is left out).
    func testPerRealizationAndPooledAveragesDiffer() {
        let num = [0.2, 1.8, 0], den = [1.0, 3, 0]
        XCTAssertEqual(Statistics.disorderAverage(num: num, den: den, mode: .pooled), 0.5, accuracy: 1e-15)
        XCTAssertEqual(Statistics.disorderAverage(num: num, den: den, mode: .perRealization), 0.4, accuracy: 1e-15)
        // A resample that draws B twice and A once.
        XCTAssertEqual(Statistics.disorderAverage(num: num, den: den, over: [1, 0, 1], mode: .pooled), 3.8 / 7, accuracy: 1e-15)
        XCTAssertEqual(Statistics.disorderAverage(num: num, den: den, over: [1, 0, 1], mode: .perRealization), 1.4 / 3, accuracy: 1e-15)
        XCTAssertTrue(Statistics.disorderAverage(num: num, den: den, over: [2, 2], mode: .perRealization).isNaN)
        XCTAssertTrue(Statistics.disorderAverage(num: num, den: den, over: [2, 2], mode: .pooled).isNaN)
        // Resampled realizations for both: the replicates are the averages of the resamples.
        let idx = [[1, 0, 1], [2, 2, 0], [0, 1, 2], [1, 1, 1]]
        let expected: [DisorderAverage: [Double]] = [.pooled: [3.8 / 7, 0.2, 0.5, 0.6], .perRealization: [1.4 / 3, 0.2, 0.4, 0.6]]
        for mode in DisorderAverage.allCases {
            let s = Statistics.disorderAverageWithError(num: num, den: den, resamples: idx, mode: mode)
            XCTAssertEqual(s.value, mode == .pooled ? 0.5 : 0.4, accuracy: 1e-15)
            for (r, e) in zip(s.replicates, expected[mode]!) { XCTAssertEqual(r, e, accuracy: 1e-15) }
            XCTAssertEqual(s.error, Statistics.standardDeviation(s.replicates))
        }
        // Pooled keeps the numbers of the ratio of sums exactly.
        let old = Statistics.ratioWithError(num: num, den: den, resamples: idx)
        let new = Statistics.disorderAverageWithError(num: num, den: den, resamples: idx, mode: .pooled)
        XCTAssertEqual(old.value.bitPattern, new.value.bitPattern)
        XCTAssertEqual(old.error.bitPattern, new.error.bitPattern)
    }
}
