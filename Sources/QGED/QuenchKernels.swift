import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A quench kernel failed (a typed error, never a silent NaN row).
public enum QuenchError: Error, CustomStringConvertible, Equatable {
    /// The kernels need real eigenvectors (real symmetric H).
    case complexEigenvectors
    /// The overlaps do not sum to 1 (the eigenvectors are not a complete orthonormal basis).
    case overlapNormalization(sum: Double)
    /// A computed value is not finite.
    case notFinite(String)
    /// A basis state index outside 0..<dimension.
    case stateOutOfRange(Int, dimension: Int)

    public var description: String {
        switch self {
        case .complexEigenvectors: return "quench kernels need real eigenvectors"
        case .overlapNormalization(let s): return "sum_n |<n|s0>|^2 = \(s), expected 1"
        case .notFinite(let w): return "non-finite value in \(w)"
        case .stateOutOfRange(let s, let d): return "basis state \(s) outside 0..<\(d)"
        }
    }
}

/// Quench dynamics from a computational basis state |s0> with all eigenpairs
/// of a real symmetric H (docs/quench-entanglement.md). With H = sum_n E_n |n><n|
/// and c_n = <n|s0> = V[s0, n]:
///
///     |psi(t)> = sum_n c_n e^{-i E_n t} |n>,   psi(t) = V M(t),  M[n, t] = c_n e^{-i E_n t},
///     <O>(t) = sum_k O(k) |psi_k(t)|^2                 (O diagonal in the basis),
///     <O>_DE = lim_{T->inf} (1/T) int_0^T <O>(t) dt = sum_n |c_n|^2 <n|O|n>   (no degeneracies).
///
/// Every step is BLAS-3 (DGEMM, or PDGEMM on a ScaLAPACK group): psi = V M
/// as two real GEMMs (real and imaginary parts), then T^T |psi|^2 as one
/// more; the diagonal ensemble as C = |V|^2^T T followed by the weights
/// |c_n|^2. The same functions serve a serial block (group may be nil) and a
/// block-cyclic one (collective over its group).
///
/// Degenerate levels: the diagonal ensemble above is the t -> inf average only
/// for a non-degenerate spectrum (true for generic disorder); degenerate pairs
/// add cross terms that the formula drops. Phases E_n t are accurate to about
/// |E| t 1e-16 plus t times the eigenvalue error (~1e-14 |E|): at t = 1e8 the
/// phases are good to ~1e-6 rad.
public enum QuenchKernels {
    /// Collective over `group` when distributed: c_n = V[s0, n] for every n,
    /// replicated on every rank. Throws if the eigenvectors are complex or if
    /// sum_n c_n^2 differs from 1 by more than 1e-10.
    public static func overlaps(_ v: DenseBlock, initialState s0: Int, group: Communicator?) throws -> [Double] {
        guard !v.isComplex else { throw QuenchError.complexEigenvectors }
        guard s0 >= 0 && s0 < v.rows else { throw QuenchError.stateOutOfRange(s0, dimension: v.rows) }
        var c: [Double]
        switch v.storage {
        case .serial(let a):
            c = [Double](repeating: 0, count: v.cols)
            for n in 0..<v.cols { c[n] = a[s0 + n * v.rows] }
        case .distributed(let d):
            guard let group else { preconditionFailure("a distributed block needs its group") }
            var partial = [Double](repeating: 0, count: v.cols)
            if let lr = d.localRow(s0) {
                for lc in 0..<d.localCols { partial[d.globalCol(lc)] = d.local[lr + lc * d.lld] }
            }
            c = try group.allreduce(partial, .sum)
        }
        let norm = c.reduce(0.0) { $0 + $1 * $1 }
        guard abs(norm - 1) < 1e-10 else { throw QuenchError.overlapNormalization(sum: norm) }
        return c
    }

    /// Collective over `group` when distributed: the real and imaginary parts
    /// of psi(t) = V M(t) for every time of `times`, as two D x T blocks of
    /// V's distribution: two GEMMs. `c` are the overlaps, `energies` the E_n.
    public static func evolve(_ v: DenseBlock, energies: [Double], overlaps c: [Double], times: [Double]) throws
        -> (re: DenseBlock, im: DenseBlock) {
        guard !v.isComplex else { throw QuenchError.complexEigenvectors }
        let n = v.cols, nt = times.count
        precondition(energies.count == n && c.count == n)
        let mRe = try v.realBlock(rows: n, cols: nt) { k, t in c[k] * cos(energies[k] * times[t]) }
        let mIm = try v.realBlock(rows: n, cols: nt) { k, t in -c[k] * sin(energies[k] * times[t]) }
        return (try DenseBlock.times(v, mRe), try DenseBlock.times(v, mIm))
    }

