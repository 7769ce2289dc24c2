import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An entanglement computation failed (typed, never a silent NaN).
public enum EntanglementError: Error, CustomStringConvertible, Equatable {
    /// tr rho_A = <psi|psi> differs from 1 by more than 1e-8.
    case notNormalized(trace: Double)
    /// The Gram eigensolver (dsyevd) failed with this info code.
    case eigensolver(info: Int32)
    case notFinite
    /// The kernel does not apply to these states (e.g. complex eigenvectors
    /// or a sector basis for the single-qubit kernel); the text says why.
    case unsupported(String)

    public var description: String {
        switch self {
        case .notNormalized(let t): return "state not normalized: tr rho_A = \(t)"
        case .eigensolver(let i): return "dsyevd on the Gram matrix failed, info = \(i)"
        case .notFinite: return "non-finite entanglement entropy"
        case .unsupported(let why): return why
        }
    }
}

/// A bipartition of `sites` spins into A (the set bits of `mask`) and B (the
/// rest). A full-basis index s splits into a = the bits of s on A, packed in
/// ascending site order, and b = the bits on B, packed likewise; the state
/// reshapes to the dimA x dimB matrix Psi[a, b] = psi[s].
public struct Bipartition: Sendable, Equatable {
    public let sites: Int
    /// Bit i set: site i belongs to A.
    public let mask: Int
    public let dimA: Int
    public let dimB: Int
    /// position[s] = a + dimA * b (column-major index in the reshaped matrix).
    public let position: [Int32]

    public init(sites: Int, mask: Int) {
        precondition(sites >= 1 && sites <= 30, "bipartition: 1...30 sites")
        let all = (1 << sites) - 1
        precondition(mask & ~all == 0, "mask has bits beyond the sites")
        self.sites = sites
        self.mask = mask
        let nA = mask.nonzeroBitCount
        dimA = 1 << nA
        dimB = 1 << (sites - nA)
        var pos = [Int32](repeating: 0, count: 1 << sites)
        for s in 0..<(1 << sites) {
            var a = 0, b = 0, ka = 0, kb = 0
            for i in 0..<sites {
                let bit = (s >> i) & 1
                if (mask >> i) & 1 == 1 { a |= bit << ka; ka += 1 } else { b |= bit << kb; kb += 1 }
            }
            pos[s] = Int32(a + dimA * b)
        }
        position = pos
    }

    /// A = sites 0..L/2-1, B = sites L/2..L-1 (the half-chain cut; for odd L
    /// A is the smaller half). Here position[s] = s.
    public static func halfChain(sites L: Int) -> Bipartition { Bipartition(sites: L, mask: (1 << (L / 2)) - 1) }

    /// A = the single site i (e.g. the last l-bit of S8).
    public static func site(_ i: Int, of L: Int) -> Bipartition { Bipartition(sites: L, mask: 1 << i) }
}

/// Reusable buffers for the von Neumann entropy S = -tr rho_A ln rho_A of
/// pure states across one bipartition (allocated once, reused for every
/// state; not thread-safe: one workspace per thread).
///
/// Method: reshape psi to Psi (dimA x dimB), form the Gram matrix G = Psi Psi^T
/// (or Psi^T Psi when dimA > dimB, the smaller one; both have the Schmidt
/// weights as eigenvalues) with one DGEMM, and its eigenvalues with DSYEVD
/// (no vectors). A complex Psi = P + iQ is handled in real arithmetic: the
/// real matrix R = [[P, -Q], [Q, P]] has R R^T = [[Re G, -Im G], [Im G, Re G]],
/// whose spectrum is that of the Hermitian G with each eigenvalue twice, so
/// S = -(1/2) sum lambda ln lambda over its eigenvalues.
/// Error control: the eigenvalues are accurate to ~1e-16 ||G|| absolutely;
/// negative round-off values are set to 0; the entropy error is below
/// ~dim 1e-15 ln(1e16) ~ 1e-12 for dim <= 2^8. tr G = <psi|psi> is checked
/// against 1 (tolerance 1e-8). Cost per state: 2 m^2 n flops for the
/// Gram matrix (m = min, n = max; 8x that for complex states) plus O(m^3)
/// for the eigenvalues: O(2^(3L/2)) at the half-chain cut.
public final class EntropyWorkspace {
    public let cut: Bipartition
    public let isComplex: Bool
    /// Reshaped state (R for complex states), column-major, rows x cols.
    var matrix: [Double]
    let rows: Int, cols: Int, g: Int
    var gram: [Double]
    var w: [Double]
    let eigen: SymmetricEigenvalueWorkspace
    /// Full-basis scratch (interleaved when complex), for unfolding sector states.
    var full: [Double]

