import QGMPI

/// PETSc/SLEPc's lifetime in this process. PETSc is initialized on first use
/// with PETSC_COMM_WORLD = MPI_COMM_SELF, so initialization is local: ranks of
/// different ED groups never wait for each other, and every PETSc object lives
/// on the communicator it is created on (a group). qglass's signal handlers
/// are kept (PETSc's are not installed).
public enum SLEPcRuntime {
    nonisolated(unsafe) static var initialized = false

    /// Local: initializes PETSc and SLEPc once (after MPI_Init).
    public static func ensureInitialized() throws(SLEPcError) {
        if initialized { return }
        try raw_initialize()
        initialized = true
    }

    /// Local: finalizes PETSc and SLEPc if this process initialized them. Call
    /// once, after every PETSc object is destroyed and before MPI_Finalize.
    public static func finalizeIfInitialized() throws(SLEPcError) {
        guard initialized else { return }
        try raw_finalize()
        initialized = false
    }

    /// Local: "SLEPc Release Version 3.18.2, ..." (no initialization needed).
    public static var version: String { raw_version() }
}

/// The SLEPc spectral transform of a mid-spectrum solve (QGED's
/// `MidSpectrumMethod` picks one, or its own matrix-free filter).
public enum SLEPcSpectralMethod: Sendable {
    /// Krylov-Schur on (H - sigma)^-1, factorized once by MUMPS (LDL^T).
    case shiftInvert
    /// Krylov-Schur on a polynomial filter p(H) that maps an interval around
    /// the target to the top of the spectrum (SLEPc's STFILTER); only
    /// matrix-vector products with H, no factorization.
    case filter
}

/// A real symmetric sparse matrix distributed by contiguous row blocks over a
/// communicator (PETSc MPIAIJ), with SLEPc eigensolvers on it.
public struct DistributedSparseMatrix {
    let mat: RawMat
    /// The communicator the matrix lives on (an ED group).
    public let comm: Communicator
    public let dimension: Int
    /// The rows (and vector entries) this rank owns.
    public let ownedRows: Range<Int>

    /// Collective over `comm`: assembles the matrix, calling `row(r, &columns,
    /// &values)` for each locally owned row r (columns in any order, each at
    /// most once; at most `maxEntriesPerRow`), runs `body`, and destroys the
    /// matrix on all ranks together when the scope ends.
    public static func withMatrix<R>(comm: Communicator, dimension: Int, maxEntriesPerRow: Int,
                                     row: (Int, inout [Int32], inout [Double]) -> Void,
                                     _ body: (DistributedSparseMatrix) throws -> R) throws -> R {
        try SLEPcRuntime.ensureInitialized()
        // Preallocation: up to maxEntriesPerRow in the diagonal block and in the off-diagonal block.
        let a = try raw_matCreateAIJ(comm, dimension: dimension, diagonalPerRow: min(maxEntriesPerRow, dimension),
                                     offDiagonalPerRow: min(maxEntriesPerRow, dimension))
        var assembled: DistributedSparseMatrix?
        do {
            let own = try raw_matOwnership(a)
            var cols: [Int32] = [], vals: [Double] = []
            cols.reserveCapacity(maxEntriesPerRow); vals.reserveCapacity(maxEntriesPerRow)
            for r in own {
                cols.removeAll(keepingCapacity: true); vals.removeAll(keepingCapacity: true)
                row(r, &cols, &vals)
                precondition(cols.count == vals.count && cols.count <= maxEntriesPerRow, "row \(r): \(cols.count) entries")
                try cols.withUnsafeBufferPointer { c in
                    try vals.withUnsafeBufferPointer { v in
                        try raw_matSetRow(a, row: r, columns: c.baseAddress!, values: v.baseAddress!, count: c.count)
                    }
                }
            }
            try raw_matAssemble(a)
            assembled = DistributedSparseMatrix(mat: a, comm: comm, dimension: dimension, ownedRows: own)
        } catch {
            try? raw_matDestroy(a)
            throw error
        }
        let result: R
        do { result = try body(assembled!) } catch { try? raw_matDestroy(a); throw error }
        try raw_matDestroy(a)
        return result
    }

    /// Eigenpairs of the matrix: values ascending, and the locally owned rows
    /// of the eigenvectors (column-major, `ownedRows.count` x `values.count`).
    public struct Eigenpairs {
        public var values: [Double]
        public var localVectors: [Double]
        /// max_i ||H v_i - E_i v_i||_2 as SLEPc computes it.
        public var residualMax: Double
        /// Eigenpairs SLEPc converged (>= values.count).
        public var converged: Int
        public var iterations: Int
        /// For the filter: the interval searched (widened until it held enough).
        public var interval: (Double, Double)?
    }

    /// Collective over `comm`: the lowest (or highest) eigenvalue, Krylov-Schur.
    /// An unconverged solve is an error.
    public func extremeEigenvalue(largest: Bool, tolerance: Double = 1e-12, maxIterations: Int = 10_000) throws -> Double {
        let e = try raw_epsCreate(comm, mat)
        defer { try? raw_epsDestroy(e) }
        try raw_epsConfigure(e, .extreme(largest: largest), nev: 1, ncv: nil,
                             tolerance: tolerance, maxIterations: maxIterations)
        let s = try raw_epsSolve(e)
        guard s.converged >= 1, s.reason > 0 else {
            throw SLEPcError(routine: "EPSSolve", code: -1,
                             detail: "the \(largest ? "largest" : "smallest") eigenvalue did not converge (reason \(s.reason), \(s.iterations) iterations)")
        }
        return try raw_epsEigenpair(e, 0, vector: nil)
    }

