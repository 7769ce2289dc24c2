import Dispatch
import QGKernels
#if canImport(Glibc)
import Glibc
#endif

/// The parity-sector Hamiltonian of the S1 model as a matrix-free operator on
/// blocks of vectors (issue 24). No matrix is stored: the diagonal is computed
/// once, and the L off-diagonal entries of every row are single-spin flips
/// with amplitude -h_x, by bit tricks on the sector index k
/// (`LongRangeSpinGlass.forEachOffDiagonal`): spin i >= 1 flips bit i - 1 of
/// k, spin 0 flips all L - 1 bits and brings the parity. For L = 2 the two
/// flips reach the same state and their amplitudes add (-h_x (1 + parity)),
/// which the sum below gives without a special case.
///
/// Blocks are row-major: row r of a block of `nb` vectors is the `nb`
/// contiguous doubles at r * nb, so each bit pattern is read once per block.
/// Rows are split over `threads` threads (Dispatch). Pure Swift, local.
public struct LRSGSectorOperator: Sendable {
    public let L: Int
    public let parity: Int
    public let hx: Double
    /// 2^(L-1).
    public let dimension: Int
    /// The diagonal (classical energies), the same in both sectors.
    public let diagonal: [Double]

    /// `diagonal` must be `model.diagonal()` when given (it is shared by both sectors).
    public init(model: LongRangeSpinGlass, parity: Int, diagonal: [Double]? = nil) {
        precondition(parity == 1 || parity == -1)
        self.L = model.L
        self.parity = parity
        self.hx = model.hx
        self.dimension = model.sectorDimension
        self.diagonal = diagonal ?? model.diagonal()
        precondition(self.diagonal.count == dimension)
    }

