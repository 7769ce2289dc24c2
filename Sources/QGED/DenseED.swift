import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

/// How the dense solver runs (the `[campaign]` solver keys).
public struct DenseEDSettings: Sendable {
    public var lapackDriver: LAPACKDriver = .dsyevd
    public var scalapackDriver: ScaLAPACKDriver = .pdsyevd
    /// The complex Hermitian path's drivers (one rank; group).
    public var complexLapackDriver: HermitianLAPACKDriver = .measuredDefault
    public var complexScalapackDriver: HermitianScaLAPACKDriver = .measuredDefault
    /// ScaLAPACK block size (capped so that every rank of the grid owns blocks).
    public var blockSize = 64
    /// Eigenpairs checked per sector (residual and orthogonality), spread over the spectrum.
    public var checkEigenpairs = 4
    public init() {}
}

/// Eigenpair check failed beyond tolerance (a failure is an error, never a silent row).
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

/// One sector's spectrum and eigenvectors, as the dense solver leaves them:
/// eigenvalues replicated on every rank of the group, eigenvectors as a
/// `DenseBlock` (serial, or block-cyclic over the group).
public struct SectorSpectrum: Sendable {
    public var energies: [Double]
    public var vectors: DenseBlock
    public var residual: Double
    public var orthogonality: Double
    /// Wall seconds: Hamiltonian fill, eigensolver, eigenpair checks.
    public var seconds: (build: Double, solve: Double, check: Double) = (0, 0, 0)
}

/// The generic dense-ED layer: fills, diagonalizes and checks any
/// `SectorHamiltonian`, real symmetric (dsyevd/dsyevr, pdsyevd/pdsyevr) or
/// complex Hermitian (zheevd/zheevr, pzheevd/pzheevr), on one rank or on a ScaLAPACK group.
public enum DenseED {
    /// Collective over `group`: all eigenpairs of `h`. A group of one rank uses
    /// LAPACK; a larger group builds a BLACS grid over its ranks, used for the
    /// solve and for `body`, and released (by every rank together) after it.
    public static func withSpectrum<H: SectorHamiltonian, R>(
        _ h: H, group: Communicator, settings: DenseEDSettings, context: String,
        _ body: (inout SectorSpectrum) throws -> R
    ) throws -> R {
        if group.size == 1 {
            var s = try solveSerial(h, settings: settings, context: context)
            return try body(&s)
        }
        return try BlacsGrid.with(group) { grid in
            var s = try solveDistributed(h, grid: grid, group: group, settings: settings, context: context)
            return try body(&s)
        }
    }

    /// Indices of the checked eigenpairs: evenly spread over the spectrum.
    static func sampleIndices(_ n: Int, count: Int) -> [Int] {
        let k = min(count, n)
        if k == 0 { return [] }
        if k == 1 { return [n / 2] }
        return Array(Set((0..<k).map { ($0 * (n - 1)) / (k - 1) })).sorted()
    }

    /// Tolerances scaled with the spectral range and the dimension.
    static func tolerances(energies e: [Double]) -> (residual: Double, orthogonality: Double) {
        let scale = max(1.0, e.map(abs).max() ?? 1)
        let n = Double(e.count)
        return (1e-13 * scale * max(64, n), 1e-13 * max(64, n))
    }

    /// Local: max ||H v - E v|| and max |<v_a|v_b> - delta_ab| over the given
    /// eigenpairs (dense storage, interleaved when complex).
    static func check<H: SectorHamiltonian>(_ h: H, vectors: [[Double]], values: [Double]) -> (Double, Double) {
        typealias E = H.Element
        let vs = vectors.map { $0.entries(as: E.self) }
        var res = 0.0, orth = 0.0
        for (a, v) in vs.enumerated() {
            let hv = applyAdjointGather(h, v)
            let ea = E(real: values[a])
            var s = 0.0
            for i in v.indices { s += (hv[i] - ea * v[i]).normSquared }
            res = max(res, s.squareRoot())
            for b in a..<vs.count {
                var dot = E.zero
                for i in v.indices { dot = dot + v[i].conjugate * vs[b][i] }
                orth = max(orth, (dot - E(real: a == b ? 1 : 0)).magnitude)
            }
        }
        return (res, orth)
    }