    public init(cut: Bipartition, complex: Bool) throws {
        self.cut = cut
        isComplex = complex
        let f = complex ? 2 : 1
        rows = f * cut.dimA; cols = f * cut.dimB
        g = min(rows, cols)
        matrix = [Double](repeating: 0, count: rows * cols)
        gram = [Double](repeating: 0, count: g * g)
        w = [Double](repeating: 0, count: g)
        full = [Double](repeating: 0, count: (1 << cut.sites) * f)
        // LAPACK workspace: queried and allocated once.
        do { eigen = try SymmetricEigenvalueWorkspace(order: g) } catch { throw EntanglementError.eigensolver(info: error.info) }
    }

    /// Entropy of the full-basis state psi (2^sites amplitudes; interleaved
    /// (re, im) pairs when the workspace is complex).
    public func entropy(full psi: UnsafePointer<Double>) throws -> Double {
        let dA = cut.dimA, dB = cut.dimB, ld = rows
        matrix.withUnsafeMutableBufferPointer { m in
            cut.position.withUnsafeBufferPointer { pos in
                let count = 1 << cut.sites
                if isComplex {
                    for s in 0..<count {
                        let p = Int(pos[s]), a = p % dA, b = p / dA
                        let re = psi[2 * s], im = psi[2 * s + 1]
                        m[a + b * ld] = re
                        m[(a + dA) + b * ld] = im
                        m[a + (b + dB) * ld] = -im
                        m[(a + dA) + (b + dB) * ld] = re
                    }
                } else {
                    for s in 0..<count { m[Int(pos[s])] = psi[s] }
                }
            }
        }
        return try entropyOfMatrix()
    }

    /// Entropy of a complex state given as separate real and imaginary parts
    /// (2^sites each; the workspace must be complex).
    public func entropy(real re: UnsafePointer<Double>, imaginary im: UnsafePointer<Double>) throws -> Double {
        precondition(isComplex)
        let count = 1 << cut.sites
        full.withUnsafeMutableBufferPointer { f in
            for s in 0..<count { f[2 * s] = re[s]; f[2 * s + 1] = im[s] }
        }
        return try full.withUnsafeBufferPointer { try entropy(full: $0.baseAddress!) }
    }

    /// Entropy of sector state v of `h` (h.dimension entries of H.Element, as
    /// doubles), unfolded to the full basis first with forEachFullBasisComponent.
    public func entropy<H: SectorHamiltonian>(sectorState v: UnsafePointer<Double>, of h: H) throws -> Double {
        typealias E = H.Element
        precondition(E.isComplex == isComplex && h.sites == cut.sites)
        full.withUnsafeMutableBufferPointer { f in
            let base = f.baseAddress!
            for i in f.indices { f[i] = 0 }
            for k in 0..<h.dimension {
                let vk = E.load(v, entry: k)
                h.forEachFullBasisComponent(of: k) { s, a in E.accumulate(a * vk, into: base, entry: s) }
            }
        }
        return try full.withUnsafeBufferPointer { try entropy(full: $0.baseAddress!) }
    }

    /// Gram matrix, eigenvalues, entropy of the filled `matrix`.
    func entropyOfMatrix() throws -> Double {
        let r = rows, c = cols, n = g
        matrix.withUnsafeBufferPointer { m in
            gram.withUnsafeMutableBufferPointer { gp in
                if r <= c {
                    gemm(.none, .transpose, m: r, n: r, k: c, alpha: 1, a: m.baseAddress!, lda: r,
                         b: m.baseAddress!, ldb: r, beta: 0, c: gp.baseAddress!, ldc: r)
                } else {
                    gemm(.transpose, .none, m: c, n: c, k: r, alpha: 1, a: m.baseAddress!, lda: r,
                         b: m.baseAddress!, ldb: r, beta: 0, c: gp.baseAddress!, ldc: c)
                }
            }
        }
        let eigen = self.eigen
        var failure: LinearAlgebraError?
        gram.withUnsafeMutableBufferPointer { gp in
            w.withUnsafeMutableBufferPointer { wp in
                do throws(LinearAlgebraError) { try eigen.eigenvalues(gp.baseAddress!, into: wp.baseAddress!) } catch { failure = error }
            }
        }
        if let failure { throw EntanglementError.eigensolver(info: failure.info) }
        var s = 0.0, trace = 0.0
        for k in 0..<n {
            let l = w[k]
            trace += l
            if l > 0 { s -= l * log(l) }
        }
        let f = isComplex ? 0.5 : 1.0
        s *= f; trace *= f
        guard abs(trace - 1) < 1e-8 else { throw EntanglementError.notNormalized(trace: trace) }
        guard s.isFinite else { throw EntanglementError.notFinite }
        return max(0, s)
    }
}

