import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics
import QGSLEPc

/// How the mid-spectrum solver runs (the `[lrsg]` mid-spectrum keys).
public struct MidSpectrumSettings: Sendable, Equatable {
    /// Eigenpairs per sector nearest the target.
    public var count: Int
    public var method: MidSpectrumMethod
    /// SLEPc's convergence tolerance (relative residual of the transformed problem).
    public var tolerance: Double = 1e-12
    /// Polynomial degree of the filter (0 = SLEPc's choice).
    public var filterDegree: Int = 0
    /// Krylov-Schur restarts allowed before the solve is an error.
    public var maxIterations: Int = 10_000
    public init(count: Int, method: MidSpectrumMethod) {
        self.count = count
        self.method = method
    }
}

/// A mid-spectrum method that is not SLEPc's (polfed, qglass's own solver:
/// `MidSpectrumED.polfed`) handed to the SLEPc path.
public struct MidSpectrumMethodError: Error, CustomStringConvertible, Sendable {
    public let method: MidSpectrumMethod
    public let context: String
    public var description: String {
        "\(method.rawValue) is qglass's own solver (PolynomialFilterED), not a SLEPc method [\(context)]"
    }
}

/// The generic mid-spectrum layer: k eigenpairs of a real symmetric sector
/// nearest a target energy, with SLEPc on a matrix distributed by rows over
/// the group, and the eigenstate observables from the local rows of the
/// eigenvectors with BLAS-3 (no rank holds a whole eigenvector).
public enum MidSpectrumED {
    /// One sector's eigenpairs near the target.
    public struct SectorPairs {
        /// Eigenvalues, ascending (every rank of the group).
        public var energies: [Double]
        /// Edwards-Anderson order of each pair (every rank of the group).
        public var mEA: [Double]
        public var residual: Double
        /// max |v_i . v_j - delta_ij| over the returned pairs.
        public var orthogonality: Double
        public var iterations: Int
        /// The filter's interval (nil for shift-invert).
        public var interval: (Double, Double)?
        public var seconds: (build: Double, solve: Double, observables: Double)
    }

    /// Collective over `group`: assembles `h` distributed by rows and runs `body` on it.
    public static func withMatrix<H: SectorHamiltonian, R>(_ h: H, group: Communicator,
                                                           _ body: (DistributedSparseMatrix) throws -> R) throws -> R where H.Element == Double {
        let width = h.sites + 2
        return try DistributedSparseMatrix.withMatrix(comm: group, dimension: h.dimension, maxEntriesPerRow: width, row: { k, cols, vals in
            // H is symmetric: the entries of row k are those of column k; repeated rows add.
            h.forEachEntry(column: k) { r, v in
                if let i = cols.firstIndex(of: Int32(r)) { vals[i] += v } else { cols.append(Int32(r)); vals.append(v) }
            }
        }, body)
    }

    /// Collective over the matrix's group: its lowest and highest eigenvalue.
    public static func extremes(of m: DistributedSparseMatrix) throws -> (min: Double, max: Double) {
        (try m.extremeEigenvalue(largest: false), try m.extremeEigenvalue(largest: true))
    }

    /// Collective over the matrix's group: the `settings.count` eigenpairs of
    /// `m`, the assembled `h` (`withMatrix`), nearest `target` and their
    /// Edwards-Anderson order. `spectrum` bounds the whole spectrum of `h`;
    /// `density` estimates the eigenvalues per unit energy of `h` at the
    /// target. Every failure (unconverged, too few pairs, residual or
    /// orthogonality beyond tolerance) is an error. `seconds.build` is 0: the
    /// caller assembled the matrix.
    public static func solve<H: SectorHamiltonian>(_ m: DistributedSparseMatrix, hamiltonian h: H, target: Double, spectrum: (Double, Double),
                                                  density: Double, settings: MidSpectrumSettings,
                                                  context: String) throws -> SectorPairs where H.Element == Double {
        precondition(m.dimension == h.dimension, "the matrix is not this Hamiltonian's")
        let t0 = MPIEnvironment.wtime()
        guard let method = settings.method.slepc else { throw MidSpectrumMethodError(method: settings.method, context: context) }
        let pairs: DistributedSparseMatrix.Eigenpairs
        do {
            pairs = try m.eigenpairsNear(target: target, count: settings.count, method: method, spectrum: spectrum,
                                         density: density, tolerance: settings.tolerance, filterDegree: settings.filterDegree,
                                         maxIterations: settings.maxIterations)
        } catch var e as SLEPcError {
            e.detail += " [\(context)]"
            throw e
        }
        let tSolved = MPIEnvironment.wtime()
        let rows = m.ownedRows.count, n = pairs.values.count
        let orthogonality = try Self.orthogonality(pairs.localVectors, rows: rows, count: n, group: m.comm)
        guard orthogonality <= 1e-8 else {
            throw EigenpairCheckError(residual: pairs.residualMax, orthogonality: orthogonality, tolerance: (1e-8, 1e-8), context: context)
        }
        var squares = pairs.localVectors
        for i in squares.indices { squares[i] *= squares[i] }
        let mEA = try edwardsAnderson(squares: squares, rows: m.ownedRows, count: n, hamiltonian: h, group: m.comm)
        return SectorPairs(energies: pairs.values, mEA: mEA, residual: pairs.residualMax, orthogonality: orthogonality,
                           iterations: pairs.iterations, interval: pairs.interval,
                           seconds: (0, tSolved - t0, MPIEnvironment.wtime() - tSolved))
    }