    /// Collective over `group` when distributed: <O_p>(t) = sum_k table(k, p)
    /// |psi_k(t)|^2 for `count` diagonal observables, as a count x T array
    /// (row-major: value[p * T + t]) replicated on every rank. V is kept.
    /// Three GEMMs in all; memory: three D x T blocks besides V.
    public static func timeTrace(_ v: DenseBlock, energies: [Double], overlaps c: [Double], times: [Double],
                                 count: Int, table: (Int, Int) -> Double, group: Communicator?) throws -> [Double] {
        let nt = times.count
        if nt == 0 || count == 0 { return [] }
        var (re, im) = try evolve(v, energies: energies, overlaps: c, times: times)
        try re.addSquaresInPlace(of: &im)  // re <- re^2 + im^2 = |psi|^2; im released
        let t = try v.realBlock(rows: v.rows, cols: count, table)
        let o = try DenseBlock.transposeTimes(t, re)  // count x T
        let flat = try o.wholeColumnMajor(group: group)  // (p + count * t)
        var out = [Double](repeating: 0, count: count * nt)
        for ti in 0..<nt { for p in 0..<count { out[p * nt + ti] = flat[p + count * ti] } }
        guard out.allSatisfy({ $0.isFinite }) else { throw QuenchError.notFinite("time trace") }
        return out
    }

    /// Collective over `group` when distributed: the diagonal-ensemble values
    /// sum_n |c_n|^2 sum_k |V[k, n]|^2 table(k, p) for the `count` observables,
    /// replicated: one GEMM (C = |V|^2^T T, `EigenstateKernels.diagonalExpectations`)
    /// and the weights. Consumes the eigenvectors (squared in place); call it last.
    public static func diagonalEnsemble(_ v: inout DenseBlock, overlaps c: [Double], count: Int,
                                        table: (Int, Int) -> Double, group: Communicator?) throws -> [Double] {
        guard !v.isComplex else { throw QuenchError.complexEigenvectors }
        let cm = try EigenstateKernels.diagonalExpectations(&v, count: count, table: table)  // D x count
        var partial = [Double](repeating: 0, count: count)
        switch cm.storage {
        case .serial(let a):
            for p in 0..<count {
                var acc = 0.0
                for n in 0..<cm.rows { acc += c[n] * c[n] * a[n + p * cm.rows] }
                partial[p] = acc
            }
        case .distributed(let d):
            guard let group else { preconditionFailure("a distributed block needs its group") }
            for lc in 0..<d.localCols {
                var acc = 0.0
                for lr in 0..<d.localRows { let n = d.globalRow(lr); acc += c[n] * c[n] * d.local[lr + lc * d.lld] }
                partial[d.globalCol(lc)] = acc
            }
            partial = try group.allreduce(partial, .sum)
        }
        guard partial.allSatisfy({ $0.isFinite }) else { throw QuenchError.notFinite("diagonal ensemble") }
        return partial
    }

    /// Log-spaced times from `tMin` to tMax = max(`tMin` * 10, `atLeast`,
    /// `pastSpacing` / Delta_min), `perDecade` points per decade (both ends
    /// included), where Delta_min is the smallest gap between consecutive
    /// sorted energies that exceeds 1e-12 (max(1, |E|)) (smaller gaps are
    /// numerical degeneracies), and tMax is capped at `cap`. Defaults: 10^-1
    /// to 10^8 or 10/Delta_min, capped at 10^12 (beyond which eigenvalue
    /// errors ~1e-14 spoil the phases).
    public static func logTimeGrid(energies: [Double], tMin: Double = 0.1, atLeast: Double = 1e8, pastSpacing: Double = 10,
                                   perDecade: Int = 10, cap: Double = 1e12) -> [Double] {
        precondition(tMin > 0 && perDecade >= 1)
        let e = energies.sorted()
        let scale = max(1, e.map(abs).max() ?? 1)
        var gap = Double.infinity
        if e.count > 1 { for k in 1..<e.count { let g = e[k] - e[k - 1]; if g > 1e-12 * scale { gap = min(gap, g) } } }
        var tMax = max(tMin * 10, atLeast)
        if gap.isFinite { tMax = max(tMax, pastSpacing / gap) }
        tMax = min(tMax, max(cap, tMin * 10))
        let decades = log10(tMax / tMin)
        let steps = max(1, Int((decades * Double(perDecade)).rounded(.up)))
        return (0...steps).map { k in k == steps ? tMax : tMin * pow(10, decades * Double(k) / Double(steps)) }
    }

