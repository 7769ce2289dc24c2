import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DenseBlock {
    /// Collective over `group` when distributed (nil for a serial block): the
    /// real block W = V o (X V), W[k, n] = V[k, n] V[k xor mask, n], where X
    /// flips the bits of `mask` in the row index (the rows are 2^sites
    /// computational basis states; `mask` a single bit below `rows`). Same
    /// distribution as V; V is not modified.
    ///
    /// Serial: one pass over the columns. Distributed: rows k and k xor mask
    /// lie in the same global columns, hence on ranks of one process column.
    /// With one process row (groups of up to 3 ranks) both rows are local;
    /// otherwise each process column brings the flipped rows together in
    /// batches of local columns: every rank writes its entries V[k, j] at row
    /// k xor mask of a rows x b buffer (zeros elsewhere) and one allreduce
    /// (sum) over the process column gives (X V)[:, j] whole (each entry has
    /// one owner, so the sum is exact). Memory per rank: W plus rows * b
    /// doubles, rows * b <= `batchDoubles`.
    public func timesFlippedRows(mask: Int, group: Communicator?, batchDoubles: Int = 1 << 22) throws -> DenseBlock {
        precondition(!isComplex, "timesFlippedRows needs a real block")
        precondition(mask > 0 && mask.nonzeroBitCount == 1 && rows % (2 * mask) == 0, "mask must be one bit below the row count")
        switch storage {
        case .serial(let a):
            var w = [Double](repeating: 0, count: max(1, rows * cols))
            let m = rows
            a.withUnsafeBufferPointer { ap in
                w.withUnsafeMutableBufferPointer { wp in
                    for j in 0..<cols {
                        let o = j * m
                        for k in 0..<m { wp[o + k] = ap[o + k] * ap[o + (k ^ mask)] }
                    }
                }
            }
            return DenseBlock(rows: rows, cols: cols, isComplex: false, storage: .serial(w))
        case .distributed(let d):
            guard let group else { preconditionFailure("a distributed block needs its group") }
            var out = try DistributedMatrix(grid: d.grid, rows: d.rows, cols: d.cols, blockSize: d.nb)
            let lay = d.layout, lr = d.localRows, lc = d.localCols, lld = d.lld, m = rows
            let global = (0..<lr).map { lay.globalRow($0) }
            if d.grid.nprow == 1 {
                let partner = global.map { lay.localRow($0 ^ mask)! }
                d.local.withUnsafeBufferPointer { ap in
                    out.local.withUnsafeMutableBufferPointer { wp in
                        for j in 0..<lc {
                            let o = j * lld
                            for l in 0..<lr { wp[o + l] = ap[o + l] * ap[o + partner[l]] }
                        }
                    }
                }
            } else {
                // Every rank of a process column has the same local columns,
                // so the batches below run in lockstep within the column.
                try group.withSplit(color: d.grid.mycol, key: d.grid.myrow) { column in
                    let b = max(1, min(lc, batchDoubles / max(1, m)))
                    var c0 = 0
                    while c0 < lc {
                        let n = min(b, lc - c0)
                        var buffer = [Double](repeating: 0, count: m * n)
                        for c in 0..<n {
                            let o = (c0 + c) * lld
                            for l in 0..<lr { buffer[(global[l] ^ mask) + c * m] = d.local[o + l] }
                        }
                        let flipped = try column.allreduce(buffer, .sum)
                        for c in 0..<n {
                            let o = (c0 + c) * lld
                            for l in 0..<lr { out.local[o + l] = d.local[o + l] * flipped[global[l] + c * m] }
                        }
                        c0 += n
                    }
                }
            }
            return DenseBlock(rows: rows, cols: cols, isComplex: false, storage: .distributed(out))
        }
    }

    /// Collective over `group` when distributed: the whole (small) block,
    /// column-major, on every rank; a serial block needs no group.
    func replicated(group: Communicator?) throws -> [Double] {
        if case .serial(let a) = storage { return a }
        guard let group else { preconditionFailure("a distributed block needs its group") }
        return try gathered(group: group)
    }
}