    /// Collective over `comm`: the `count` eigenpairs nearest `target`, values
    /// ascending. `spectrum` bounds the whole spectrum (the filter needs it);
    /// `density` estimates eigenvalues per unit energy at the target (the
    /// filter's first interval holds about 1.5 `count`; it is widened until it
    /// holds at least `count`). A solve that converges fewer than `count`
    /// pairs, stops for any reason other than convergence, or returns a
    /// residual above `residualLimit`, is an error.
    public func eigenpairsNear(target: Double, count: Int, method: SLEPcSpectralMethod, spectrum: (Double, Double),
                               density: Double, tolerance: Double = 1e-12, filterDegree: Int = 0,
                               residualLimit: Double = 1e-8, maxIterations: Int = 10_000) throws -> Eigenpairs {
        precondition(count >= 1 && count <= dimension)
        switch method {
        case .shiftInvert:
            return try solve(.shiftInvert(target: target), nev: count, keep: count, target: target,
                             tolerance: tolerance, residualLimit: residualLimit, maxIterations: maxIterations)
        case .filter:
            var half = 0.75 * Double(count) / max(density, 1e-300)
            for _ in 0..<8 {
                let lo = max(spectrum.0, target - half), hi = min(spectrum.1, target + half)
                let expected = Int((density * (hi - lo)).rounded(.up))
                let nev = min(dimension, max(count, expected) * 2 + 10)
                let t = RawSpectralTransform.filter(interval: (lo, hi), range: spectrum, degree: filterDegree)
                var got = try solve(t, nev: nev, keep: nil, target: target, tolerance: tolerance, residualLimit: residualLimit,
                                    maxIterations: maxIterations)
                if got.values.count >= count || (lo <= spectrum.0 && hi >= spectrum.1) {
                    got = got.nearest(count, to: target, rows: ownedRows.count)
                    got.interval = (lo, hi)
                    guard got.values.count == count else {
                        throw SLEPcError(routine: "EPSSolve", code: -1, detail: "the filter found \(got.values.count) of \(count) eigenpairs in the whole spectrum")
                    }
                    return got
                }
                half *= 1.6 * Double(count) / Double(max(1, got.values.count))
            }
            throw SLEPcError(routine: "EPSSolve", code: -1, detail: "the filter interval around \(target) held fewer than \(count) eigenpairs after 8 widenings")
        }
    }

    func solve(_ t: RawSpectralTransform, nev: Int, keep: Int?, target: Double, tolerance: Double, residualLimit: Double,
               maxIterations: Int) throws -> Eigenpairs {
        let e = try raw_epsCreate(comm, mat)
        defer { try? raw_epsDestroy(e) }
        try raw_epsConfigure(e, t, nev: nev, ncv: nil, tolerance: tolerance, maxIterations: maxIterations)
        let s = try raw_epsSolve(e)
        guard s.reason > 0 else {
            throw SLEPcError(routine: "EPSSolve", code: -1,
                             detail: "not converged (reason \(s.reason)) after \(s.iterations) iterations: \(s.converged) of \(keep ?? nev) pairs")
        }
        if let keep, s.converged < keep {
            throw SLEPcError(routine: "EPSSolve", code: -1, detail: "converged \(s.converged) of \(keep) requested eigenpairs")
        }
        let n = keep.map { min($0, s.converged) } ?? s.converged
        let rows = ownedRows.count
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: rows * n)
        var residual = 0.0
        let v = try raw_matCreateVec(mat)
        defer { try? raw_vecDestroy(v) }
        try vectors.withUnsafeMutableBufferPointer { vp in
            for i in 0..<n {
                values[i] = try raw_epsEigenpair(e, i, vector: v)
                try raw_vecCopyLocal(v, into: vp.baseAddress! + i * rows, count: rows)
                residual = max(residual, try raw_epsResidual(e, i))
            }
        }
        guard residual <= residualLimit else {
            throw SLEPcError(routine: "EPSComputeError", code: -1, detail: "eigenpair residual \(residual) exceeds \(residualLimit)")
        }
        // Ascending order of the values (SLEPc orders by distance to the target).
        let order = values.indices.sorted { values[$0] < values[$1] }
        var sortedVectors = [Double](repeating: 0, count: rows * n)
        for (j, i) in order.enumerated() {
            for r in 0..<rows { sortedVectors[j * rows + r] = vectors[i * rows + r] }
        }
        return Eigenpairs(values: order.map { values[$0] }, localVectors: sortedVectors, residualMax: residual,
                          converged: s.converged, iterations: s.iterations, interval: nil)
    }
}

extension DistributedSparseMatrix.Eigenpairs {
    /// The `count` pairs nearest `target` (values ascending stay ascending: a
    /// contiguous run of the sorted values).
    func nearest(_ count: Int, to target: Double, rows: Int) -> Self {
        guard values.count > count else { return self }
        var lo = 0, hi = values.count  // window [lo, hi)
        while hi - lo > count {
            if abs(values[lo] - target) > abs(values[hi - 1] - target) { lo += 1 } else { hi -= 1 }
        }
        var out = self
        out.values = Array(values[lo..<hi])
        out.localVectors = Array(localVectors[(lo * rows)..<(hi * rows)])
        return out
    }
}