    /// The results of one cluster quench.
    public struct Result: Sendable {
        /// c_n = <n|s0>.
        public var overlaps: [Double]
        /// Diagonal-ensemble z_I <Z_I> per cluster spin.
        public var remnant: [Double]
        /// z_I <Z_I(t)>, row-major [I * times.count + t].
        public var trace: [Double]
        public var times: [Double]
        /// Wall seconds: overlaps and time trace, diagonal ensemble.
        public var seconds: (trace: Double, diagonal: Double) = (0, 0)
    }

    /// Collective over `group` when distributed: the whole S5 quench of one
    /// cluster from its spectrum: overlaps, z_I <Z_I(t)> on `times` (nil: the
    /// default log grid), and the diagonal-ensemble z_I <Z_I>, in that order
    /// (the last consumes the eigenvectors).
    public static func clusterQuench(_ spectrum: inout SectorSpectrum, cluster h: ResonantCluster, times: [Double]? = nil,
                                     group: Communicator?) throws -> Result {
        try clusterQuench(energies: spectrum.energies, vectors: &spectrum.vectors, cluster: h, times: times, group: group)
    }

    /// As `clusterQuench(_:cluster:times:group:)`, from energies and eigenvectors.
    public static func clusterQuench(energies: [Double], vectors: inout DenseBlock, cluster h: ResonantCluster,
                                     times: [Double]? = nil, group: Communicator?) throws -> Result {
        let t0 = MPIEnvironment.wtime()
        let grid = times ?? logTimeGrid(energies: energies)
        let c = try overlaps(vectors, initialState: h.initialStateIndex, group: group)
        let sign: (Int, Int) -> Double = { s, I in h.polarizationSign(state: s, spin: I) }
        let trace = try timeTrace(vectors, energies: energies, overlaps: c, times: grid,
                                  count: h.sites, table: sign, group: group)
        let t1 = MPIEnvironment.wtime()
        let de = try diagonalEnsemble(&vectors, overlaps: c, count: h.sites, table: sign, group: group)
        return Result(overlaps: c, remnant: de, trace: trace, times: grid, seconds: (t1 - t0, MPIEnvironment.wtime() - t1))
    }
}

extension DenseBlock {
    /// Local: self <- self^2 + other^2 entrywise for two real blocks of the
    /// same shape and distribution; `other` is emptied (its memory released).
    public mutating func addSquaresInPlace(of other: inout DenseBlock) throws {
        precondition(!isComplex && !other.isComplex && rows == other.rows && cols == other.cols)
        func combine(_ a: inout [Double], _ b: [Double]) {
            a.withUnsafeMutableBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    for i in ap.indices { ap[i] = ap[i] * ap[i] + bp[i] * bp[i] }
                }
            }
        }
        switch (storage, other.storage) {
        case (.serial(var a), .serial(let b)):
            storage = .serial([]); other.storage = .serial([])
            combine(&a, b)
            storage = .serial(a)
        case (.distributed(var a), .distributed(var b)):
            storage = .serial([]); other.storage = .serial([])
            combine(&a.local, b.local)
            b.local = []
            storage = .distributed(a)
        default:
            preconditionFailure("addSquaresInPlace: serial and distributed blocks mixed")
        }
    }

    /// Collective over `group` when distributed (group may be nil for a serial
    /// block): the whole real matrix, column-major, on every rank. Every entry
    /// has exactly one owner, so the allreduce sums it with zeros only and the
    /// result is exact. For small blocks (count x T traces).
    public func wholeColumnMajor(group: Communicator?) throws -> [Double] {
        switch storage {
        case .serial(let a): return Array(a.prefix(rows * cols * width))
        case .distributed:
            guard let group else { preconditionFailure("a distributed block needs its group") }
            return try gathered(group: group)
        }
    }
}