    /// Collective over `group`: the polynomial-filter eigenpairs (issue 24)
    /// of `op`, the operator of `h`. A distributed operator (`DistributedLRSGOperator`)
    /// leaves each rank its own rows of the eigenvectors; a serial one on a
    /// group of several ranks (every rank solving alone) is cut to the
    /// contiguous slice rank/size. Orthogonality and m_EA reduce over the
    /// slices as for the distributed SLEPc vectors. Every failure is an
    /// error (`PolynomialFilterError`, or `EigenpairCheckError` for
    /// orthogonality above 1e-8).
    public static func polfed<Op: FilterOperator, H: SectorHamiltonian>(_ op: Op, hamiltonian h: H, target: Double,
                                                                        spectrum: (min: Double, max: Double), density: Double,
                                                                        settings: PolynomialFilterSettings, group: Communicator,
                                                                        context: String) throws -> SectorPairs where H.Element == Double {
        precondition(op.dimension == h.dimension, "the operator is not this Hamiltonian's")
        let t0 = MPIEnvironment.wtime()
        let pairs = try PolynomialFilterED.solve(op, target: target, spectrum: spectrum, density: density, settings: settings, context: context)
        let tSolved = MPIEnvironment.wtime()
        let n = pairs.values.count, own = op.ownedRows.count
        let slice: Range<Int>
        var local: [Double]
        if op.ownedRows.count == op.dimension && group.size > 1 {
            // Replicated solve: this rank's share of the rows.
            let d = op.dimension
            slice = (d * group.rank / group.size)..<(d * (group.rank + 1) / group.size)
            local = [Double](repeating: 0, count: slice.count * n)
            for j in 0..<n { for r in slice { local[j * slice.count + r - slice.lowerBound] = pairs.localVectors[j * own + r] } }
        } else {
            slice = op.ownedRows
            local = pairs.localVectors
        }
        let orthogonality = try Self.orthogonality(local, rows: slice.count, count: n, group: group)
        guard orthogonality <= 1e-8 else {
            throw EigenpairCheckError(residual: pairs.residualMax, orthogonality: orthogonality, tolerance: (settings.tolerance, 1e-8), context: context)
        }
        for i in local.indices { local[i] *= local[i] }
        let mEA = try edwardsAnderson(squares: local, rows: slice, count: n, hamiltonian: h, group: group)
        return SectorPairs(energies: pairs.values, mEA: mEA, residual: pairs.residualMax, orthogonality: orthogonality,
                           iterations: pairs.iterations, interval: nil, seconds: (0, tSolved - t0, MPIEnvironment.wtime() - tSolved))
    }

    /// Collective: max |V^T V - I| for eigenvectors distributed by rows (one GEMM per rank, one allreduce).
    static func orthogonality(_ v: [Double], rows: Int, count n: Int, group: Communicator) throws -> Double {
        var g = [Double](repeating: 0, count: n * n)
        if rows > 0 {
            v.withUnsafeBufferPointer { vp in
                g.withUnsafeMutableBufferPointer { gp in
                    gemm(.transpose, .none, m: n, n: n, k: rows, alpha: 1, a: vp.baseAddress!, lda: rows, b: vp.baseAddress!, ldb: rows,
                         beta: 0, c: gp.baseAddress!, ldc: n)
                }
            }
        }
        g = try group.allreduce(g, .sum)
        var worst = 0.0
        for j in 0..<n { for i in 0..<n { worst = max(worst, abs(g[i + j * n] - (i == j ? 1 : 0))) } }
        return worst
    }

    /// Collective: m_EA(n) = (L + 2 sum_{i<j} <n|Z_i Z_j|n>^2) / L^2 from the
    /// squared local rows of the eigenvectors: C = |V|^2^T T, GEMM over row
    /// chunks of the pair table T[k, p] = <k|Z_i Z_j|k>, then one allreduce.
    static func edwardsAnderson<H: SectorHamiltonian>(squares: [Double], rows own: Range<Int>, count n: Int, hamiltonian h: H,
                                                      group: Communicator) throws -> [Double] {
        let L = h.sites
        var pairList: [(Int, Int)] = []
        for i in 0..<L { for j in (i + 1)..<L { pairList.append((i, j)) } }
        let pairs = pairList.count
        if pairs == 0 { return [Double](repeating: 1, count: n) }
        let rows = own.count
        var c = [Double](repeating: 0, count: n * pairs)
        let chunk = 4096
        var table = [Double](repeating: 0, count: min(chunk, max(rows, 1)) * pairs)
        var start = 0
        while start < rows {
            let m = min(chunk, rows - start)
            for p in 0..<pairs {
                let (i, j) = pairList[p]
                for r in 0..<m {
                    table[r + p * m] = h.diagonalValue(of: own.lowerBound + start + r) { s in (((s >> i) ^ (s >> j)) & 1) == 0 ? 1 : -1 }
                }
            }
            squares.withUnsafeBufferPointer { sp in
                table.withUnsafeBufferPointer { tp in
                    c.withUnsafeMutableBufferPointer { cp in
                        gemm(.transpose, .none, m: n, n: pairs, k: m, alpha: 1, a: sp.baseAddress! + start, lda: rows,
                             b: tp.baseAddress!, ldb: m, beta: 1, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            start += m
        }
        c = try group.allreduce(c, .sum)
        let L2 = Double(L * L)
        return (0..<n).map { k in
            var s = 0.0
            for p in 0..<pairs { s += c[k + p * n] * c[k + p * n] }
            return (Double(L) + 2 * s) / L2
        }
    }
}
