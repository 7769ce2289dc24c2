import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

/// Eigenstate observables computed from all eigenvectors at once with BLAS-3
/// (one GEMM, PDGEMM when the eigenvectors are distributed). Each observable
/// is written once here and serves the serial and the group path.
public enum EigenstateKernels {
    /// Collective over `group` when distributed: the expectation values
    /// <n|O_p|n> of `count` operators diagonal in the computational basis, for
    /// every eigenvector n, as the block C = |V|^2^T T with T[k, p] the value of
    /// O_p on sector basis state k (`table(k, p)`). Consumes the eigenvectors
    /// (they are squared in place). C is n x count, distributed like V.
    public static func diagonalExpectations(_ vectors: inout DenseBlock, count: Int, table: (Int, Int) -> Double) throws -> DenseBlock {
        try vectors.squareModuliInPlace()
        let t = try vectors.realBlock(rows: vectors.rows, cols: count, table)
        return try DenseBlock.transposeTimes(vectors, t)
    }

    /// Collective over `group` when distributed: the Edwards-Anderson order of
    /// every eigenstate, m_EA(n) = (1/L^2) sum_{i,j} <n|Z_i Z_j|n>^2
    /// = (L + 2 sum_{i<j} <Z_i Z_j>^2) / L^2. Z_i Z_j must be diagonal in the
    /// sector basis with value `h.diagonalValue(k, zz)`; consumes the eigenvectors.
    /// `group` may be nil when the eigenvectors are serial.
    public static func edwardsAnderson<H: SectorHamiltonian>(_ vectors: inout DenseBlock, hamiltonian h: H, group: Communicator?) throws -> [Double] {
        let L = h.sites
        let pairs = L * (L - 1) / 2
        if pairs == 0 { return [Double](repeating: 1, count: vectors.cols) }
        var pairList: [(Int, Int)] = []
        for i in 0..<L { for j in (i + 1)..<L { pairList.append((i, j)) } }
        let c = try diagonalExpectations(&vectors, count: pairs) { k, p in
            let (i, j) = pairList[p]
            return h.diagonalValue(of: k) { s in (((s >> i) ^ (s >> j)) & 1) == 0 ? 1 : -1 }
        }
        let L2 = Double(L * L)
        return try c.rowSumsOfSquares(group: group).map { (Double(L) + 2 * $0) / L2 }
    }
}
