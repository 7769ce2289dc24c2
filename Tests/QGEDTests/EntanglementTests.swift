import XCTest
import QGPhysics
import QGED
import QGLinearAlgebra
import QGNumerics
import QGTestSupport

/// S6: von Neumann entropies by the Gram-matrix method, serial path.
final class EntanglementTests: XCTestCase {
    /// Kronecker product of single-site states (site 0 = least significant bit),
    /// complex amplitudes interleaved.
    func productState(_ sites: [(Double, Double, Double, Double)]) -> [Double] {
        var psi: [Double] = [1, 0]
        for (k, q) in sites.enumerated() {
            let dim = 1 << k
            var next = [Double](repeating: 0, count: 4 * dim)
            for s in 0..<dim {
                let (re, im) = (psi[2 * s], psi[2 * s + 1])
                next[2 * s] = re * q.0 - im * q.1; next[2 * s + 1] = re * q.1 + im * q.0
                next[2 * (s + dim)] = re * q.2 - im * q.3; next[2 * (s + dim) + 1] = re * q.3 + im * q.2
            }
            psi = next
        }
        return psi
    }

    func randomQubit(_ rng: inout CounterRNG) -> (Double, Double, Double, Double) {
        let v = (0..<4).map { _ in rng.normal() }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return (v[0] / n, v[1] / n, v[2] / n, v[3] / n)
    }

    func entropy(_ psi: [Double], _ cut: Bipartition, complex: Bool = true) throws -> Double {
        let ws = try EntropyWorkspace(cut: cut, complex: complex)
        return try psi.withUnsafeBufferPointer { try ws.entropy(full: $0.baseAddress!) }
    }

    func testProductStateHasZeroEntropy() throws {
        var rng = CounterRNG(seed: 1, stream: StreamKey.make("entanglement-test"), realization: 0)
        let psi = productState((0..<8).map { _ in randomQubit(&rng) })
        XCTAssertEqual(try entropy(psi, .halfChain(sites: 8)), 0, accuracy: 1e-12)
        XCTAssertEqual(try entropy(psi, Bipartition(sites: 8, mask: 0b1010_0110)), 0, accuracy: 1e-12)
        // Real product state through the real path.
        let real = productState((0..<6).map { _ in let a = rng.normal(), b = rng.normal(), n = (a * a + b * b).squareRoot(); return (a / n, 0, b / n, 0) })
        let re = stride(from: 0, to: real.count, by: 2).map { real[$0] }
        XCTAssertEqual(try entropy(re, .halfChain(sites: 6), complex: false), 0, accuracy: 1e-12)
    }

    /// A singlet on sites (2, 3) across the cut of L = 6, the others in a
    /// random product state: S = ln 2; a second pair (1, 4) gives 2 ln 2; a
    /// mask that holds both ends of each pair gives 0.
    func testBellPairsAcrossTheCut() throws {
        var rng = CounterRNG(seed: 2, stream: StreamKey.make("entanglement-test"), realization: 0)
        let q = (0..<6).map { _ in randomQubit(&rng) }
        func state(pairs: [(Int, Int)]) -> [Double] {
            // Paired sites in (|01> - |10>)/sqrt 2 (phase i on the second term for a complex state).
            var psi = [Double](repeating: 0, count: 2 << 6)
            let r = 1 / 2.0.squareRoot()
            for s in 0..<64 {
                var amp = (1.0, 0.0), ok = true
                var paired = Set<Int>()
                for (a, b) in pairs {
                    paired.insert(a); paired.insert(b)
                    let ba = (s >> a) & 1, bb = (s >> b) & 1
                    if ba == bb { ok = false; break }
                    let f = ba == 0 ? (r, 0.0) : (0.0, -r)
                    amp = (amp.0 * f.0 - amp.1 * f.1, amp.0 * f.1 + amp.1 * f.0)
                }
                if !ok { continue }
                for i in 0..<6 where !paired.contains(i) {
                    let f = ((s >> i) & 1) == 0 ? (q[i].0, q[i].1) : (q[i].2, q[i].3)
                    amp = (amp.0 * f.0 - amp.1 * f.1, amp.0 * f.1 + amp.1 * f.0)
                }
                psi[2 * s] = amp.0; psi[2 * s + 1] = amp.1
            }
            return psi
        }
        let ln2 = log(2.0)
        XCTAssertEqual(try entropy(state(pairs: [(2, 3)]), .halfChain(sites: 6)), ln2, accuracy: 1e-12)
        XCTAssertEqual(try entropy(state(pairs: [(2, 3), (1, 4)]), .halfChain(sites: 6)), 2 * ln2, accuracy: 1e-12)
        XCTAssertEqual(try entropy(state(pairs: [(2, 3), (1, 4)]), Bipartition(sites: 6, mask: 0b011110)), 0, accuracy: 1e-12)
        XCTAssertEqual(try entropy(state(pairs: [(2, 3), (1, 4)]), .site(4, of: 6)), ln2, accuracy: 1e-12)
        XCTAssertEqual(try entropy(state(pairs: [(2, 3)]), .site(0, of: 6)), 0, accuracy: 1e-12)
    }

