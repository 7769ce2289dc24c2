import QGLinearAlgebra
import QGDistributedLinearAlgebra

/// The dense-ED cost and memory models the planner and the campaign's memory
/// check use for every dense-ED study (real symmetric and complex Hermitian
/// eigensolves with all eigenvectors, serial LAPACK or a ScaLAPACK group),
/// measured on the reference machine (docs/performance.md). Local, pure
/// functions; the mid-spectrum counterpart is `MidSpectrumPolicy`.
public enum DenseEDPolicy {
    /// Seconds per D^3 of one dense symmetric eigensolve with eigenvectors
    /// (dsyevd, one OpenBLAS thread), measured on the reference machine
    /// (docs/performance.md); observables and I/O add a few percent.
    public static let secondsPerCubedDimension = 1.3e-10
    /// Parallel efficiency assumed for ScaLAPACK groups of more than one rank.
    public static let scalapackEfficiency = 0.7
    /// The MRRR drivers (dsyevr/pdsyevr) relative to divide and conquer
    /// (dsyevd/pdsyevd), the planner's cost of the second real solver path.
    public static let mrrrRelativeCost = 1.15

    /// Core-seconds on a group of `g` ranks of a task that takes `serial` core-seconds on one rank.
    public static func onGroup(_ serial: Double, groupSize g: Int) -> Double {
        g == 1 ? serial : serial / scalapackEfficiency
    }

    /// Core-seconds of a dense eigensolve with eigenvectors at dimension `d`, `overhead` x the solve for checks and observables.
    public static func coreSeconds(dimension d: Double, overhead: Double, groupSize g: Int) -> Double {
        onGroup(secondsPerCubedDimension * d * d * d * overhead, groupSize: g)
    }

    /// Bytes per rank: `perEntry` D^2 doubles divided over the group, 12 D doubles per rank and 64 MiB.
    public static func bytesPerRank(dimension d: Double, perEntry: Double, groupSize g: Int) -> Int {
        Int(8 * (perEntry * d * d / Double(g) + 12 * d)) + 64 << 20
    }

    /// Doubles per rank of a real symmetric solve at dimension `d`: matrix
    /// and workspace, 3 D^2 for dsyevd and 2 D^2 + 30 D for dsyevr on one
    /// rank; on a group of g, 5 D^2 / g for pdsyevd and 3 D^2 / g for pdsyevr.
    public static func realSolverDoubles(dimension d: Double, lapack: LAPACKDriver, scalapack: ScaLAPACKDriver,
                                         groupSize g: Int) -> Double {
        if g == 1 { return lapack == .dsyevd ? 3 * d * d : 2 * d * d + 30 * d }
        return (scalapack == .pdsyevd ? 5 : 3) * d * d / Double(g)
    }

    /// D^2 doubles (before a group's division) of a complex Hermitian solve:
    /// matrix, zheevd work and rwork (about 6 D^2 doubles), or matrix and
    /// eigenvectors for zheevr on one rank (4 D^2); a group counts 6.
    public static func complexSolverEntries(_ driver: HermitianLAPACKDriver, groupSize g: Int) -> Double {
        g == 1 && driver == .zheevr ? 4.0 : 6.0
    }

    /// Seconds per D^3 of one complex Hermitian eigensolve with all
    /// eigenvectors on one rank and one OpenBLAS thread (Haswell kernel, the
    /// real constant's), per driver, measured on the reference machine
    /// (docs/performance.md, "The complex Hermitian path": an L = 12 O(3)
    /// task with matrix elements, D = 4096, load average about 5 on 2 cores).
    public static func complexSolveSecondsPerCubedDimension(_ driver: HermitianLAPACKDriver) -> Double {
        switch driver {
        case .zheevd: return 6.1e-10   // 41.8 s at D = 4096 (0.70 s at D = 1024: 6.5e-10)
        case .zheevr: return 7.0e-10   // 1.15x zheevd in the same run
        }
    }
    /// A ScaLAPACK group's solve relative to the zheevd constant (before the
    /// group's `scalapackEfficiency`), per driver: the default pzheevr is the
    /// reference (1), pzheevd took 133 s against pzheevr's 102 s for the same
    /// L = 12 O(3) realization on a group of 2 (issue 21 §5,
    /// docs/performance.md). The one-rank driver plays no part on a group.
    public static func complexGroupSolveRelativeCost(_ driver: HermitianScaLAPACKDriver) -> Double {
        switch driver {
        case .pzheevr: return 1.0
        case .pzheevd: return 133.0 / 102.0
        }
    }
    /// Seconds per D^3 of the S10b matrix-element step on a complex block
    /// (diag(V) U, the ZGEMM U^H (diag(V) U), the statistics pass), measured
    /// alongside (docs/performance.md).
    public static let complexMatrixElementSecondsPerCubedDimension = 2.2e-10   // 14.9 s at D = 4096

    /// Core-seconds of a complex Hermitian task at dimension `d` by the
    /// complex path's own measured constants (issue 21 §4.3: the old 4 x the
    /// real dsyevd constant was about 2x low): one rank solves with `lapack`,
    /// a group with `scalapack`; the matrix-element step when asked for;
    /// 1.05 x for checks and observables.
    public static func complexCoreSeconds(dimension d: Double, lapack: HermitianLAPACKDriver, scalapack: HermitianScaLAPACKDriver,
                                          matrixElements: Bool, groupSize g: Int) -> Double {
        let me = matrixElements ? complexMatrixElementSecondsPerCubedDimension : 0
        let solve = g == 1 ? complexSolveSecondsPerCubedDimension(lapack)
            : complexSolveSecondsPerCubedDimension(.zheevd) * complexGroupSolveRelativeCost(scalapack)
        return onGroup((solve + me) * d * d * d * 1.05, groupSize: g)
    }
}
