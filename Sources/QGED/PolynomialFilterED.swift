import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics
#if canImport(Glibc)
import Glibc
#endif

/// A real symmetric operator known only through products with row-major
/// blocks of vectors, its rows distributed in contiguous slices over a group
/// (one slice when serial). What the polynomial-filter solver needs.
public protocol FilterOperator {
    /// The operator's dimension (all ranks).
    var dimension: Int { get }
    /// The rows (vector entries) this rank owns.
    var ownedRows: Range<Int> { get }
    /// Collective over the group: on the owned rows,
    /// y = scale (H - shift) x + zScale z, then acc += mu y (when `acc` is given).
    /// `x`, `y`, `z`, `acc` hold the owned rows only, row-major with `nb`
    /// doubles per row; `z` may be `y` or `acc`, never `x`.
    func apply(block nb: Int, x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, scale: Double, shift: Double,
               z: UnsafePointer<Double>?, zScale: Double, accumulate acc: UnsafeMutablePointer<Double>?, mu: Double) throws
    /// Collective over the group: element-wise sum of `a` over the ranks (identity when serial).
    func sum(_ a: [Double]) throws -> [Double]
}

/// The S1 parity sector on one rank: `LRSGSectorOperator` over every row,
/// with `threads` threads.
public struct SerialLRSGOperator: FilterOperator {
    public let op: LRSGSectorOperator
    public let threads: Int
    public init(_ op: LRSGSectorOperator, threads: Int) {
        self.op = op
        self.threads = max(1, threads)
    }
    public var dimension: Int { op.dimension }
    public var ownedRows: Range<Int> { 0..<op.dimension }
    public func apply(block nb: Int, x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, scale: Double, shift: Double,
                      z: UnsafePointer<Double>?, zScale: Double, accumulate acc: UnsafeMutablePointer<Double>?, mu: Double) throws {
        op.apply(rows: 0..<op.dimension, block: nb, x: x, into: y, scale: scale, shift: shift, z: z, zScale: zScale, accumulate: acc,
                 mu: mu, threads: threads)
    }
    public func sum(_ a: [Double]) throws -> [Double] { a }
}

/// The S1 parity sector distributed over a group (issue 24): rank i owns
/// the contiguous rows [D i / g, D (i + 1) / g). A product needs the rows
/// k ^ 2^b and k ^ (D - 1) of the input for every owned row k: flips of
/// low bits stay in the slice, flips of high bits and the all-flip reach
/// other ranks' slices (the all-flip maps a slice onto the mirrored one), so
/// the halo is exchanged with one collective MPI_Allgatherv of the block
/// into a full-length scratch copy, then each rank applies the kernel to its
/// rows on its threads. Memory per rank: the slices of the basis plus one
/// full block (D nb doubles).
public final class DistributedLRSGOperator: FilterOperator {
    public let op: LRSGSectorOperator
    public let group: Communicator
    public let threads: Int
    public let ownedRows: Range<Int>
    let rowStarts: [Int]
    var scratch: [Double] = []

    /// Local: the operator of `op` on this rank's slice of `group`.
    public init(_ op: LRSGSectorOperator, group: Communicator, threads: Int) {
        self.op = op
        self.group = group
        self.threads = max(1, threads)
        let d = op.dimension, g = group.size
        rowStarts = (0...g).map { d * $0 / g }
        ownedRows = rowStarts[group.rank]..<rowStarts[group.rank + 1]
    }

    public var dimension: Int { op.dimension }

