import QGMPI
import QGLinearAlgebra
import QGPhysics

/// Eigenpair check failed beyond tolerance (recorded per realization; a failure is an error).
public struct EigenpairCheckError: Error, CustomStringConvertible {
    public let residual: Double
    public let orthogonality: Double
    public let tolerance: (residual: Double, orthogonality: Double)
    public let context: String
    public var description: String {
        "eigenpair check failed [\(context)]: max ||Hv - Ev|| = \(residual) (tol \(tolerance.residual)), "
            + "max |v_i.v_j - delta_ij| = \(orthogonality) (tol \(tolerance.orthogonality))"
    }
}

/// One parity sector's spectrum and eigenstate observables.
public struct SectorSolution: Sendable {
    public var energies: [Double]
    public var mEA: [Double]
    public var residual: Double
    public var orthogonality: Double
    /// Wall seconds of the stages: Hamiltonian build, eigensolver, checks + observables.
    public var seconds: (build: Double, solve: Double, observables: Double) = (0, 0, 0)
}

@inline(__always) func now() -> Double { MPIEnvironment.wtime() }

/// Diagonalizes one parity sector of the S1 model, serially (LAPACK, group of
/// one rank) or distributed (ScaLAPACK on a BLACS grid over the group), and
/// computes m_EA for all eigenstates with one GEMM (PDGEMM when distributed).
/// The serial and distributed paths are side by side so tests can compare them.
struct SectorSolver {
    let model: LongRangeSpinGlass
    let settings: CampaignSettings
    let checkEigenpairs: Int

    /// Indices of the eigenpairs checked: evenly spread over the spectrum.
    func sampleIndices(_ n: Int) -> [Int] {
        let k = min(checkEigenpairs, n)
        if k == 0 { return [] }
        if k == 1 { return [n / 2] }
        return Array(Set((0..<k).map { ($0 * (n - 1)) / (k - 1) })).sorted()
    }

    /// Tolerances scaled with the spectral range and dimension.
    func tolerances(energies e: [Double]) -> (residual: Double, orthogonality: Double) {
        let scale = max(1.0, e.map(abs).max() ?? 1)
        let n = Double(e.count)
        return (1e-13 * scale * max(64, n), 1e-13 * max(64, n))
    }

    /// Collective over `group`.
    func solve(parity: Int, group: Communicator) throws -> SectorSolution {
        let diag = model.diagonal()
        if group.size == 1 {
            return try solveSerial(parity: parity, diag: diag)
        }
        return try BlacsGrid.with(group) { grid in try solveDistributed(parity: parity, diag: diag, grid: grid, group: group) }
    }

    func check(vectors: [[Double]], values: [Double], parity: Int, diag: [Double]) -> (Double, Double) {
        var res = 0.0, orth = 0.0
        for (a, v) in vectors.enumerated() {
            let hv = model.apply(parity: parity, diagonal: diag, to: v)
            var s = 0.0
            for i in v.indices { let d = hv[i] - values[a] * v[i]; s += d * d }
            res = max(res, s.squareRoot())
            for b in a..<vectors.count {
                var dot = 0.0
                for i in v.indices { dot += v[i] * vectors[b][i] }
                orth = max(orth, abs(dot - (a == b ? 1 : 0)))
            }
        }
        return (res, orth)
    }

    func verify(_ res: Double, _ orth: Double, energies: [Double], parity: Int) throws {
        let tol = tolerances(energies: energies)
        if res > tol.residual || orth > tol.orthogonality || !res.isFinite || !orth.isFinite {
            throw EigenpairCheckError(residual: res, orthogonality: orth, tolerance: tol,
                                      context: "L=\(model.L) alpha=\(model.alpha) hx=\(model.hx) sector \(parity)")
        }
    }

