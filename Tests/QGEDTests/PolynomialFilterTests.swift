import XCTest
import QGPhysics
import QGLinearAlgebra
import QGED

/// Issue 24: the polynomial-filter (POLFED-class) solver against the dense solver.
final class PolynomialFilterTests: XCTestCase {
    // One OpenBLAS thread, as the campaign's default (threaded small GEMMs spin on a loaded machine).
    override func setUp() { BLASThreads.set(1) }

    /// The couplings of `SectorOperatorTests.model` (QGPhysicsTests), so both
    /// test the same Hamiltonians.
    static func model(L: Int, boundary: Boundary, seed: Int) -> LongRangeSpinGlass {
        var rng = CounterRNG(seed: UInt64(seed), stream: 24, realization: L)
        return LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.83, boundary: boundary, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
    }

    func denseSpectrum(_ m: LongRangeSpinGlass, parity: Int) throws -> (values: [Double], vectors: [Double]) {
        let n = m.sectorDimension
        var h = DenseMatrix(rows: n, cols: n, storage: m.sectorMatrix(parity: parity))
        let w = try SymmetricEigensolver.solve(&h)
        return (w, h.storage)
    }

    func testNearestPairsEqualTheDenseSolver() throws {
        try checkNearestPairs(strategy: .krylov)
    }

    /// The DACP basis (window filter and Chebyshev evolution) gives the same pairs.
    func testDACPNearestPairsEqualTheDenseSolver() throws {
        try checkNearestPairs(strategy: .dacp)
    }

    func checkNearestPairs(strategy: PolynomialFilterStrategy) throws {
        for L in [10, 12] {
            let m = Self.model(L: L, boundary: .periodic, seed: 5)
            let n = m.sectorDimension
            for parity in [1, -1] {
                let (w, _) = try denseSpectrum(m, parity: parity)
                let op = SerialLRSGOperator(LRSGSectorOperator(model: m, parity: parity), threads: 2)
                let ext = try PolynomialFilterED.extremes(op, context: "test L=\(L)")
                XCTAssertEqual(ext.min, w.first!, accuracy: 1e-10)
                XCTAssertEqual(ext.max, w.last!, accuracy: 1e-10)
                let target = ext.min + 0.5 * (ext.max - ext.min)
                let moments = m.sectorMoments(parity: parity)
                let rho = Double(n) / (2 * Double.pi * moments.variance).squareRoot() * exp(-target * target / (2 * moments.variance))
                let k = 20
                var settings = PolynomialFilterSettings(count: k)
                settings.strategy = strategy
                let got = try PolynomialFilterED.solve(op, target: target, spectrum: ext, density: rho, settings: settings, context: "test L=\(L)")
                // The dense k nearest the target, ascending.
                var lo = 0, hi = w.count
                while hi - lo > k { if abs(w[lo] - target) > abs(w[hi - 1] - target) { lo += 1 } else { hi -= 1 } }
                let want = Array(w[lo..<hi])
                XCTAssertEqual(got.values.count, k)
                for i in 0..<k { XCTAssertEqual(got.values[i], want[i], accuracy: 1e-9, "L=\(L) parity \(parity) pair \(i)") }
                XCTAssertLessThanOrEqual(got.residualMax, 1e-8 * max(abs(ext.min), abs(ext.max)))
                // Each returned vector: H v = E v (matrix-free reference) and orthonormal.
                let h = LRSGParitySector(model: m, parity: parity)
                var worstOrth = 0.0
                for i in 0..<k {
                    let v = Array(got.localVectors[(i * n)..<((i + 1) * n)])
                    let hv = h.apply(v)
                    var r = 0.0
                    for j in 0..<n { r += (hv[j] - got.values[i] * v[j]) * (hv[j] - got.values[i] * v[j]) }
                    XCTAssertLessThanOrEqual(r.squareRoot(), 1e-8 * max(abs(ext.min), abs(ext.max)))
                    for i2 in 0...i {
                        var d = 0.0
                        for j in 0..<n { d += v[j] * got.localVectors[i2 * n + j] }
                        worstOrth = max(worstOrth, abs(d - (i == i2 ? 1 : 0)))
                    }
                }
                XCTAssertLessThanOrEqual(worstOrth, 1e-8)
            }
        }
    }

    func testUnconvergedSolveIsAnError() throws {
        let m = Self.model(L: 10, boundary: .open, seed: 9)
        let op = SerialLRSGOperator(LRSGSectorOperator(model: m, parity: 1), threads: 1)
        let ext = try PolynomialFilterED.extremes(op, context: "test")
        var s = PolynomialFilterSettings(count: 20)
        s.maxIterations = 1
        XCTAssertThrowsError(try PolynomialFilterED.solve(op, target: 0.5 * (ext.min + ext.max), spectrum: ext, density: 50, settings: s,
                                                          context: "L=10 sector 1")) { e in
            guard let f = e as? PolynomialFilterError else { return XCTFail("not a PolynomialFilterError: \(e)") }
            XCTAssertTrue(f.description.contains("converged 0 of 20"), f.description)
            XCTAssertTrue(f.description.contains("L=10 sector 1"), f.description)
        }
        // A tiny degree with a few blocks: the filter does not separate the window; still an error, never a short result.
        s.maxIterations = 3
        s.degree = 8
        XCTAssertThrowsError(try PolynomialFilterED.solve(op, target: 0.5 * (ext.min + ext.max), spectrum: ext, density: 50, settings: s,
                                                          context: "L=10 sector 1")) { e in
            XCTAssertTrue(e is PolynomialFilterError, "\(e)")
        }
    }

    func testUnconvergedDACPSolveIsAnError() throws {
        let m = Self.model(L: 10, boundary: .open, seed: 9)
        let op = SerialLRSGOperator(LRSGSectorOperator(model: m, parity: 1), threads: 1)
        let ext = try PolynomialFilterED.extremes(op, context: "test")
        var s = PolynomialFilterSettings(count: 20)
        s.strategy = .dacp
        s.maxIterations = 1
        XCTAssertThrowsError(try PolynomialFilterED.solve(op, target: 0.5 * (ext.min + ext.max), spectrum: ext, density: 50, settings: s,
                                                          context: "L=10 sector 1")) { e in
            guard let f = e as? PolynomialFilterError else { return XCTFail("not a PolynomialFilterError: \(e)") }
            XCTAssertTrue(f.description.contains("of 20 eigenpairs"), f.description)
            XCTAssertTrue(f.description.contains("DACP"), f.description)
            XCTAssertTrue(f.description.contains("L=10 sector 1"), f.description)
        }
        // A weak window filter (degree 2) and a few samples: still an error, never a short result.
        s.maxIterations = 4
        s.degree = 2
        XCTAssertThrowsError(try PolynomialFilterED.solve(op, target: 0.5 * (ext.min + ext.max), spectrum: ext, density: 50, settings: s,
                                                          context: "L=10 sector 1")) { e in
            XCTAssertTrue(e is PolynomialFilterError, "\(e)")
        }
    }
}