    /// Haar-random states (normalized complex Gaussian vectors) of L = 10:
    /// the mean half-chain entropy against the Page value for 32 x 32,
    /// S_Page = sum_{k=33}^{1024} 1/k - 31/64 = 2.9790..., and S_A = S_B for
    /// an uneven mask (the entropy does not depend on the side).
    func testRandomStatesMatchThePageValue() throws {
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("entanglement-test"), realization: 0)
        let page = pageEntropy(dimA: 32, dimB: 32)
        XCTAssertEqual(page, 5 * log(2.0) - 0.5, accuracy: 0.02, "Page's large-dimension form")
        let ws = try EntropyWorkspace(cut: .halfChain(sites: 10), complex: true)
        var mean = 0.0
        let samples = 20
        for _ in 0..<samples {
            var psi = (0..<2048).map { _ in rng.normal() }
            let n = psi.reduce(0) { $0 + $1 * $1 }.squareRoot()
            psi = psi.map { $0 / n }
            mean += try psi.withUnsafeBufferPointer { try ws.entropy(full: $0.baseAddress!) } / Double(samples)
            let mask = 0b1001101
            let a = try entropy(psi, Bipartition(sites: 10, mask: mask)), b = try entropy(psi, Bipartition(sites: 10, mask: 1023 ^ mask))
            XCTAssertEqual(a, b, accuracy: 1e-11)
        }
        // The standard deviation over Haar states is ~ 1/dim, far below the tolerance.
        XCTAssertEqual(mean, page, accuracy: 5e-3)
    }

    func testComplexPathAgreesWithRealPathAndIgnoresGlobalPhase() throws {
        var rng = CounterRNG(seed: 4, stream: StreamKey.make("entanglement-test"), realization: 0)
        var re = (0..<256).map { _ in rng.normal() }
        let n = re.reduce(0) { $0 + $1 * $1 }.squareRoot()
        re = re.map { $0 / n }
        let cut = Bipartition(sites: 8, mask: 0b1100_0101)
        let sReal = try entropy(re, cut, complex: false)
        let theta = 0.83
        var z = [Double](repeating: 0, count: 512)
        for s in 0..<256 { z[2 * s] = re[s] * cos(theta); z[2 * s + 1] = re[s] * sin(theta) }
        XCTAssertEqual(try entropy(z, cut), sReal, accuracy: 1e-12)
        XCTAssertGreaterThan(sReal, 0.5)
        // Not normalized: a typed error.
        XCTAssertThrowsError(try entropy(re.map { 2 * $0 }, cut, complex: false)) {
            guard case .notNormalized = $0 as? EntanglementError else { return XCTFail("\($0)") }
        }
    }

    /// Both parity sectors of the S1 model, unfolded to the full basis,
    /// form an orthonormal basis of the 2^L space; the sector entropies equal
    /// the entropies of the unfolded vectors; and deep in the glass (tiny h_x)
    /// every sector state is a cat with S = ln 2, while the symmetry-broken
    /// combinations (v+ +- v-)/sqrt 2 of the partners are product states.
    func testParitySectorsUnfoldToAnOrthonormalBasisAndCatsCarryLn2() throws {
        let L = 6
        var rng = CounterRNG(seed: 6, stream: StreamKey.make("entanglement-test"), realization: 0)
        let J = LongRangeSpinGlass.drawCouplings(L: L, rng: &rng)
        for hx in [0.5, 1e-4] {
            let model = LongRangeSpinGlass(L: L, alpha: 0.7, hx: hx, J: J)
            var full: [Double] = []
            var sectorVectors: [[[Double]]] = []
            var sectorEnergies: [[Double]] = []
            for parity in [1, -1] {
                let h = LRSGParitySector(model: model, parity: parity)
                let n = h.dimension
                var m = DenseMatrix(rows: n, cols: n, storage: h.denseMatrix())
                let e = try SymmetricEigensolver.solve(&m)
                let block = DenseBlock(rows: n, cols: n, isComplex: false, storage: .serial(m.storage))
                let s = try Entanglement.eigenstateEntropies(block, hamiltonian: h, cut: .halfChain(sites: L), group: nil)
                var vs: [[Double]] = []
                for j in 0..<n {
                    let v = Array(m.storage[(j * n)..<((j + 1) * n)])
                    let u = h.unfold(v)
                    full += u
                    vs.append(u)
                    XCTAssertEqual(s[j], try entropy(u, .halfChain(sites: L), complex: false), accuracy: 1e-12)
                    if hx < 1e-3 { XCTAssertEqual(s[j], log(2.0), accuracy: 1e-4, "cat state") }
                }
                sectorVectors.append(vs)
                sectorEnergies.append(e)
            }
            // U^T U = 1 over the 2^L unfolded vectors.
            let D = 1 << L
            var g = [Double](repeating: 0, count: D * D)
            full.withUnsafeBufferPointer { u in
                g.withUnsafeMutableBufferPointer { gp in
                    gemm(.transpose, .none, m: D, n: D, k: D, alpha: 1, a: u.baseAddress!, lda: D, b: u.baseAddress!, ldb: D,
                         beta: 0, c: gp.baseAddress!, ldc: D)
                }
            }
            var dev = 0.0
            for i in 0..<D { for j in 0..<D { dev = max(dev, abs(g[i + D * j] - (i == j ? 1 : 0))) } }
            XCTAssertLessThan(dev, 1e-12)
            if hx < 1e-3 {
                // Partners: same index in both sectors (the splitting is ~hx^L, far below the level spacing).
                for j in 0..<(D / 2) {
                    XCTAssertEqual(sectorEnergies[0][j], sectorEnergies[1][j], accuracy: 1e-6)
                    let a = sectorVectors[0][j], b = sectorVectors[1][j]
                    // Either relative sign gives one of the two product states |s> or |~s>.
                    let broken = zip(a, b).map { ($0 + $1) / 2.0.squareRoot() }
                    XCTAssertEqual(try entropy(broken, .halfChain(sites: L), complex: false), 0, accuracy: 1e-3)
                }
            }
        }
    }

    /// S(t) after a quench from a product state: 0 at t = 0, and the
    /// stateEntropies path (psi(t) = V M as two real blocks) agrees with the
    /// entropies of the same states through the interleaved complex path.
    func testEntropyAfterQuenchStartsAtZero() throws {
        var rng = CounterRNG(seed: 7, stream: StreamKey.make("entanglement-test"), realization: 0)
        let L = 6
        let model = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.6, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        // The full (no symmetry) model as a cluster: all sites, zero static fields.
        let c = ResonantCluster(chainSites: Array(0..<L), initialFields: [Double](repeating: 0, count: L),
                                z: [1, -1, -1, 1, 1, -1], staticFields: [Double](repeating: 0, count: L), couplings: model.K, hx: 0.6)
        let n = c.dimension
        var m = DenseMatrix(rows: n, cols: n, storage: c.denseMatrix())
        let e = try SymmetricEigensolver.solve(&m)
        let v = DenseBlock(rows: n, cols: n, isComplex: false, storage: .serial(m.storage))
        let cn = try QuenchKernels.overlaps(v, initialState: c.initialStateIndex, group: nil)
        let times = [0.0, 0.5, 5, 50]
        let (re, im) = try QuenchKernels.evolve(v, energies: e, overlaps: cn, times: times)
        let s = try Entanglement.stateEntropies(real: re, imaginary: im, cut: .halfChain(sites: L), group: nil)
        XCTAssertEqual(s[0], 0, accuracy: 1e-12)
        guard case .serial(let r) = re.storage, case .serial(let i) = im.storage else { return XCTFail() }
        for t in 1..<times.count {
            var z = [Double](repeating: 0, count: 2 * n)
            for k in 0..<n { z[2 * k] = r[k + n * t]; z[2 * k + 1] = i[k + n * t] }
            XCTAssertEqual(s[t], try entropy(z, .halfChain(sites: L)), accuracy: 1e-12)
            XCTAssertGreaterThan(s[t], 1e-3)
        }
    }
}