    func solveSerial(parity: Int, diag: [Double]) throws -> SectorSolution {
        let n = model.sectorDimension
        let t0 = now()
        var h = DenseMatrix(rows: n, cols: n, storage: model.sectorMatrix(parity: parity, diagonal: diag))
        let t1 = now()
        let e = try SymmetricEigensolver.solve(&h, driver: settings.lapackDriver)
        let t2 = now()
        let samples = sampleIndices(n)
        let vectors = samples.map { j in Array(h.storage[(j * n)..<((j + 1) * n)]) }
        let (res, orth) = check(vectors: vectors, values: samples.map { e[$0] }, parity: parity, diag: diag)
        try verify(res, orth, energies: e, parity: parity)
        let m = EigenstateObservables.edwardsAnderson(squaringInPlace: &h.storage, dimension: n, L: model.L)
        return SectorSolution(energies: e, mEA: m, residual: res, orthogonality: orth, seconds: (t1 - t0, t2 - t1, now() - t2))
    }

    func solveDistributed(parity: Int, diag: [Double], grid: BlacsGrid, group: Communicator) throws -> SectorSolution {
        let n = model.sectorDimension
        let t0 = now()
        let nb = min(settings.blockSize, max(2, n / max(grid.nprow, grid.npcol)))
        var a = try DistributedMatrix(grid: grid, rows: n, cols: n, blockSize: nb)
        // Fill the local block-cyclic part: per owned column, visit its L nonzeros.
        let lld = a.lld, lay = a.layout, localCols = a.localCols
        a.local.withUnsafeMutableBufferPointer { ap in
            for lc in 0..<localCols {
                let k = lay.globalCol(lc)
                if let lr = lay.localRow(k) { ap[lr + lc * lld] += diag[k] }
                model.forEachOffDiagonal(column: k, parity: parity) { row, v in
                    if let lr = lay.localRow(row) { ap[lr + lc * lld] += v }
                }
            }
        }
        let t1 = now()
        let (e, z0) = try DistributedEigensolver.solve(&a, driver: settings.scalapackDriver)
        var z = z0
        let t2 = now()
        a.local = []  // release the destroyed input before the observables
        let samples = sampleIndices(n)
        let vectors = try samples.map { j in try z.column(j, comm: group) }
        let (res, orth) = check(vectors: vectors, values: samples.map { e[$0] }, parity: parity, diag: diag)
        try verify(res, orth, energies: e, parity: parity)

        // m_EA: W = Z∘Z in place, C = W^T T with T the distributed +-1 pair table.
        let pairs = model.L * (model.L - 1) / 2
        var mEA = [Double](repeating: 1, count: n)
        if pairs > 0 {
            for i in z.local.indices { z.local[i] *= z.local[i] }
            var t = try DistributedMatrix(grid: grid, rows: n, cols: pairs, blockSize: nb)
            let localRowsGlobal = (0..<t.localRows).map { t.globalRow($0) }
            let fullTable = EigenstateObservables.pairTable(L: model.L, rows: localRowsGlobal)
            for lc in 0..<t.localCols {
                let p = t.globalCol(lc)
                for lr in 0..<t.localRows { t.local[lr + lc * t.lld] = fullTable[lr + p * t.localRows] }
            }
            var c = try DistributedMatrix(grid: grid, rows: n, cols: pairs, blockSize: nb)
            DistributedEigensolver.gemm(.transpose, .none, alpha: 1, z, t, beta: 0, &c)
            var partial = [Double](repeating: 0, count: n)
            let local = EigenstateObservables.sumSquaresPerRow(c.local, rows: c.localRows, cols: c.localCols, ld: c.lld)
            for lr in 0..<c.localRows { partial[c.globalRow(lr)] = local[lr] }
            let total = try group.allreduce(partial, .sum)
            let L2 = Double(model.L * model.L)
            mEA = total.map { (Double(model.L) + 2 * $0) / L2 }
        }
        return SectorSolution(energies: e, mEA: mEA, residual: res, orthogonality: orth, seconds: (t1 - t0, t2 - t1, now() - t2))
    }
}
