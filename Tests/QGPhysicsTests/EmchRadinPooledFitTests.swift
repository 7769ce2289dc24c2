import XCTest
import QGPhysics
import QGNumerics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Study S9 (docs/emch-radin.md, "Fit"): the fit of curves pooled over samples
/// with jackknife errors over blocks of samples (`EmchRadinAccumulator.pooled`
/// and `fit`), on samples whose curves are exact stretched exponentials.
final class EmchRadinPooledFitTests: XCTestCase {
    let taus = (try? EmchRadin.logGrid(from: 1e-3, to: 1e3, count: 96)) ?? []
    let window = FitWindow(label: "default", lower: EmchRadin.fitWindow.lower, upper: EmchRadin.fitWindow.upper)

    /// One sample of `count` spins: <s_x> = (1/2) exp(-(gamma tau)^beta) and
    /// purity = 1/2 + (1/2) exp(-(2 gamma tau)^beta).
    func sample(gamma: Double, beta: Double, count: Int = 10) -> EmchRadinCurves {
        EmchRadinCurves(count: count, taus: taus, magnetization: taus.map { 0.5 * exp(-pow(gamma * $0, beta)) },
                        purity: taus.map { 0.5 + 0.5 * exp(-pow(2 * gamma * $0, beta)) })
    }

    /// Identical samples: the pooled curve is the exact one, so the fit returns
    /// (A, gamma, beta) = (1/2, gamma, beta) and every jackknife replica the same,
    /// hence jackknife errors 0 (they replace the covariance errors).
    func testIdenticalSamplesGiveTheExactFitAndZeroJackknifeErrors() {
        let (acc, blocks) = EmchRadinAccumulator.pooled(Array(repeating: sample(gamma: 1, beta: 0.5), count: 3), taus: taus, blocks: 20)
        XCTAssertEqual(acc.samples, 3)
        XCTAssertEqual(blocks.count, 3)
        XCTAssertEqual(blocks.map(\.samples), [2, 2, 2])
        for (o, gamma) in [(EmchRadinCurves.Observable.magnetization, 1.0), (.purity, 2.0)] {
            let f = acc.fit(o, window: window, jackknife: blocks)
            XCTAssertEqual(f.beta, 0.5, accuracy: 1e-8)
            XCTAssertEqual(f.gamma, gamma, accuracy: 1e-8)
            XCTAssertEqual(f.A, 0.5, accuracy: 1e-9)
            XCTAssertEqual(f.betaErr, 0, accuracy: 1e-8)
            XCTAssertEqual(f.gammaErr, 0, accuracy: 1e-8)
            XCTAssertEqual(f.replicaGammas.count, 3)
            for g in f.replicaGammas { XCTAssertEqual(g, gamma, accuracy: 1e-8) }
        }
    }

    /// Two samples (gamma 1 and 1.5, beta 0.5): two blocks of one sample, so
    /// replica b is the other sample's exact curve, with gamma 1.5 then 1; the
    /// jackknife error of two values g1, g2 is |g1 - g2| / 2 = 0.25, and beta's is 0.
    /// The pooled curve's gamma lies between the two.
    func testTwoSamplesGiveTheJackknifeErrorOfTheirGammas() {
        let (acc, blocks) = EmchRadinAccumulator.pooled([sample(gamma: 1, beta: 0.5), sample(gamma: 1.5, beta: 0.5)], taus: taus, blocks: 20)
        XCTAssertEqual(blocks.count, 2)
        let f = acc.fit(.magnetization, window: window, jackknife: blocks)
        XCTAssertEqual(f.replicaGammas.count, 2)
        XCTAssertEqual(f.replicaGammas[0], 1.5, accuracy: 1e-7)
        XCTAssertEqual(f.replicaGammas[1], 1, accuracy: 1e-7)
        XCTAssertEqual(f.gammaErr, 0.25, accuracy: 1e-7)
        XCTAssertEqual(f.betaErr, 0, accuracy: 1e-7)
        XCTAssertGreaterThan(f.gamma, 1)
        XCTAssertLessThan(f.gamma, 1.5)
        XCTAssertTrue(f.betaFitErr.isFinite && f.betaFitErr > 0)
    }

    /// No sample (e.g. no interior spin anywhere): the fit is `.failed`, all NaN;
    /// a single sample has no jackknife replica and keeps the covariance errors.
    func testNoSampleFailsAndOneSampleKeepsTheCovarianceErrors() {
        let (none, _) = EmchRadinAccumulator.pooled([sample(gamma: 1, beta: 0.5, count: 0)], taus: taus, blocks: 20)
        let failed = none.fit(.magnetization, window: window, jackknife: [])
        XCTAssertTrue(failed.beta.isNaN && failed.gamma.isNaN && failed.betaErr.isNaN && failed.replicaGammas.isEmpty)
        let (one, blocks) = EmchRadinAccumulator.pooled([sample(gamma: 1, beta: 0.5)], taus: taus, blocks: 20)
        XCTAssertTrue(blocks.isEmpty)
        let f = one.fit(.magnetization, window: window, jackknife: blocks)
        XCTAssertEqual(f.beta, 0.5, accuracy: 1e-8)
        XCTAssertEqual(f.betaErr, f.betaFitErr)
        XCTAssertTrue(f.replicaGammas.isEmpty)
    }
}
