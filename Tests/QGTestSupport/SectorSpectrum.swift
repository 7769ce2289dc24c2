import QGLinearAlgebra
import QGPhysics

extension LongRangeSpinGlass {
    /// All eigenpairs of one parity sector by dense LAPACK, for tests that need
    /// an independent reference: eigenvalues ascending, eigenvectors as the
    /// columns of `vectors`.
    public func denseSectorSpectrum(parity: Int) throws -> (values: [Double], vectors: DenseMatrix) {
        let n = sectorDimension
        var h = DenseMatrix(rows: n, cols: n)
        h.storage = sectorMatrix(parity: parity)
        let e = try SymmetricEigensolver.solve(&h)
        return (e, h)
    }
}