    public func apply(block nb: Int, x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, scale: Double, shift: Double,
                      z: UnsafePointer<Double>?, zScale: Double, accumulate acc: UnsafeMutablePointer<Double>?, mu: Double) throws {
        let g = group.size
        precondition(op.dimension * nb <= Int(Int32.max), "block too large for MPI_Allgatherv counts")
        if scratch.count < op.dimension * nb { scratch = [Double](repeating: 0, count: op.dimension * nb) }
        let counts = (0..<g).map { Int32((rowStarts[$0 + 1] - rowStarts[$0]) * nb) }
        let displs = (0..<g).map { Int32(rowStarts[$0] * nb) }
        try scratch.withUnsafeMutableBufferPointer { sp in
            try group.allgatherv(x, into: sp.baseAddress!, counts: counts, displacements: displs)
            op.apply(rows: ownedRows, block: nb, x: UnsafePointer(sp.baseAddress!), into: y, scale: scale, shift: shift, z: z, zScale: zScale,
                     accumulate: acc, mu: mu, threads: threads)
        }
    }

    public func sum(_ a: [Double]) throws -> [Double] { try group.allreduce(a, .sum) }
}

/// A polynomial-filter solve that fell short: fewer converged pairs than
/// asked for within the iteration limit, a Krylov space that ran out, or
/// extremes that did not converge. Never a silent short result.
public struct PolynomialFilterError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var context: String
    public var description: String { "polfed: \(message) [\(context)]" }
}

/// Settings of the polynomial-filter solver (issue 24).
public struct PolynomialFilterSettings: Sendable, Equatable {
    /// Eigenpairs nearest the target.
    public var count: Int
    /// Chebyshev degree; 0 = from the density of states (`degreeFactor`).
    public var degree: Int = 0
    /// c in K = c 2 pi a rho(E_t) / k (a: half spectral width); 0.5 was fastest in calibration.
    public var degreeFactor: Double = 0.5
    /// Vectors per block (16 suits the cache of the kernel).
    public var blockSize: Int = 16
    /// Filtered blocks allowed before the solve is an error.
    public var maxIterations: Int = 10_000
    /// Rayleigh-Ritz every this many blocks (DACP: and not before the basis grew by 1/16 since the last check).
    public var checkEvery: Int = 2
    /// Convergence: ||H v - E v||_2 <= tolerance * max|E| for each of the `count` pairs.
    public var tolerance: Double = 1e-8
    /// How the basis is built: DACP, or block Lanczos on the filtered H.
    public var strategy: PolynomialFilterStrategy = .dacp
    /// DACP: eigenvalues in the window, N_w = windowFactor k.
    public var windowFactor: Double = 4.0
    /// DACP: filtered start vectors evolved together.
    public var startVectors: Int = 16
    /// DACP: evolution step s = stepFactor pi / (2 w_theta) (w_theta: the window's half width in arccos x).
    public var stepFactor: Double = 0.9
    /// DACP: first Rayleigh-Ritz once the basis holds basisFactor N_w vectors.
    public var basisFactor: Double = 1.0
    /// DACP: the window filter at the window's edge relative to its centre (fixes its degree unless `degree` > 0).
    public var suppression: Double = 1e-12
    /// DACP: fresh filtered vectors added to check a converged set (0: no check). An eigenvalue nearer the
    /// target that has no Ritz value yet enters with them and changes the set, which is then not accepted.
    public var verifyVectors: Int = 8
    /// DACP: evolution samples that enter the basis together (fewer where a
    /// check is due, one at a time once a sample lost a direction), so that
    /// orthonormalizing them and growing G and M stream V and H V once per batch.
    public var sampleBatch: Int = 4
    public init(count: Int) { self.count = count }

    /// DACP: basis vectors to plan for (memory): twice the window, N_w =
    /// windowFactor k times basisFactor, where the checks begin, plus two
    /// sample blocks and the verification vectors. Restarts from fresh
    /// start vectors grow a basis past N_w: 49 samples of 16 (up to 784
    /// vectors, 1.96 N_w) in one sector of the first L = 18 campaign task
    /// (docs/performance.md). The solver reserves this much address space
    /// for V and H V, so that they are not copied while they grow.
    public var plannedBasisVectors: Int {
        Int((2 * basisFactor * windowFactor * Double(count)).rounded(.up)) + 2 * startVectors + verifyVectors
    }

