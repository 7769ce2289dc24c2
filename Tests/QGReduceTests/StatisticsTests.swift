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

    /// (Kept here for its noise from the counter-based RNG; the collapse itself is QGNumerics'.)
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
}
