import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport

/// S8: the De Roeck-Huveneers central-grain Hamiltonian and the last l-bit's
/// eigenstate entropy in its limits.
final class DRHModelTests: XCTestCase {
    /// Kronecker product a (x) b of square matrices, column-major; b acts on the low bits.
    func kron(_ a: [Double], _ na: Int, _ b: [Double], _ nb: Int) -> [Double] {
        let n = na * nb
        var out = [Double](repeating: 0, count: n * n)
        for ia in 0..<na { for ja in 0..<na { for ib in 0..<nb { for jb in 0..<nb {
            out[(ia * nb + ib) + n * (ja * nb + jb)] = a[ia + na * ja] * b[ib + nb * jb]
        } } } }
        return out
    }

    func identity(_ n: Int) -> [Double] { (0..<(n * n)).map { $0 % (n + 1) == 0 ? 1 : 0 } }

    func drawn(N: Int, realization: Int = 0) -> ([Double], [Double]) {
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("drh-test"), realization: realization)
        return DeRoeckHuveneersModel.drawDisorder(N: N, rng: &rng)
    }

    /// N = 1: H = H_g (x) 1 + h (sigma^z_1) + J (sigma^x_g sigma^x_1 + sigma^y_g sigma^y_1), sigma_g on grain qubit 0,
    /// built from Kronecker products (l-bit = the high bit, grain qubits 2, 1, 0 below it).
    func testSingleLbitHamiltonianByHand() {
        let (g, f) = drawn(N: 1)
        let J = 0.37
        let m = DeRoeckHuveneersModel(grain: g, fields: f, couplings: [J])
        XCTAssertEqual(m.dimension, 16)
        XCTAssertEqual(m.sites, 4)
        let sz: [Double] = [1, 0, 0, -1], sx: [Double] = [0, 1, 1, 0]
        // sigma^y sigma^y is real: sigma^y (x) sigma^y = [[0,0,0,-1],[0,0,1,0],[0,1,0,0],[-1,0,0,0]].
        var h = kron(identity(2), 2, g, 8)
        let zl = kron(sz, 2, identity(8), 8)
        let xx = kron(sx, 2, kron(identity(4), 4, sx, 2), 8)
        // sigma^y_l sigma^y_g = -(sigma^+ - sigma^-)_l (sigma^+ - sigma^-)_g: entries from (i sigma^y) = [[0,1],[-1,0]].
        let isy: [Double] = [0, -1, 1, 0]  // column-major [[0, 1], [-1, 0]]
        let yyNeg = kron(isy, 2, kron(identity(4), 4, isy, 2), 8)  // (i sy)(x)(i sy) = - sy (x) sy
        for k in h.indices { h[k] += f[0] * zl[k] + J * (xx[k] - yyNeg[k]) }
        let built = m.denseMatrix()
        for k in h.indices { XCTAssertEqual(built[k], h[k], accuracy: 1e-14, "entry \(k % 16), \(k / 16)") }
        // Flip-flop: amplitude 2J between |g0 = down, l = up> (s = 1) and |g0 = up, l = down> (s = 8); parallel pairs uncoupled.
        XCTAssertEqual(built[8 + 16 * 1], 2 * J, accuracy: 1e-15)
        XCTAssertEqual(built[1 + 16 * 8], 2 * J, accuracy: 1e-15)
        XCTAssertEqual(built[9 + 16 * 0], 0)
    }

    /// N = 1 under the other couplings, from Kronecker products as above:
    /// `xx` adds J sigma^x_g sigma^x_1, `random` adds J O (x) sigma^x_1 with O the drawn grain operator.
    func testSingleLbitOtherCouplingsByHand() {
        let (g, f) = drawn(N: 1)
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("drh-test-ops"), realization: 0)
        let ops = DeRoeckHuveneersModel.drawGrainOperators(N: 1, rng: &rng)
        let J = 0.37
        let sz: [Double] = [1, 0, 0, -1], sx: [Double] = [0, 1, 1, 0]
        var base = kron(identity(2), 2, g, 8)
        let zl = kron(sz, 2, identity(8), 8)
        for k in base.indices { base[k] += f[0] * zl[k] }
        let xx = kron(sx, 2, kron(identity(4), 4, sx, 2), 8), ox = kron(sx, 2, ops, 8)
        for (coupling, V, operators) in [(DRHCoupling.xx, xx, [Double]()), (.random, ox, ops)] {
            let built = DeRoeckHuveneersModel(grain: g, fields: f, couplings: [J], coupling: coupling, grainOperators: operators).denseMatrix()
            for k in base.indices {
                XCTAssertEqual(built[k], base[k] + J * V[k], accuracy: 1e-14, "\(coupling) entry \(k % 16), \(k / 16)")
            }
        }
        // xx couples the parallel pair |g0 = up, l = up> (s = 0) <-> |g0 = down, l = down> (s = 9) with J, flip-flop does not.
        let xxBuilt = DeRoeckHuveneersModel(grain: g, fields: f, couplings: [J], coupling: .xx).denseMatrix()
        XCTAssertEqual(xxBuilt[9 + 16 * 0], J, accuracy: 1e-15)
        XCTAssertEqual(xxBuilt[8 + 16 * 1], J, accuracy: 1e-15)
    }

    /// The random coupling's operators: GOE, symmetric, tr(O_n^2)/8 = 1, a fresh one per
    /// l-bit, drawn after the grain and fields so that those are the same under every coupling.
    func testGrainOperatorsFollowTheDisorderInItsStream() {
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("drh-test"), realization: 2)
        let (g, f) = DeRoeckHuveneersModel.drawDisorder(N: 4, rng: &rng)
        let ops = DeRoeckHuveneersModel.drawGrainOperators(N: 4, rng: &rng)
        let (g0, f0) = drawn(N: 4, realization: 2)
        XCTAssertEqual(g, g0)
        XCTAssertEqual(f, f0)
        XCTAssertEqual(ops.count, 4 * 64)
        for n in 0..<4 {
            let o = Array(ops[(64 * n)..<(64 * n + 64)])
            XCTAssertEqual(DeRoeckHuveneersModel.grainRMS(o), 1, accuracy: 1e-14)
            for i in 0..<8 { for j in 0..<8 { XCTAssertEqual(o[i + 8 * j], o[j + 8 * i]) } }
            if n > 0 { XCTAssertNotEqual(o, Array(ops[(64 * n - 64)..<(64 * n)])) }
        }
    }

    func testGrainIsGOEScaledToRMS() {
        for r in 0..<5 {
            let (g, f) = drawn(N: 7, realization: r)
            XCTAssertEqual(DeRoeckHuveneersModel.grainRMS(g), 1.5, accuracy: 1e-13)
            for i in 0..<8 { for j in 0..<8 { XCTAssertEqual(g[i + 8 * j], g[j + 8 * i]) } }
            // RMS eigenvalue from the spectrum.
            var mtx = DenseMatrix(rows: 8, cols: 8, storage: g)
            let e = try! SymmetricEigensolver.solve(&mtx)
            XCTAssertEqual((e.map { $0 * $0 }.reduce(0, +) / 8).squareRoot(), 1.5, accuracy: 1e-12)
            XCTAssertEqual(f.count, 7)
            for x in f { XCTAssertTrue(x >= 0.9 && x <= 1.1) }
        }
    }

    func testCouplingsDecay() {
        XCTAssertEqual(DeRoeckHuveneersModel.couplings(N: 4, J1: 0.41, a: 0.5), [0.41, 0.205, 0.1025, 0.05125])
        XCTAssertEqual(DeRoeckHuveneersModel.couplings(N: 3, J1: 0.41, a: 0), [0.41, 0, 0])
    }

    /// Three grain qubits and N l-bits: 8, 16, 8192 states for N = 0, 1, 10.
    func testDimension() {
        XCTAssertEqual(DeRoeckHuveneersModel.dimension(lbits: 0), 8)
        XCTAssertEqual(DeRoeckHuveneersModel.dimension(lbits: 1), 16)
        XCTAssertEqual(DeRoeckHuveneersModel.dimension(lbits: 10), 8192)
    }

    /// The mean-field [S_end](a; N) of the S8 reduction is the last entry of
    /// the solved DRH chain's entropy profile, 0 for an uncoupled end l-bit
    /// (a = 0), and its g_10 fit recovers the g_10 that made the data.
    func testMeanFieldEndEntropyAndItsFit() throws {
        typealias MF = AvalancheMeanField
        let table = try AvalancheMeanFieldTests.table()
        for (N, a) in [(2, 0.5), (4, MF.aCritical), (5, 0.9)] {
            let chain = try MF.solveChain(logBare: MF.drhLogBare(N: N, a: a, g10: 0.8), table: table)
            let profile = try MF.entropyProfile(chain, distribution: table.distribution)
            XCTAssertEqual(try MF.endEntropy(N: N, a: a, g10: 0.8, table: table), profile[N - 1], accuracy: 1e-14)
        }
        XCTAssertEqual(try MF.endEntropy(N: 3, a: 0, g10: 0.8, table: table), 0)
        let sizes = [2, 3, 4]
        let measured = try sizes.map { try MF.endEntropy(N: $0, a: MF.aCritical, g10: 0.8, table: table) }
        let fit = try MF.fitEndEntropy(N: sizes, a: MF.aCritical, entropy: measured, error: [0.01, 0.01, 0.01], table: table)
        XCTAssertEqual(fit.g10, 0.8, accuracy: 1e-5)
        XCTAssertLessThan(fit.chi2, 1e-8)
        // A NaN measurement is left out of chi^2.
        let partial = try MF.fitEndEntropy(N: sizes + [5], a: MF.aCritical, entropy: measured + [.nan], error: [0.01, 0.01, 0.01, 0.01], table: table)
        XCTAssertEqual(partial.g10, fit.g10)
    }
}
