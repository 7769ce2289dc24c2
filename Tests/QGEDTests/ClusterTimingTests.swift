import XCTest
import Foundation
import QGPhysics
import QGED
import QGLinearAlgebra

/// Wall time of one S5 cluster on one rank (fill, dsyevd, quench kernels,
/// entropies), skipped unless QG_TIMING is set: `QG_TIMING=12 swift test
/// [-c release] --filter ClusterTimingTests`.
final class ClusterTimingTests: XCTestCase {
    func testTimeOneCluster() throws {
        guard let v = ProcessInfo.processInfo.environment["QG_TIMING"], let ls = Int(v) else { throw XCTSkip("set QG_TIMING=<L_s>") }
        func now() -> Double { Date().timeIntervalSinceReferenceDate }
        var rng = CounterRNG(seed: 1, stream: StreamKey.make("cluster-timing"), realization: 0)
        let L = 1000
        var t = now()
        let chain = ClassicalChain(L: L, alpha: 0.7, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        let (z, phi, _) = SingleFlipStable.prepare(chain, kind: .sfs, order: .greedy, rng: &rng)
        let tChain = now() - t
        t = now()
        let c = ResonantCluster(chain: chain, state: z, fields: phi, size: ls, hx: 0.05)
        let n = c.dimension
        var m = DenseMatrix(rows: n, cols: n, storage: c.denseMatrix())
        let tFill = now() - t
        t = now()
        let e = try SymmetricEigensolver.solve(&m)
        let tSolve = now() - t
        var vectors = DenseBlock(rows: n, cols: n, isComplex: false, storage: .serial(m.storage))
        m.storage = []
        t = now()
        let ent = try Entanglement.eigenstateEntropies(vectors, hamiltonian: c, cut: .halfChain(sites: ls), group: nil)
        let tEnt = now() - t
        t = now()
        let r = try QuenchKernels.clusterQuench(energies: e, vectors: &vectors, cluster: c, group: nil)
        let tQuench = now() - t
        print(String(format: "cluster L=%d Ls=%d D=%d threads=%d: chain+SFS %.2fs, fill %.3fs, dsyevd %.2fs, quench (%d times) %.2fs [trace %.2f, DE %.2f], entropies %.2fs",
                     L, ls, n, BLASThreads.current, tChain, tFill, tSolve, r.times.count, tQuench, r.seconds.trace, r.seconds.diagonal, tEnt))
        print("remnant z_I<Z_I>:", r.remnant.map { String(format: "%.3f", $0) }.joined(separator: " "), " mean S:", ent.reduce(0, +) / Double(n))
        XCTAssertTrue(r.remnant.allSatisfy { $0 >= -1 - 1e-9 && $0 <= 1 + 1e-9 })
    }
}