/// Entanglement entropies of many states at once, serial or on a ScaLAPACK
/// group (docs/quench-entanglement.md).
///
/// Distributed blocks: the columns are brought whole to one rank each, in
/// batches. For a batch of `size * b` columns, rank q receives columns
/// [j0 + q b, j0 + (q+1) b): every rank packs its block-cyclic entries of
/// those columns into a D x b buffer (zeros elsewhere) and an MPI reduce (sum)
/// to q assembles them (each entry has one owner, so the sum is exact). Each
/// rank computes the entropies of its columns; a final allreduce of the
/// result vector (one nonzero contribution per entry) replicates it exactly.
/// Memory per rank: the local block plus 2 D b w doubles (w = 2 when complex,
/// D the rows), with b chosen so that D b w <= `batchDoubles` (default 2^22,
/// 32 MiB); plus the workspace (2^L full state and the reshaped matrix).
public enum Entanglement {
    /// Collective over `group` when distributed (nil for serial): the entropy
    /// of every eigenvector (column of `vectors`, sector states of `h`),
    /// unfolded to the full basis, across `cut`; replicated on every rank.
    public static func eigenstateEntropies<H: SectorHamiltonian>(_ vectors: DenseBlock, hamiltonian h: H, cut: Bipartition,
                                                                 group: Communicator?, batchDoubles: Int = 1 << 22) throws -> [Double] {
        precondition(vectors.rows == h.dimension && vectors.isComplex == H.Element.isComplex)
        let ws = try EntropyWorkspace(cut: cut, complex: vectors.isComplex)
        return try forEachColumn([vectors], group: group, batchDoubles: batchDoubles) { col in
            try ws.entropy(sectorState: col, of: h)
        }
    }

    /// Collective over `group` when distributed: the entropy of every column
    /// of full-basis states (2^sites rows): real states (`im` nil) or complex
    /// ones given as real and imaginary blocks of the same distribution, e.g.
    /// psi(t) from `QuenchKernels.evolve`. Replicated on every rank.
    public static func stateEntropies(real re: DenseBlock, imaginary im: DenseBlock?, cut: Bipartition,
                                      group: Communicator?, batchDoubles: Int = 1 << 22) throws -> [Double] {
        precondition(re.rows == 1 << cut.sites && !re.isComplex)
        let ws = try EntropyWorkspace(cut: cut, complex: im != nil)
        let d = re.rows
        if im != nil {
            return try forEachColumn([re, im!], group: group, batchDoubles: batchDoubles) { col in
                try ws.entropy(real: col, imaginary: col + d)
            }
        }
        return try forEachColumn([re], group: group, batchDoubles: batchDoubles) { col in try ws.entropy(full: col) }
    }

    /// Calls `body` with each column (the blocks' columns concatenated, each
    /// `rows * width` doubles) on exactly one rank, collects the returned
    /// values, and replicates them. Serial blocks: in place, no copy.
    static func forEachColumn(_ blocks: [DenseBlock], group: Communicator?, batchDoubles: Int,
                              _ body: (UnsafePointer<Double>) throws -> Double) throws -> [Double] {
        let first = blocks[0]
        let ncols = first.cols
        let colDoubles = blocks.reduce(0) { $0 + $1.rows * $1.width }
        var out = [Double](repeating: 0, count: ncols)
        if case .serial = first.storage {
            if blocks.count == 1, case .serial(let a) = first.storage {
                try a.withUnsafeBufferPointer { ap in
                    for j in 0..<ncols { out[j] = try body(ap.baseAddress! + j * colDoubles) }
                }
                return out
            }
            var col = [Double](repeating: 0, count: colDoubles)
            for j in 0..<ncols {
                var off = 0
                for blk in blocks {
                    guard case .serial(let a) = blk.storage else { preconditionFailure("serial and distributed blocks mixed") }
                    let len = blk.rows * blk.width
                    for i in 0..<len { col[off + i] = a[j * len + i] }
                    off += len
                }
                out[j] = try col.withUnsafeBufferPointer { try body($0.baseAddress!) }
            }
            return out
        }
        guard let group else { preconditionFailure("a distributed block needs its group") }
        let p = group.size, me = group.rank
        let b = max(1, min(ncols, batchDoubles / max(1, colDoubles)))
        var buffer = [Double](repeating: 0, count: colDoubles * b)
        var j0 = 0
        while j0 < ncols {
            for q in 0..<p {
                let start = j0 + q * b
                let count = max(0, min(b, ncols - start))
                if count == 0 { continue }  // same on every rank
                for i in buffer.indices { buffer[i] = 0 }
                var off = 0
                for blk in blocks {
                    guard case .distributed(let d) = blk.storage else { preconditionFailure("serial and distributed blocks mixed") }
                    let wdt = blk.width
                    for lc in 0..<d.localCols {
                        let j = d.globalCol(lc)
                        guard j >= start && j < start + count else { continue }
                        let base = (j - start) * colDoubles + off
                        for lr in 0..<d.localRows {
                            let row = d.globalRow(lr)
                            for c in 0..<wdt { buffer[base + row * wdt + c] = d.local[(lr + lc * d.lld) * wdt + c] }
                        }
                    }
                    off += blk.rows * wdt
                }
                try group.reduce(&buffer, .sum, root: q)
                if q == me {
                    try buffer.withUnsafeBufferPointer { bp in
                        for k in 0..<count { out[start + k] = try body(bp.baseAddress! + k * colDoubles) }
                    }
                }
            }
            j0 += p * b
        }
        return try group.allreduce(out, .sum)
    }
}