    /// DACP: vectors of workspace to plan for besides the basis, the larger
    /// of two moments: a batch entering the basis (the pending samples, the
    /// kept columns and their SVQB image, `sampleBatch` blocks each, and
    /// four blocks: the evolution's two, a copy and H w's) and a check (four
    /// blocks and the Ritz vectors y and H y of the candidates).
    public var plannedWorkspaceVectors: Int {
        max((3 * sampleBatch + 4) * startVectors, 4 * blockSize + 2 * PolynomialFilterED.candidateCount(count))
    }
}

/// The basis of the polynomial-filter solver (issue 24).
public enum PolynomialFilterStrategy: String, Sendable, Equatable {
    /// Block Lanczos on p(H), p a Jackson-damped delta at the target: every basis vector costs K products.
    case krylov
    /// Guan and Zhang's dual applications of Chebyshev polynomials: a few
    /// start vectors filtered to a window around the target, then sampled
    /// along their Chebyshev evolution T_j((H - c)/a) (one product per step).
    case dacp
}

/// POLFED-class solver: the eigenpairs of a real symmetric operator nearest
/// a target energy, from products with H only (no factorization, memory
/// O(k D)). A Chebyshev expansion of a delta at the target, damped by the
/// Jackson kernel, on H scaled to [-1, 1]: p(H) maps the eigenvalues near
/// the target to the top of its spectrum. Block Lanczos on p(H) with full
/// reorthogonalization builds the basis V; Rayleigh-Ritz with H itself
/// (G = V^T H V) gives the eigenpairs, and the k nearest the target must
/// all reach the residual tolerance. Every collective goes through the
/// operator (`FilterOperator.sum`), so the same code runs serial or on a
/// group with rows distributed.
public enum PolynomialFilterED {
    /// Result of `solve`: values ascending, owned rows of the vectors
    /// (column-major, `ownedRows.count` x count).
    public struct Pairs {
        public var values: [Double]
        public var localVectors: [Double]
        /// max ||H v - E v||_2 over the returned pairs (absolute).
        public var residualMax: Double
        /// Filtered blocks.
        public var iterations: Int
        public var degree: Int
        /// Basis vectors at convergence.
        public var basisSize: Int
        /// Products with H (vectors): filter, Rayleigh-Ritz and extremes excluded.
        public var products: Int
    }

