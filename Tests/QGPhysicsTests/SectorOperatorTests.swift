import XCTest
import QGPhysics
import QGLinearAlgebra

/// Issue 24: the matrix-free parity-sector operator of S1 against the assembled dense sector matrix.
final class SectorOperatorTests: XCTestCase {
    /// Deterministic uniform(-1, 1) entries (splitmix64).
    static func randomBlock(_ count: Int, seed: UInt64) -> [Double] {
        var s = seed
        return (0..<count).map { _ in
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    static func model(L: Int, boundary: Boundary, seed: Int) -> LongRangeSpinGlass {
        var rng = CounterRNG(seed: UInt64(seed), stream: 24, realization: L)
        return LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.83, boundary: boundary, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
    }

    /// H X for a row-major block X (D x nb) with the dense column-major sector matrix: (H X)^T = X^T H (H symmetric).
    static func dense(_ h: [Double], _ x: [Double], n: Int, nb: Int) -> [Double] {
        var y = [Double](repeating: 0, count: n * nb)
        h.withUnsafeBufferPointer { hp in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    // Row-major X (n x nb) is column-major X^T (nb x n); Y^T = X^T H^T.
                    gemm(.none, .transpose, m: nb, n: n, k: n, alpha: 1, a: xp.baseAddress!, lda: nb, b: hp.baseAddress!, ldb: n,
                         beta: 0, c: yp.baseAddress!, ldc: nb)
                }
            }
        }
        return y
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var num = 0.0, den = 0.0
        for i in a.indices { num = max(num, abs(a[i] - b[i])); den = max(den, abs(b[i])) }
        return num / max(den, 1e-300)
    }

    func testOperatorEqualsTheAssembledSectorMatrix() {
        for L in [2, 3, 6, 7, 8, 10, 12] {
            for boundary in Boundary.allCases {
                let m = Self.model(L: L, boundary: boundary, seed: 7)
                let n = m.sectorDimension
                for parity in [1, -1] {
                    let h = m.sectorMatrix(parity: parity)
                    let op = LRSGSectorOperator(model: m, parity: parity)
                    for (nb, threads) in [(1, 1), (3, 2), (8, 1), (16, 2), (24, 2)] {
                        let x = Self.randomBlock(n * nb, seed: UInt64(L * 1000 + nb))
                        let want = Self.dense(h, x, n: n, nb: nb)
                        let got = op.apply(x, block: nb, threads: threads)
                        let err = Self.relativeError(got, want)
                        XCTAssertLessThan(err, 1e-12, "L=\(L) \(boundary) parity \(parity) nb=\(nb) threads=\(threads)")
                    }
                }
            }
        }
    }

    /// The fused Chebyshev step y = s (H - c) x + w z, acc += mu y on a row range, z aliasing y.
    func testFusedStepOnARowRange() {
        let L = 9, nb = 16
        let m = Self.model(L: L, boundary: .periodic, seed: 3)
        let n = m.sectorDimension
        let op = LRSGSectorOperator(model: m, parity: -1)
        let h = m.sectorMatrix(parity: -1)
        let x = Self.randomBlock(n * nb, seed: 11), z0 = Self.randomBlock(n * nb, seed: 12), acc0 = Self.randomBlock(n * nb, seed: 13)
        let (s, c, w, mu) = (0.37, -1.25, -1.0, 0.61)
        let hx = Self.dense(h, x, n: n, nb: nb)
        let rows = 60..<200  // of D = 256
        for nbUsed in [nb, 5] {
            let xs = Array(x[0..<(n * nbUsed)])
            let hxs = nbUsed == nb ? hx : Self.dense(h, xs, n: n, nb: nbUsed)
            var y = Array(z0[(rows.lowerBound * nbUsed)..<(rows.upperBound * nbUsed)])
            var acc = Array(acc0[(rows.lowerBound * nbUsed)..<(rows.upperBound * nbUsed)])
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    acc.withUnsafeMutableBufferPointer { ap in
                        op.apply(rows: rows, block: nbUsed, x: xp.baseAddress!, into: yp.baseAddress!, scale: s, shift: c,
                                 z: UnsafePointer(yp.baseAddress!), zScale: w, accumulate: ap.baseAddress!, mu: mu, threads: 2)
                    }
                }
            }
            for r in rows {
                for j in 0..<nbUsed {
                    let i = r * nbUsed + j, o = (r - rows.lowerBound) * nbUsed + j
                    let want = s * (hxs[i] - c * xs[i]) + w * z0[o + rows.lowerBound * nbUsed]
                    XCTAssertEqual(y[o], want, accuracy: 1e-12 * max(1, abs(want)))
                    XCTAssertEqual(acc[o], acc0[o + rows.lowerBound * nbUsed] + mu * want, accuracy: 1e-12 * max(1, abs(want)))
                }
            }
        }
    }
}
