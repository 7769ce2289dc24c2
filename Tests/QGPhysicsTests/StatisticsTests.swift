import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport

/// Level-statistics limits and the counter-based RNG.
final class StatisticsTests: XCTestCase {
    /// Poisson: sorted iid uniform levels give <r> = 2 ln 2 - 1 = 0.3863.
    /// 200 000 ratios; std of r is 0.29, so the standard error is 6.5e-4.
    func testPoissonGapRatio() {
        var rng = CounterRNG(seed: 1, stream: StreamKey.make("poisson"), realization: 0)
        var sum = 0.0, count = 0
        for _ in 0..<100 {
            let e = (0..<2000).map { _ in rng.uniform() }.sorted()
            for r in EigenstateObservables.gapRatios(e) where r.isFinite { sum += r; count += 1 }
        }
        XCTAssertEqual(sum / Double(count), EigenstateObservables.poissonR, accuracy: 0.004)
    }

    /// GOE: real symmetric Gaussian matrices give <r> = 0.5307 in the bulk.
    func testGOEGapRatio() throws {
        var rng = CounterRNG(seed: 2, stream: StreamKey.make("goe"), realization: 0)
        let n = 400
        var sum = 0.0, count = 0
        for _ in 0..<20 {
            var a = DenseMatrix(rows: n, cols: n)
            for j in 0..<n { for i in j..<n { let x = rng.normal() * (i == j ? 2.0.squareRoot() : 1); a[i, j] = x; a[j, i] = x } }
            let e = try SymmetricEigensolver.eigenvalues(&a)
            let r = EigenstateObservables.gapRatios(e)
            for k in (n / 4)..<(3 * n / 4) { sum += r[k]; count += 1 }
        }
        XCTAssertEqual(sum / Double(count), EigenstateObservables.goeR, accuracy: 0.01)
    }

    func testGapRatioDefinition() {
        let r = EigenstateObservables.gapRatios([0, 1, 3, 3.5])
        XCTAssertTrue(r[0].isNaN && r[3].isNaN)
        XCTAssertEqual(r[1], 0.5)
        XCTAssertEqual(r[2], 0.25)
    }

    /// eps of an ascending spectrum by its own ends: (E - E_0)/(E_last - E_0); 0 when degenerate or single.
    func testEnergyDensityOfAnAscendingSpectrum() {
        XCTAssertEqual(EigenstateObservables.energyDensity(ascending: [-2, -1, 0, 2]), [0, 0.25, 0.5, 1])
        XCTAssertEqual(EigenstateObservables.energyDensity(ascending: [3, 3]), [0, 0])
        XCTAssertEqual(EigenstateObservables.energyDensity(ascending: []), [])
    }

    /// Philox4x32-10 known-answer vectors (Salmon et al. 2011, Random123 kat_vectors).
    func testPhiloxKnownAnswers() {
        let zero = CounterRNG.philox(counter: (0, 0, 0, 0), key: (0, 0))
        XCTAssertEqual([zero.0, zero.1, zero.2, zero.3], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = CounterRNG.philox(counter: (.max, .max, .max, .max), key: (.max, .max))
        XCTAssertEqual([ones.0, ones.1, ones.2, ones.3], [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = CounterRNG.philox(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
        XCTAssertEqual([pi.0, pi.1, pi.2, pi.3], [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    /// Streams are pure functions of (seed, stream, realization).
    func testStreamsAreReproducibleAndDistinct() {
        var a = CounterRNG(seed: 7, stream: StreamKey.make("x"), realization: 3)
        var b = CounterRNG(seed: 7, stream: StreamKey.make("x"), realization: 3)
        var c = CounterRNG(seed: 7, stream: StreamKey.make("x"), realization: 4)
        let va = (0..<10).map { _ in a.normal() }, vb = (0..<10).map { _ in b.normal() }, vc = (0..<10).map { _ in c.normal() }
        XCTAssertEqual(va, vb)
        XCTAssertNotEqual(va, vc)
    }

    /// Normal deviates: mean 0, variance 1, fourth moment 3 within statistical bounds.
    func testNormalMoments() {
        var rng = CounterRNG(seed: 42, stream: StreamKey.make("normal"), realization: 0)
        let n = 200_000
        var m1 = 0.0, m2 = 0.0, m4 = 0.0
        for _ in 0..<n { let x = rng.normal(); m1 += x; m2 += x * x; m4 += x * x * x * x }
        m1 /= Double(n); m2 /= Double(n); m4 /= Double(n)
        XCTAssertEqual(m1, 0, accuracy: 5 / Double(n).squareRoot())
        XCTAssertEqual(m2, 1, accuracy: 5 * 2.0.squareRoot() / Double(n).squareRoot())
        XCTAssertEqual(m4, 3, accuracy: 5 * 96.0.squareRoot() / Double(n).squareRoot())
    }

    func testEpsHistogram() {
        var h = EpsHistogram(bins: 4)
        h.add(eps: 0, r: .nan, m: 1)
        h.add(eps: 1, r: .nan, m: 0.5)
        h.add(eps: 0.3, r: 0.5, m: 0.25)
        XCTAssertEqual(h.count, [1, 1, 0, 1])
        XCTAssertEqual(h.countR, [0, 1, 0, 0])
        XCTAssertEqual(h.sumR, [0, 0.5, 0, 0])
        XCTAssertEqual(h.sumM2, [1, 0.0625, 0, 0.25])
        // S1's per-task datasets: their names in storage order, each with its field.
        XCTAssertEqual(h.columns.map(\.name), ["hist_count", "hist_count_r", "hist_sum_r", "hist_sum_r2", "hist_sum_m_ea",
                                                "hist_sum_m_ea2", "hist_count_log_r", "hist_sum_log_r", "hist_sum_log_m_ea"])
        XCTAssertEqual(h.columns.map(\.values), [h.count, h.countR, h.sumR, h.sumR2, h.sumM, h.sumM2, h.countLogR, h.sumLogR, h.sumLogM])
        XCTAssertEqual(EpsHistogram.sums(of: [1, 2, 4, 8], eps: [0, 1, 0.3, 0.99], bins: 4), [1, 4, 0, 10])
    }
}