    /// Deterministic pseudo-random entry in (-1, 1) of column `col` at global row `row`
    /// (the same on every rank, so a distributed start equals the serial one).
    @inline(__always) static func randomEntry(row: Int, col: Int, seed: UInt64) -> Double {
        var z = UInt64(truncatingIfNeeded: row) &* 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: col) &+ seed &* 0xD1B5_4A32_D192_ED03)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) * 2 - 1
    }

    /// Column-major (rows x cols) -> row-major (rows x cols); the way back is
    /// `transpose(b, rows: cols, cols: rows)` (row-major rows x cols is column-major cols x rows).
    static func transpose(_ a: [Double], rows: Int, cols: Int) -> [Double] {
        var b = [Double](repeating: 0, count: a.count)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                for j in 0..<cols { for r in 0..<rows { bp[r * cols + j] = ap[j * rows + r] } }
            }
        }
        return b
    }

    /// Collective: H applied to column-major vectors (rows x cols), in blocks of at most `nb`.
    static func applyH<Op: FilterOperator>(_ op: Op, _ v: [Double], cols: Int, nb: Int) throws -> [Double] {
        let rows = op.ownedRows.count
        var out = [Double](repeating: 0, count: rows * cols)
        var start = 0
        while start < cols {
            let c = min(nb, cols - start)
            let x = transpose(Array(v[(start * rows)..<((start + c) * rows)]), rows: rows, cols: c)
            var y = [Double](repeating: 0, count: rows * c)
            try x.withUnsafeBufferPointer { xp in
                try y.withUnsafeMutableBufferPointer { yp in
                    try op.apply(block: c, x: xp.baseAddress!, into: yp.baseAddress!, scale: 1, shift: 0, z: nil, zScale: 0, accumulate: nil, mu: 0)
                }
            }
            let back = transpose(y, rows: c, cols: rows)
            out.replaceSubrange((start * rows)..<((start + c) * rows), with: back)
            start += c
        }
        return out
    }

    /// C = A^T B (m x n) summed over the group, A rows x m, B rows x n, column-major.
    static func innerProducts<Op: FilterOperator>(_ op: Op, _ a: [Double], m: Int, _ b: [Double], n: Int) throws -> [Double] {
        let rows = op.ownedRows.count
        var c = [Double](repeating: 0, count: m * n)
        if rows > 0 && m > 0 && n > 0 {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        gemm(.transpose, .none, m: m, n: n, k: rows, alpha: 1, a: ap.baseAddress!, lda: rows, b: bp.baseAddress!, ldb: rows,
                             beta: 0, c: cp.baseAddress!, ldc: m)
                    }
                }
            }
        }
        return try op.sum(c)
    }

    /// Symmetric eigen-decomposition of an n x n column-major matrix: values ascending, vectors in place.
    static func eigh(_ a: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
        var m = DenseMatrix(rows: n, cols: n, storage: a)
        let w = try SymmetricEigensolver.solve(&m)
        return (w, m.storage)
    }

    /// Collective: the lowest and highest eigenvalue of `op` by Lanczos with
    /// full reorthogonalization, each converged to a residual below
    /// `tolerance` times the spectral radius (so the eigenvalues are exact
    /// far below that). Unconverged after `maxSteps` is an error.
    public static func extremes<Op: FilterOperator>(_ op: Op, tolerance: Double = 1e-12, maxSteps: Int = 2000,
                                                    context: String) throws -> (min: Double, max: Double) {
        let rows = op.ownedRows.count, n = op.dimension
        let steps = min(n, maxSteps)
        var v = op.ownedRows.map { randomEntry(row: $0, col: 0, seed: 0x51) }
        var nrm = try op.sum([v.reduce(0) { $0 + $1 * $1 }])[0].squareRoot()
        for i in v.indices { v[i] /= nrm }
        var basis: [Double] = []
        basis.reserveCapacity(rows * min(steps, 256))
        var alpha: [Double] = [], beta: [Double] = []
        var j = 0
        while j < steps {
            basis.append(contentsOf: v)
            var w = try applyH(op, v, cols: 1, nb: 1)
            let a = try op.sum([zip(v, w).reduce(0) { $0 + $1.0 * $1.1 }])[0]
            alpha.append(a)
            j += 1
            // Full reorthogonalization (twice) against the whole basis.
            for _ in 0..<2 {
                let c = try innerProducts(op, basis, m: j, w, n: 1)
                if rows > 0 {
                    basis.withUnsafeBufferPointer { bp in
                        c.withUnsafeBufferPointer { cp in
                            w.withUnsafeMutableBufferPointer { wp in
                                gemv(.none, m: rows, n: j, alpha: -1, a: bp.baseAddress!, lda: rows, x: cp.baseAddress!, beta: 1, y: wp.baseAddress!)
                            }
                        }
                    }
                }
            }
            nrm = try op.sum([w.reduce(0) { $0 + $1 * $1 }])[0].squareRoot()
            let exhausted = j == n || nrm <= 1e-14 * max(1, abs(a))
            if j % 10 == 0 || exhausted || j == steps {
                // T = tridiag(alpha, beta); residual of a Ritz pair = nrm |last component|.
                var t = [Double](repeating: 0, count: j * j)
                for i in 0..<j {
                    t[i + i * j] = alpha[i]
                    if i + 1 < j { t[i + 1 + i * j] = beta[i]; t[i + (i + 1) * j] = beta[i] }
                }
                let (w, s) = try eigh(t, n: j)
                let scale = max(abs(w[0]), abs(w[j - 1]), 1e-300)
                let rLow = nrm * abs(s[(j - 1) + 0 * j]), rHigh = nrm * abs(s[(j - 1) + (j - 1) * j])
                if exhausted || (rLow <= tolerance * scale && rHigh <= tolerance * scale) { return (w[0], w[j - 1]) }
                if j == steps {
                    throw PolynomialFilterError(message: "the spectral extremes did not converge in \(j) Lanczos steps (residuals \(rLow), \(rHigh))",
                                                context: context)
                }
            }
            beta.append(nrm)
            for i in w.indices { w[i] /= nrm }
            v = w
        }
        throw PolynomialFilterError(message: "the spectral extremes did not converge", context: context)
    }

    /// The Chebyshev degree for k pairs: K = c 2 pi a rho(E_t) / k, at least 8.
    public static func degree(halfWidth a: Double, density: Double, count k: Int, factor c: Double) -> Int {
        max(8, Int((c * 2 * Double.pi * a * density / Double(k)).rounded()))
    }

    /// Coefficients of the Jackson-damped Chebyshev expansion of a delta at
    /// x_t in [-1, 1], degree K, normalized so that p(x_t) = 1.
    public static func deltaCoefficients(at xt: Double, degree K: Int) -> [Double] {
        let n = Double(K + 2), theta = Glibc.acos(max(-1, min(1, xt)))
        var mu = (0...K).map { k -> Double in
            let kk = Double(k)
            let jackson = ((n - kk) * Glibc.cos(Double.pi * kk / n) + Glibc.sin(Double.pi * kk / n) / Glibc.tan(Double.pi / n)) / n
            return (k == 0 ? 1 : 2) * jackson * Glibc.cos(kk * theta)
        }
        let p = (0...K).reduce(0.0) { $0 + mu[$1] * Glibc.cos(Double($1) * theta) }
        for i in mu.indices { mu[i] /= p }
        return mu
    }

    /// Collective: acc = p(H) x for a row-major block (rows x nb), p the
    /// expansion `mu` in T_n((H - c) / a).
    static func filter<Op: FilterOperator>(_ op: Op, _ x: [Double], nb: Int, mu: [Double], center c: Double, halfWidth a: Double) throws -> [Double] {
        var acc = x.map { mu[0] * $0 }
        guard mu.count > 1 else { return acc }
        var prev = x
        var cur = [Double](repeating: 0, count: x.count)
        try prev.withUnsafeBufferPointer { pp in
            try cur.withUnsafeMutableBufferPointer { cp in
                try acc.withUnsafeMutableBufferPointer { ap in
                    try op.apply(block: nb, x: pp.baseAddress!, into: cp.baseAddress!, scale: 1 / a, shift: c, z: nil, zScale: 0,
                                 accumulate: ap.baseAddress!, mu: mu[1])
                }
            }
        }
        for n in 2..<mu.count {
            // T_n = 2 (H - c)/a T_{n-1} - T_{n-2}, written over T_{n-2}.
            try cur.withUnsafeBufferPointer { cp in
                try prev.withUnsafeMutableBufferPointer { pp in
                    try acc.withUnsafeMutableBufferPointer { ap in
                        try op.apply(block: nb, x: cp.baseAddress!, into: pp.baseAddress!, scale: 2 / a, shift: c, z: UnsafePointer(pp.baseAddress!),
                                     zScale: -1, accumulate: ap.baseAddress!, mu: mu[n])
                    }
                }
            }
            swap(&prev, &cur)
        }
        return acc
    }

    /// Collective: the squared norms of the columns of w (rows x cols, column-major).
    static func columnNorms<Op: FilterOperator>(_ op: Op, _ w: [Double], cols c: Int) throws -> [Double] {
        let rows = op.ownedRows.count
        return try op.sum((0..<c).map { j in (0..<rows).reduce(0.0) { $0 + w[j * rows + $1] * w[j * rows + $1] } })
    }

    /// Collective: one classical Gram-Schmidt sweep, w -= V (V^T w) (V: the
    /// orthonormal basis, rows x m; w rows x c; column-major).
    static func project<Op: FilterOperator>(_ op: Op, _ w: inout [Double], cols c: Int, basis: [Double], m: Int) throws {
        let rows = op.ownedRows.count
        guard m > 0 && c > 0 else { return }
        let p = try innerProducts(op, basis, m: m, w, n: c)
        if rows > 0 {
            basis.withUnsafeBufferPointer { bp in
                p.withUnsafeBufferPointer { pp in
                    w.withUnsafeMutableBufferPointer { wp in
                        gemm(.none, .none, m: rows, n: c, k: m, alpha: -1, a: bp.baseAddress!, lda: rows, b: pp.baseAddress!, ldb: m,
                             beta: 1, c: wp.baseAddress!, ldc: rows)
                    }
                }
            }
        }
    }

    /// Collective: SVQB, S = W^T W = U L U^T, W <- W U_kept L_kept^{-1/2},
    /// keeping the directions with L > `floor`; returns them and L.
    static func svqb<Op: FilterOperator>(_ op: Op, _ w: [Double], cols c: Int, floor: Double) throws -> (vectors: [Double], cols: Int, lambda: [Double]) {
        let rows = op.ownedRows.count
        let s = try innerProducts(op, w, m: c, w, n: c)
        let (lam, u) = try eigh(s, n: c)
        let kept = (0..<c).filter { lam[$0] > floor }
        var t = [Double](repeating: 0, count: c * kept.count)
        for (jj, j) in kept.enumerated() {
            let f = 1 / lam[j].squareRoot()
            for i in 0..<c { t[i + jj * c] = u[i + j * c] * f }
        }
        var out = [Double](repeating: 0, count: rows * kept.count)
        if rows > 0 && !kept.isEmpty {
            w.withUnsafeBufferPointer { wp in
                t.withUnsafeBufferPointer { tp in
                    out.withUnsafeMutableBufferPointer { op in
                        gemm(.none, .none, m: rows, n: kept.count, k: c, alpha: 1, a: wp.baseAddress!, lda: rows, b: tp.baseAddress!, ldb: c,
                             beta: 0, c: op.baseAddress!, ldc: rows)
                    }
                }
            }
        }
        return (out, kept.count, kept.map { lam[$0] })
    }

    /// Collective: orthonormalizes the columns of w (rows x cols, column-major)
    /// against the orthonormal basis (rows x m) and among themselves (block
    /// Gram-Schmidt twice, then SVQB; once more, Gram-Schmidt once and SVQB,
    /// where a column kept less than 1e-6 of `reference`'s norm, by default
    /// the block's largest); columns that lie in the span are dropped.
    /// Returns the kept columns.
    static func orthonormalize<Op: FilterOperator>(_ op: Op, _ w: [Double], cols: Int, basis: [Double], m: Int,
                                                   reference given: Double? = nil) throws -> (vectors: [Double], cols: Int) {
        let (v, c, _) = try orthonormalizeReporting(op, w, cols: cols, basis: basis, m: m, reference: given)
        return (v, c)
    }

    /// `orthonormalize`, and whether it took the second pass.
    static func orthonormalizeReporting<Op: FilterOperator>(_ op: Op, _ w: [Double], cols: Int, basis: [Double], m: Int,
                                                            reference given: Double?) throws -> (vectors: [Double], cols: Int, secondPass: Bool) {
        var w = w, c = cols, second = false
        let reference = try given ?? (columnNorms(op, w, cols: c).max() ?? 0)
        for pass in 0..<2 {
            if c == 0 { break }
            // Twice in the first pass; once in the second, whose columns are normalized and already nearly orthogonal to the basis.
            for _ in 0..<(pass == 0 ? 2 : 1) { try project(op, &w, cols: c, basis: basis, m: m) }
            let (out, kept, lam) = try svqb(op, w, cols: c, floor: pass == 0 ? 1e-20 * reference : 1e-2)
            w = out
            c = kept
            // Twice is enough (Kahan, Parlett): the second sweep's rounding is eps times
            // the column's own norm unless the first left a column near sqrt(eps) of
            // the original, so a second pass runs only below 1e-6 of the block's
            // largest norm. Measured at L = 14, k = 300: 18 of 96 blocks need it (62 with
            // a 1e-3 bound), and the Ritz vectors' orthogonality stays 3-4e-15.
            if pass == 0 && lam.allSatisfy({ $0 >= 1e-12 * reference }) { break }
            second = pass == 0 && c > 0
        }
        return (w, c, second)
    }

    /// Collective: `orthonormalize` for a batch of `samples` blocks of
    /// `width` columns (column-major, one block after the other) that enter
    /// the basis together, with V streamed three times per batch instead of
    /// two or three times per block: Gram-Schmidt twice for the whole batch
    /// against V; then each block in turn against the batch's kept columns
    /// (`orthonormalize`, the reference its own norm before any projection,
    /// so each SVQB sees one block, as without batching, not the batch's
    /// strongly overlapping samples); then, where a column kept less than
    /// 1e-6 (but more than 1e-10) of its norm against V or a block needed its second pass (the
    /// criterion of `orthonormalize`), Gram-Schmidt once more against V and
    /// SVQB, dropping below 1e-2. Returns the kept columns and how many
    /// each block kept before the last step.
    /// `w` is projected in place (its storage is the batch's workspace).
    static func orthonormalizeBatch<Op: FilterOperator>(_ op: Op, _ w: inout [Double], samples: Int, width: Int, basis: [Double], m: Int) throws
        -> (vectors: [Double], cols: Int, keptPerSample: [Int]) {
        if samples == 1 {
            let (v, c) = try orthonormalize(op, w, cols: width, basis: basis, m: m)
            return (v, c, [c])
        }
        let rows = op.ownedRows.count
        let norms0 = try columnNorms(op, w, cols: samples * width)
        for _ in 0..<2 { try project(op, &w, cols: samples * width, basis: basis, m: m) }
        let norms1 = try columnNorms(op, w, cols: samples * width)
        var clean = true
        var kept: [Double] = [], a = 0, perSample: [Int] = []
        kept.reserveCapacity(w.count)
        for s in 0..<samples {
            let columns = (s * width)..<((s + 1) * width)
            let reference = norms0[columns].max()!
            // Below 1e-20 a column is in the span and SVQB drops it (`orthonormalize`'s floor).
            if columns.contains(where: { norms1[$0] < 1e-12 * reference && norms1[$0] > 1e-20 * reference }) { clean = false }
            let block = Array(w[(s * width * rows)..<((s + 1) * width * rows)])
            let (v, c, second) = try orthonormalizeReporting(op, block, cols: width, basis: kept, m: a, reference: reference)
            if second { clean = false }
            kept.append(contentsOf: v)
            a += c
            perSample.append(c)
        }
        guard m > 0 && a > 0 && !clean else { return (kept, a, perSample) }
        try project(op, &kept, cols: a, basis: basis, m: m)
        let (v, c, _) = try svqb(op, kept, cols: a, floor: 1e-2)
        return (v, c, perSample)
    }

    /// The window of `count` consecutive indices of ascending `values` nearest `target`.
    static func nearestWindow(_ values: [Double], count: Int, target: Double) -> Range<Int> {
        var lo = 0, hi = values.count
        while hi - lo > count {
            if abs(values[lo] - target) > abs(values[hi - 1] - target) { lo += 1 } else { hi -= 1 }
        }
        return lo..<hi
    }

    /// Collective: the `settings.count` eigenpairs of `op` nearest `target`.
    /// `spectrum` must contain the whole spectrum (`extremes`); `density` is
    /// the density of states at the target (eigenvalues per unit energy),
    /// which fixes the degree. Fewer than `count` converged pairs within
    /// `maxIterations` blocks (or a basis that fills the space first) is a
    /// `PolynomialFilterError` naming `context`.
    public static func solve<Op: FilterOperator>(_ op: Op, target: Double, spectrum: (min: Double, max: Double), density: Double,
                                                 settings: PolynomialFilterSettings, context: String) throws -> Pairs {
        let k = settings.count, n = op.dimension, rows = op.ownedRows.count
        precondition(k >= 1 && k <= n && settings.blockSize >= 1)
        let center = 0.5 * (spectrum.max + spectrum.min)
        let a = max(0.5 * (spectrum.max - spectrum.min) * 1.01, 1e-12)
        let scale = max(abs(spectrum.min), abs(spectrum.max))
        let tolAbs = settings.tolerance * scale
        let K = settings.degree > 0 ? settings.degree
            : degree(halfWidth: a, density: density, count: k, factor: settings.degreeFactor)

        if settings.strategy == .dacp {
            return try solveDACP(op, target: target, center: center, halfWidth: a, scale: scale, density: density, settings: settings,
                                 context: context)
        }
        let mu = deltaCoefficients(at: (target - center) / a, degree: K)
        let space = RitzSpace(op, blockSize: settings.blockSize, reserve: 0)
        var products = 0
        var seedColumn = 0
        var lastBlock: [Double] = []  // column-major, the basis block to filter next
        var lastCols = 0
        var blocks = 0

        func randomColumns(_ c: Int) -> [Double] {
            defer { seedColumn += c }
            return startColumns(op, c, from: seedColumn)
        }

        for iteration in 1...max(1, settings.maxIterations) {
            let room = n - space.m
            if room == 0 { break }
            let nb = min(settings.blockSize, room)
            // The block to filter: a random start, then the newest basis block.
            var x: [Double]
            if lastCols == 0 {
                x = randomColumns(nb)
            } else {
                x = lastBlock
                if lastCols < nb { x.append(contentsOf: randomColumns(nb - lastCols)) }
            }
            let filtered = try filter(op, transpose(x, rows: rows, cols: nb), nb: nb, mu: mu, center: center, halfWidth: a)
            products += nb * K
            blocks = iteration
            var (w, c) = try orthonormalize(op, transpose(filtered, rows: nb, cols: rows), cols: nb, basis: space.basis, m: space.m)
            if c < nb && space.m + c < n {
                // The filtered block lost rank (the span is nearly exhausted near the target): fill with fresh directions.
                let fill = min(nb - c, n - space.m - c)
                var both = space.basis
                both.append(contentsOf: w)
                let extra = try orthonormalize(op, randomColumns(fill), cols: fill, basis: both, m: space.m + c)
                w.append(contentsOf: extra.vectors)
                c += extra.cols
            }
            if c == 0 { break }
            try space.append(w, cols: c)
            lastBlock = w
            lastCols = c

            let last = iteration == settings.maxIterations || space.m == n
            guard space.m >= k, iteration % settings.checkEvery == 0 || last else { continue }
            if let found = try space.nearest(count: k, target: target, scale: scale, tolerance: tolAbs, last: last) {
                return Pairs(found, iterations: iteration, degree: K, basisSize: space.m, products: products)
            }
        }
        let m = space.m
        throw PolynomialFilterError(
            message: "converged \(space.converged) of \(k) eigenpairs nearest \(target) (worst residual \(space.worst), tolerance \(tolAbs)) after "
                + "\(blocks) filtered blocks of \(settings.blockSize) (max_iterations \(settings.maxIterations)), "
                + "\(m) basis vectors, degree \(K), dimension \(n)",
            context: context)
    }
}