    /// One application on the output rows `rows` (global sector indices):
    ///
    ///     y[r] = scale ((H - shift) x)[r] + zScale z[r]
    ///     acc[r] += mu y[r]                     (when `acc` is given)
    ///
    /// `x` holds every row of the input block (global index k at x + k nb);
    /// `y`, `z` and `acc` hold the rows `rows` only (row r at (r - rows.lowerBound) nb).
    /// `z` may be `y` or `acc` (each row reads z before it writes y and acc), never `x`.
    /// With `zScale = 0`, z is not read. One Chebyshev step of a filter is
    /// y = 2/a (H - c) x - z, accumulated into the filtered block with its
    /// coefficient, in one pass.
    public func apply(rows: Range<Int>, block nb: Int, x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                      scale: Double = 1, shift: Double = 0, z: UnsafePointer<Double>? = nil, zScale: Double = 0,
                      accumulate acc: UnsafeMutablePointer<Double>? = nil, mu: Double = 0, threads: Int = 1) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= dimension && nb >= 1)
        precondition(zScale == 0 || z != nil, "zScale needs z")
        let n = rows.count
        guard n > 0 else { return }
        let t = max(1, min(threads, n / 256))
        diagonal.withUnsafeBufferPointer { dp in
            let d = dp.baseAddress!
            if t == 1 {
                kernel(rows, origin: rows.lowerBound, nb: nb, x: x, y: y, d: d, scale: scale, shift: shift, z: z, zScale: zScale, acc: acc, mu: mu)
            } else {
                let chunk = (n + t - 1) / t
                // Raw pointers cross into the worker threads; each writes only its own rows.
                let p = Pointers(x: x, y: y, d: d, z: z, acc: acc)
                DispatchQueue.concurrentPerform(iterations: t) { i in
                    let lo = rows.lowerBound + i * chunk, hi = min(rows.upperBound, lo + chunk)
                    if lo < hi {
                        kernel(lo..<hi, origin: rows.lowerBound, nb: nb, x: p.x, y: p.y, d: p.d, scale: scale, shift: shift, z: p.z,
                               zScale: zScale, acc: p.acc, mu: mu)
                    }
                }
            }
        }
    }

    /// y = H x on every row (serial convenience, row-major blocks of `nb`).
    public func apply(_ x: [Double], block nb: Int, threads: Int = 1) -> [Double] {
        precondition(x.count == dimension * nb)
        var y = [Double](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                apply(rows: 0..<dimension, block: nb, x: xp.baseAddress!, into: yp.baseAddress!, threads: threads)
            }
        }
        return y
    }

    struct Pointers: @unchecked Sendable {
        let x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, d: UnsafePointer<Double>
        let z: UnsafePointer<Double>?, acc: UnsafeMutablePointer<Double>?
    }

    /// Dispatches on the block width: 16 and 8 go to the SIMD kernel
    /// (`FlipKernels`, 1.26x faster than the lane loops at L = 16, 16 lanes,
    /// docs/performance.md), any other to the lane loops below.
    @inline(__always)
    func kernel(_ rows: Range<Int>, origin: Int, nb: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, d: UnsafePointer<Double>,
                scale: Double, shift: Double, z: UnsafePointer<Double>?, zScale: Double,
                acc: UnsafeMutablePointer<Double>?, mu: Double) {
        if FlipKernels.supports(width: nb) {
            FlipKernels.apply(width: nb, rows: rows, origin: origin, flips: L - 1, ones: dimension - 1, parity: Double(parity), hx: hx, x: x, y: y,
                              d: d, scale: scale, shift: shift, z: z, zScale: zScale, acc: acc, mu: mu)
        } else {
            rowsKernel(rows, origin: origin, width: nb, x: x, y: y, d: d, scale: scale, shift: shift, z: z, zScale: zScale, acc: acc, mu: mu)
        }
    }

    /// Per row k: f = parity x[k ^ ones] + sum_b x[k ^ 2^b] (lane-wise, in a
    /// row buffer), then y = scale ((d_k - shift) x[k] - h_x f) + zScale z,
    /// acc += mu y. Plain loops over the lanes, for any block width (the
    /// widths 8 and 16 of the solvers take `FlipKernels`; the operator tests
    /// compare both against the assembled matrix).
    @inline(__always)
    func rowsKernel(_ rows: Range<Int>, origin: Int, width nb: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>,
                    d: UnsafePointer<Double>, scale: Double, shift: Double, z: UnsafePointer<Double>?, zScale: Double,
                    acc: UnsafeMutablePointer<Double>?, mu: Double) {
        let flips = L - 1, ones = dimension - 1, p = Double(parity), h = hx
        withUnsafeTemporaryAllocation(of: Double.self, capacity: nb) { fb in
            let f = fb.baseAddress!
            for k in rows {
                let far = x + (k ^ ones) * nb
                for j in 0..<nb { f[j] = p * far[j] }
                for b in 0..<flips {
                    let q = x + (k ^ (1 << b)) * nb
                    for j in 0..<nb { f[j] += q[j] }
                }
                let xk = x + k * nb, out = y + (k - origin) * nb
                let dk = d[k] - shift
                if let z, zScale != 0 {
                    let zk = z + (k - origin) * nb
                    for j in 0..<nb { out[j] = scale * (dk * xk[j] - h * f[j]) + zScale * zk[j] }
                } else {
                    for j in 0..<nb { out[j] = scale * (dk * xk[j] - h * f[j]) }
                }
                if let acc {
                    let ak = acc + (k - origin) * nb
                    for j in 0..<nb { ak[j] += mu * out[j] }
                }
            }
        }
    }
}

extension LRSGSectorOperator {
    /// Local: microseconds per vector of one fused Chebyshev step
    /// (y = s (H - c) x - y, acc += mu y) on a block of `nb` vectors at size
    /// L with `threads` threads (couplings from a fixed stream, h_x = 1, sector +1):
    /// the median over `repeats` timings of `steps` steps each.
    public static func benchmarkMicrosecondsPerVector(L: Int, block nb: Int, threads: Int, steps: Int = 20, repeats: Int = 3) -> Double {
        var rng = CounterRNG(seed: 24, stream: 24, realization: L)
        let model = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 1, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        let op = LRSGSectorOperator(model: model, parity: 1)
        let n = op.dimension * nb
        var x = (0..<n).map { Double(($0 &* 2_654_435_761) % 1000) / 1000 - 0.5 }
        var y = [Double](repeating: 0.1, count: n), acc = [Double](repeating: 0, count: n)
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            var t0 = timespec(), t1 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t0)
            for _ in 0..<max(1, steps) {
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        acc.withUnsafeMutableBufferPointer { ap in
                            op.apply(rows: 0..<op.dimension, block: nb, x: xp.baseAddress!, into: yp.baseAddress!, scale: 0.1, shift: 0.01,
                                     z: UnsafePointer(yp.baseAddress!), zScale: -1, accumulate: ap.baseAddress!, mu: 0.5, threads: threads)
                        }
                    }
                }
                swap(&x, &y)
            }
            clock_gettime(CLOCK_MONOTONIC, &t1)
            let s = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
            times.append(s / Double(max(1, steps) * nb) * 1e6)
        }
        return times.sorted()[times.count / 2]
    }
}