extension Entanglement {
    /// Collective over `group` when distributed (nil for serial): the
    /// entanglement entropy of the single qubit `qubit` (A = that site, B =
    /// the rest) in every column of `vectors`, real states in the 2^sites
    /// computational basis (row k = basis state k); replicated on every rank.
    /// Consumes `vectors` (squared in place).
    ///
    /// The reduced density matrix of one qubit of a real state psi is
    /// rho = (1 + <X> sigma^x + <Z> sigma^z)/2 (<Y> = 0 for real psi), with
    /// Bloch length r = sqrt(<X>^2 + <Z>^2) and eigenvalues (1 +- r)/2. For all
    /// columns n at once, with BLAS-3 and no per-state loop:
    ///   <Z>_n and <psi_n|psi_n>: one GEMM |V|^2^T T, T[k] = (z_k, 1)
    ///     (`EigenstateKernels.diagonalExpectations`);
    ///   <X>_n = sum_k V[k, n] V[k xor 2^q, n]: one GEMM W^T 1 with
    ///     W = V o (X_q V) (`DenseBlock.timesFlippedRows`).
    /// Both are DGEMM serially and PDGEMM on a group. The norm is checked
    /// against 1 (tolerance 1e-8, `EntanglementError.notNormalized`).
    /// S = -p ln p - (1 - p) ln(1 - p) with p = (1 - r)/2, r clamped to
    /// [0, 1] and ln(1 - p) as log1p(-p), so that S -> 0 smoothly as r -> 1;
    /// the error is ~1e-16 |ln p| absolute, as for the Gram eigenvalues of
    /// the general kernel. Complex vectors are refused
    /// (`EntanglementError.unsupported`).
    public static func singleQubitEntropies(_ vectors: inout DenseBlock, qubit: Int, group: Communicator?) throws -> [Double] {
        guard !vectors.isComplex else {
            throw EntanglementError.unsupported("single-qubit entropy kernel: complex eigenvectors are not supported (<Y> != 0); use eigenstateEntropies")
        }
        let mask = 1 << qubit
        precondition(qubit >= 0 && vectors.rows.nonzeroBitCount == 1 && mask < vectors.rows, "qubit \(qubit) outside the 2^sites rows")
        let n = vectors.cols
        let x: [Double]
        do {
            let w = try vectors.timesFlippedRows(mask: mask, group: group)
            let ones = try w.realBlock(rows: w.rows, cols: 1) { _, _ in 1 }
            x = try DenseBlock.transposeTimes(w, ones).replicated(group: group)
        }
        let zn = try EigenstateKernels.diagonalExpectations(&vectors, count: 2) { k, p in
            p == 1 ? 1 : ((k & mask) == 0 ? 1 : -1)
        }.replicated(group: group)
        var s = [Double](repeating: 0, count: n)
        for j in 0..<n {
            let norm = zn[n + j]
            guard abs(norm - 1) < 1e-8 else { throw EntanglementError.notNormalized(trace: norm) }
            let v = blochEntropy(x: x[j], z: zn[j])
            guard v.isFinite else { throw EntanglementError.notFinite }
            s[j] = v
        }
        return s
    }

    /// Generic front end of `singleQubitEntropies` for the eigenvectors of `h`:
    /// refuses (typed) a complex element type or a sector basis that is not
    /// the computational basis itself (basis state k = |k>, dimension 2^sites).
    public static func eigenstateQubitEntropies<H: SectorHamiltonian>(_ vectors: inout DenseBlock, hamiltonian h: H, qubit: Int,
                                                                     group: Communicator?) throws -> [Double] {
        guard !H.Element.isComplex else {
            throw EntanglementError.unsupported("single-qubit entropy kernel: complex Hamiltonians are not supported; use eigenstateEntropies")
        }
        var identity = h.dimension == 1 << h.sites
        if identity {
            for k in 0..<h.dimension {
                var count = 0
                h.forEachFullBasisComponent(of: k) { s, a in
                    count += 1
                    if s != k || a != H.Element(real: 1) { identity = false }
                }
                if count != 1 { identity = false }
                if !identity { break }
            }
        }
        guard identity else {
            throw EntanglementError.unsupported("single-qubit entropy kernel: the sector basis must be the computational basis (no symmetry sector); use eigenstateEntropies")
        }
        precondition(vectors.rows == h.dimension)
        return try singleQubitEntropies(&vectors, qubit: qubit, group: group)
    }

    /// Entropy of a qubit with Bloch vector (x, 0, z): the binary entropy of
    /// p = (1 - r)/2, r = sqrt(x^2 + z^2) clamped to [0, 1].
    public static func blochEntropy(x: Double, z: Double) -> Double {
        let r = min(1, (x * x + z * z).squareRoot())
        let p = max(0, 0.5 * (1 - r))
        guard p > 0 else { return 0 }
        return -p * log(p) - (1 - p) * log1p(-p)
    }
}