    /// Local, matrix-free y = H x computed row by row from column entries:
    /// y_k = sum over the entries (row, v) of column k of conj(v) x_row (H is
    /// Hermitian, so column k conjugated is row k). The diagonal comes first.
    static func applyAdjointGather<H: SectorHamiltonian>(_ h: H, _ x: [H.Element]) -> [H.Element] {
        typealias E = H.Element
        var y = [E](repeating: .zero, count: h.dimension)
        for k in 0..<h.dimension {
            var acc = E.zero
            h.forEachEntry(column: k) { row, v in acc = acc + v.conjugate * x[row] }
            y[k] = acc
        }
        return y
    }

    static func verify(_ res: Double, _ orth: Double, energies: [Double], context: String) throws {
        let tol = tolerances(energies: energies)
        if res > tol.residual || orth > tol.orthogonality || !res.isFinite || !orth.isFinite {
            throw EigenpairCheckError(residual: res, orthogonality: orth, tolerance: tol, context: context)
        }
    }

    /// Local: LAPACK on one rank.
    static func solveSerial<H: SectorHamiltonian>(_ h: H, settings: DenseEDSettings, context: String) throws -> SectorSpectrum {
        typealias E = H.Element
        let n = h.dimension, w = E.width
        let t0 = now()
        var storage = [Double](repeating: 0, count: n * n * w)
        storage.withUnsafeMutableBufferPointer { ap in
            for k in 0..<n { h.forEachEntry(column: k) { row, v in E.accumulate(v, into: ap.baseAddress!, entry: row + k * n) } }
        }
        let t1 = now()
        let e: [Double]
        if E.isComplex {
            e = try HermitianEigensolver.solve(interleaved: &storage, dimension: n, driver: settings.complexLapackDriver)
        } else {
            var m = DenseMatrix(rows: n, cols: n, storage: storage)
            storage = []
            e = try SymmetricEigensolver.solve(&m, driver: settings.lapackDriver)
            storage = m.storage
        }
        let t2 = now()
        let samples = sampleIndices(n, count: settings.checkEigenpairs)
        let vectors = samples.map { j in Array(storage[(j * n * w)..<((j + 1) * n * w)]) }
        let (res, orth) = check(h, vectors: vectors, values: samples.map { e[$0] })
        try verify(res, orth, energies: e, context: context)
        return SectorSpectrum(energies: e, vectors: DenseBlock(rows: n, cols: n, isComplex: E.isComplex, storage: .serial(storage)),
                              residual: res, orthogonality: orth, seconds: (t1 - t0, t2 - t1, now() - t2))
    }

    /// Collective over `group`: ScaLAPACK on the group's BLACS grid.
    static func solveDistributed<H: SectorHamiltonian>(_ h: H, grid: BlacsGrid, group: Communicator, settings: DenseEDSettings,
                                                      context: String) throws -> SectorSpectrum {
        typealias E = H.Element
        let n = h.dimension
        let complex = E.isComplex
        let t0 = now()
        let nb = min(settings.blockSize, max(2, n / max(grid.nprow, grid.npcol)))
        var a = try DistributedMatrix(grid: grid, rows: n, cols: n, blockSize: nb, complex: complex)
        // Fill the local block-cyclic part: per owned column, visit its nonzeros.
        let lld = a.lld, lay = a.layout, localCols = a.localCols
        a.local.withUnsafeMutableBufferPointer { ap in
            for lc in 0..<localCols {
                let k = lay.globalCol(lc)
                h.forEachEntry(column: k) { row, v in
                    if let lr = lay.localRow(row) { E.accumulate(v, into: ap.baseAddress!, entry: lr + lc * lld) }
                }
            }
        }
        let t1 = now()
        let (e, z) = complex ? try DistributedEigensolver.solveHermitian(&a, driver: settings.complexScalapackDriver)
                             : try DistributedEigensolver.solve(&a, driver: settings.scalapackDriver)
        let t2 = now()
        a.local = []  // release the destroyed input before the checks and observables
        let samples = sampleIndices(n, count: settings.checkEigenpairs)
        let vectors = try samples.map { j in try z.column(j, comm: group) }
        let (res, orth) = check(h, vectors: vectors, values: samples.map { e[$0] })
        try verify(res, orth, energies: e, context: context)
        return SectorSpectrum(energies: e, vectors: DenseBlock(rows: n, cols: n, isComplex: complex, storage: .distributed(z)),
                              residual: res, orthogonality: orth, seconds: (t1 - t0, t2 - t1, now() - t2))
    }

    @inline(__always) static func now() -> Double { MPIEnvironment.wtime() }
}
