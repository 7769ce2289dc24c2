import XCTest
import QGPhysics
import QGLinearAlgebra
@testable import QGED

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

    /// Narrow windows with weak suppression (N_w = 2k, 1e-10) grow large
    /// bases; on this model's parity -1 sector they once returned a set
    /// missing the nearest eigenvalue just outside the chosen ones' span,
    /// because the check for partly converged Ritz values looked only inside
    /// that span (now: anything nearer the target than the farthest chosen).
    func testDACPWeakWindowReturnsTheNearestSet() throws {
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("lrsg|L=10"), realization: 0)
        let m = LongRangeSpinGlass(L: 10, alpha: 0.7, hx: 1.0, boundary: .periodic, J: LongRangeSpinGlass.drawCouplings(L: 10, rng: &rng))
        let ops = [1, -1].map { SerialLRSGOperator(LRSGSectorOperator(model: m, parity: $0), threads: 1) }
        let ends = try ops.map { try PolynomialFilterED.extremes($0, context: "test") }
        let target = 0.5 * (ends.map(\.min).min()! + ends.map(\.max).max()!)
        let (w, _) = try denseSpectrum(m, parity: -1)
        var lo = 0, hi = w.count
        while hi - lo > 20 { if abs(w[lo] - target) > abs(w[hi - 1] - target) { lo += 1 } else { hi -= 1 } }
        let want = Array(w[lo..<hi])
        for verify in [0, 2] {
            var s = PolynomialFilterSettings(count: 20)
            // The settings of the wrong set (window 2k, 8 start vectors, step 0.8, checks from 1.2 N_w, suppression 1e-10).
            s.windowFactor = 2
            s.startVectors = 8
            s.stepFactor = 0.8
            s.basisFactor = 1.2
            s.suppression = 1e-10
            s.verifyVectors = verify
            let got = try PolynomialFilterED.solve(ops[1], target: target, spectrum: ends[1], density: m.gaussianSectorDensity(parity: -1, at: target),
                                                   settings: s, context: "test")
            XCTAssertEqual(got.values.count, 20)
            for i in 0..<20 { XCTAssertEqual(got.values[i], want[i], accuracy: 1e-9, "verify \(verify) pair \(i)") }
        }
    }

    /// DACP's window filter T_K(alpha u^2 - beta) (two fused products per
    /// degree, issue 24) equals the polynomial taken through the dense
    /// spectrum: cos(K arccos z) on [-1, 1] and (-1)^K cosh(K arccosh(-z))
    /// below it, the window. Blocks of 3 (lane loops) and 8 (SIMD kernel).
    func testWindowFilterIsThePolynomialOfTheSpectrum() throws {
        let m = Self.model(L: 8, boundary: .periodic, seed: 11)
        let n = m.sectorDimension
        let (w, v) = try denseSpectrum(m, parity: 1)
        let op = SerialLRSGOperator(LRSGSectorOperator(model: m, parity: 1), threads: 2)
        let center = 0.5 * (w.first! + w.last!), a = 0.5 * (w.last! - w.first!) * 1.01
        let target = center + 0.1 * a, xt = (target - center) / a
        let (alpha, beta, K) = PolynomialFilterED.dacpWindow(xt: xt, halfWidth: 0.15, suppression: 1e-6, degree: 0)
        XCTAssertGreaterThan(K, 5)
        func chebyshev(_ z: Double) -> Double {
            z >= -1 ? cos(Double(K) * acos(min(z, 1))) : (K % 2 == 0 ? 1 : -1) * cosh(Double(K) * acosh(-z))
        }
        let p = w.map { chebyshev(alpha * (($0 - target) / a) * (($0 - target) / a) - beta) }
        XCTAssertGreaterThan(p.map(abs).max()!, 1e3, "the window holds eigenvalues")
        for nb in [3, 8] {
            let x = (0..<(n * nb)).map { PolynomialFilterED.randomEntry(row: $0 / nb, col: $0 % nb, seed: 7) }
            let got = try PolynomialFilterED.windowFilter(op, x, nb: nb, alpha: alpha, beta: beta, degree: K, target: target, halfWidth: a)
            for j in 0..<nb {
                // V diag(p) V^T x_j (V column-major).
                let c = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + v[$1 + i * n] * x[$1 * nb + j] } * p[i] }
                let want = (0..<n).map { r in (0..<n).reduce(0.0) { $0 + v[r + $1 * n] * c[$1] } }
                let scale = want.map(abs).max()!
                for r in 0..<n { XCTAssertEqual(got[r * nb + j], want[r], accuracy: 1e-9 * scale, "nb \(nb) column \(j) row \(r)") }
            }
        }
    }

    /// A batch of samples enters the basis like the samples one at a time:
    /// orthonormal, orthogonal to the basis, the same span, and a sample
    /// that lies in the span of the basis and the batch's earlier samples
    /// keeps nothing.
    func testBatchOrthonormalizationMatchesOneSampleAtATime() throws {
        let m = Self.model(L: 9, boundary: .open, seed: 4)
        let op = SerialLRSGOperator(LRSGSectorOperator(model: m, parity: 1), threads: 1)
        let rows = op.ownedRows.count, width = 4
        let (basis, nb) = try PolynomialFilterED.orthonormalize(op, PolynomialFilterED.startColumns(op, 30, from: 0), cols: 30, basis: [], m: 0)
        XCTAssertEqual(nb, 30)
        var batch = PolynomialFilterED.startColumns(op, 2 * width, from: 100)
        // The third sample: basis columns plus the first sample's, mixed.
        for j in 0..<width {
            for r in 0..<rows { batch.append(0.3 * basis[(2 * j) * rows + r] - 1.7 * batch[j * rows + r] + 0.2 * batch[((j + 1) % width) * rows + r]) }
        }
        var batchCopy = batch
        let (w, c, perSample) = try PolynomialFilterED.orthonormalizeBatch(op, &batchCopy, samples: 3, width: width, basis: basis, m: nb)
        XCTAssertEqual(perSample, [width, width, 0])
        XCTAssertEqual(c, 2 * width)
        func dot(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int) -> Double { (0..<rows).reduce(0.0) { $0 + a[i * rows + $1] * b[j * rows + $1] } }
        for i in 0..<c {
            for j in 0..<c { XCTAssertEqual(dot(w, i, w, j), i == j ? 1 : 0, accuracy: 1e-13) }
            for j in 0..<nb { XCTAssertEqual(dot(w, i, basis, j), 0, accuracy: 1e-13) }
        }
        // One sample at a time spans the same space: equal projectors.
        var seq = basis, ms = nb
        for s in 0..<3 {
            let (v, kept) = try PolynomialFilterED.orthonormalize(op, Array(batch[(s * width * rows)..<((s + 1) * width * rows)]), cols: width,
                                                                  basis: seq, m: ms)
            seq.append(contentsOf: v)
            ms += kept
        }
        XCTAssertEqual(ms, nb + c)
        let extra = Array(seq[(nb * rows)...])
        for r in stride(from: 0, to: rows, by: 17) {
            for r2 in stride(from: 0, to: rows, by: 13) {
                let p1 = (0..<c).reduce(0.0) { $0 + w[$1 * rows + r] * w[$1 * rows + r2] }
                let p2 = (0..<c).reduce(0.0) { $0 + extra[$1 * rows + r] * extra[$1 * rows + r2] }
                XCTAssertEqual(p1, p2, accuracy: 1e-12)
            }
        }
    }

    /// Too few iterations, or a filter too weak to separate the window: an error naming the basis and the context, never a short result.
    func testUnconvergedSolveIsAnError() throws {
        let m = Self.model(L: 10, boundary: .open, seed: 9)
        let op = SerialLRSGOperator(LRSGSectorOperator(model: m, parity: 1), threads: 1)
        let ext = try PolynomialFilterED.extremes(op, context: "test")
        for (strategy, basis, weakDegree, iterations) in [(PolynomialFilterStrategy.krylov, "filtered blocks", 8, 3), (.dacp, "DACP", 2, 4)] {
            var s = PolynomialFilterSettings(count: 20)
            s.strategy = strategy
            s.maxIterations = 1
            XCTAssertThrowsError(try PolynomialFilterED.solve(op, target: 0.5 * (ext.min + ext.max), spectrum: ext, density: 50, settings: s,
                                                              context: "L=10 sector 1")) { e in
                guard let f = e as? PolynomialFilterError else { return XCTFail("not a PolynomialFilterError: \(e)") }
                XCTAssertTrue(f.description.contains("of 20 eigenpairs"), f.description)
                XCTAssertTrue(f.description.contains(basis), f.description)
                XCTAssertTrue(f.description.contains("L=10 sector 1"), f.description)
            }
            s.maxIterations = iterations
            s.degree = weakDegree
            XCTAssertThrowsError(try PolynomialFilterED.solve(op, target: 0.5 * (ext.min + ext.max), spectrum: ext, density: 50, settings: s,
                                                              context: "L=10 sector 1")) { e in
                XCTAssertTrue(e is PolynomialFilterError, "\(e)")
            }
        }
    }
}
