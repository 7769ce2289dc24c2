import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport

/// The random-field XXZ and Heisenberg-O(3) chains and the complex Hermitian
/// eigensolver: hand-derived spectra, exact limits (free fermions, SU(2)
/// multiplets, decoupled spins) and level statistics.
final class ChainModelTests: XCTestCase {
    func realSpectrum<H: SectorHamiltonian>(_ h: H) throws -> [Double] where H.Element == Double {
        var m = DenseMatrix(rows: h.dimension, cols: h.dimension, storage: h.denseMatrix())
        return try SymmetricEigensolver.solve(&m)
    }

    func complexSpectrum(_ h: HeisenbergO3Chain) throws -> (values: [Double], vectors: [Complex]) {
        var a = h.denseMatrix()
        let e = try HermitianEigensolver.solve(&a, dimension: h.dimension)
        return (e, a)
    }

    func assertSameSpectrum(_ a: [Double], _ b: [Double], tol: Double = 1e-10, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let d = maxAbsDifference(a.sorted(), b.sorted())
        XCTAssertLessThanOrEqual(d, tol, "\(what): max difference \(d)", file: file, line: line)
    }

    func testFixedWeightBasisRanksAndSectorDimensionsSumTo2L() {
        for L in 2...12 {
            var total = 0
            for w in 0...L {
                let b = FixedWeightBasis(sites: L, weight: w)
                XCTAssertEqual(b.count, b.choose(L, w))
                XCTAssertEqual(b.states, (0..<(1 << L)).filter { $0.nonzeroBitCount == w }, "L \(L) weight \(w)")
                for (k, s) in b.states.enumerated() { XCTAssertEqual(b.rank(s), k) }
                total += b.count
            }
            XCTAssertEqual(total, 1 << L)
        }
    }

    /// Sector labels: 2 S^z_total = L - 2 (down spins); unset, the lowest |S^z|.
    func testXXZDownSpinsOfASector() {
        XCTAssertEqual(XXZChain.downSpins(L: 6, sz: nil), 3)
        XCTAssertEqual(XXZChain.downSpins(L: 5, sz: nil), 2)
        XCTAssertEqual(XXZChain.downSpins(L: 6, sz: 2), 2)
        XCTAssertEqual(XXZChain.downSpins(L: 4, sz: -4), 4)
        XCTAssertEqual(XXZChain.downSpins(L: 4, sz: 4), 0)
    }

    /// Two spins, open chain: H = S.S (Delta) + h0 S^z_0 + h1 S^z_1.
    /// Both up: Delta/4 + (h0 + h1)/2; both down: Delta/4 - (h0 + h1)/2.
    /// S^z = 0 block on (|ud>, |du>): [[-Delta/4 + (h0 - h1)/2, 1/2], [1/2, -Delta/4 - (h0 - h1)/2]]
    /// -> -Delta/4 +- sqrt(((h0 - h1)/2)^2 + 1/4).
    func testXXZTwoSitesHandDerived() throws {
        for (delta, h0, h1) in [(1.0, 0.0, 0.0), (0.4, 0.3, -0.8), (2.0, 1.1, 0.2)] {
            let f = [h0, h1]
            let up = try realSpectrum(XXZChain(L: 2, delta: delta, fields: f, downSpins: 0, boundary: .open))
            let dn = try realSpectrum(XXZChain(L: 2, delta: delta, fields: f, downSpins: 2, boundary: .open))
            let mid = try realSpectrum(XXZChain(L: 2, delta: delta, fields: f, downSpins: 1, boundary: .open))
            assertSameSpectrum(up, [delta / 4 + (h0 + h1) / 2], tol: 1e-14, "both up")
            assertSameSpectrum(dn, [delta / 4 - (h0 + h1) / 2], tol: 1e-14, "both down")
            let g = (((h0 - h1) / 2) * ((h0 - h1) / 2) + 0.25).squareRoot()
            assertSameSpectrum(mid, [-delta / 4 - g, -delta / 4 + g], "two-site S^z = 0 block")
        }
    }

    /// Three spins on a ring, Delta = 1, no field: S.S summed over the three
    /// bonds = (S_tot^2 - 9/4)/2: S = 3/2 gives 3/4 (4 states), the two S = 1/2
    /// doublets give -3/4. In the sector with one spin down: {3/4, -3/4, -3/4}.
    func testXXZThreeSiteRingHandDerived() throws {
        let e = try realSpectrum(XXZChain(L: 3, delta: 1, fields: [0, 0, 0], downSpins: 1))
        assertSameSpectrum(e, [-0.75, -0.75, 0.75], "three-site ring")
    }

    /// Delta = 0, no field, periodic: the XX chain is free fermions
    /// (Jordan-Wigner), H = (1/2) sum_i (c+_i c_i+1 + h.c.) with the boundary
    /// bond's sign (-1)^(N-1) for N fermions: single-particle energies cos k,
    /// k = 2 pi (m + phi)/L with phi = 0 (N odd) or 1/2 (N even). The sector
    /// spectrum is the set of sums over all N-subsets of the L momenta.
    func testXXChainIsFreeFermions() throws {
        let L = 8
        for n in 1...4 {
            let e = try realSpectrum(XXZChain(L: L, delta: 0, fields: [Double](repeating: 0, count: L), downSpins: n))
            let phi = n % 2 == 1 ? 0.0 : 0.5
            let eps = (0..<L).map { Foundation.cos(2 * Double.pi * (Double($0) + phi) / Double(L)) }
            var sums: [Double] = []
            for mask in 0..<(1 << L) where mask.nonzeroBitCount == n {
                var total: Double = 0
                for q in 0..<L where (mask >> q) & 1 == 1 { total += eps[q] }
                sums.append(total)
            }
            assertSameSpectrum(e, sums, tol: 1e-11, "XX chain, \(n) fermions")
        }
    }

    /// Without fields the Heisenberg chain is SU(2) symmetric: the full
    /// spectrum of (J/2) sum sigma.sigma equals 2J times the XXZ (Delta = 1)
    /// spectra summed over all S^z sectors, and every multiplet of spin S
    /// appears in each sector |S^z| <= S: the spectrum of S^z = m contains that
    /// of S^z = m + 1 (degeneracies 2S + 1).
    func testHeisenbergWithoutFieldHasSU2Multiplets() throws {
        let L = 6, J = 0.8
        let full = try complexSpectrum(HeisenbergO3Chain(L: L, J: J, W: 0, v: [Double](repeating: 0, count: 3 * L))).values
        var sectors: [[Double]] = []
        for down in 0...L {
            sectors.append(try realSpectrum(XXZChain(L: L, delta: 1, fields: [Double](repeating: 0, count: L), downSpins: down)).map { 2 * J * $0 })
        }
        assertSameSpectrum(full, sectors.flatMap { $0 }, "SU(2): full spectrum = union of S^z sectors")
        // S^z = m (down = L/2 - m) contains S^z = m + 1.
        for m in 0..<(L / 2) {
            var outer = sectors[L / 2 - m]
            for e in sectors[L / 2 - m - 1] {
                guard let i = outer.firstIndex(where: { abs($0 - e) < 1e-9 }) else {
                    return XCTFail("level \(e) of S^z = \(m + 1) missing from S^z = \(m)")
                }
                outer.remove(at: i)
            }
        }
        // Two sites by hand: singlet -3J/2, triplet +J/2 (open chain, one bond).
        let two = try complexSpectrum(HeisenbergO3Chain(L: 2, J: J, W: 0, v: [Double](repeating: 0, count: 6), boundary: .open)).values
        assertSameSpectrum(two, [-1.5 * J, 0.5 * J, 0.5 * J, 0.5 * J], "two-site Heisenberg")
    }

    /// J = 0: decoupled spins in fields (W/2) v_n . sigma_n, each with levels
    /// +-(W/2)|v_n|: the spectrum is every sum of signs (checks the complex
    /// sigma^y entries and the Hermitian solver), and eigenvectors are
    /// orthonormal with small residuals.
    func testO3FieldsWithoutCouplingHandDerived() throws {
        let L = 4, W = 1.7
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("test|o3"), realization: 0)
        let v = HeisenbergO3Chain.drawFields(L: L, rng: &rng)
        let h = HeisenbergO3Chain(L: L, J: 0, W: W, v: v)
        let (e, z) = try complexSpectrum(h)
        var norms: [Double] = []
        for q in 0..<L {
            let x: Double = v[3 * q], y: Double = v[3 * q + 1], zc: Double = v[3 * q + 2]
            norms.append(0.5 * W * (x * x + y * y + zc * zc).squareRoot())
        }
        var expected: [Double] = []
        for s in 0..<(1 << L) {
            var total: Double = 0
            for q in 0..<L { total += ((s >> q) & 1) == 0 ? norms[q] : -norms[q] }
            expected.append(total)
        }
        assertSameSpectrum(e, expected, tol: 1e-12, "decoupled spins")
        let n = h.dimension
        let overlap = HermitianEigensolver.adjointTimes(z, z, k: n, m: n, n: n)
        for i in 0..<n { for j in 0..<n { XCTAssertEqual(overlap[i + j * n].re, i == j ? 1 : 0, accuracy: 1e-12); XCTAssertEqual(overlap[i + j * n].im, 0, accuracy: 1e-12) } }
        let coupled = HeisenbergO3Chain(L: L, J: 1, W: W, v: v)
        let (e2, z2) = try complexSpectrum(coupled)
        for j in [0, n / 2, n - 1] {
            let col = Array(z2[(j * n)..<((j + 1) * n)])
            let hv = coupled.apply(col)
            let res = zip(hv, col).map { ($0 - $1.scaled(by: e2[j])).normSquared }.reduce(0, +).squareRoot()
            XCTAssertLessThan(res, 1e-12, "residual of eigenpair \(j)")
        }
    }

    func testO3MatrixIsHermitianAndMatrixFreeProductMatchesDense() {
        let L = 5
        var rng = CounterRNG(seed: 9, stream: StreamKey.make("test|o3"), realization: 1)
        let h = HeisenbergO3Chain(L: L, J: 1, W: 2.5, v: HeisenbergO3Chain.drawFields(L: L, rng: &rng))
        let n = h.dimension, a = h.denseMatrix()
        for i in 0..<n { for j in 0..<n { XCTAssertEqual(a[i + j * n], a[j + i * n].conjugate) } }
        let x = (0..<n).map { Complex(Foundation.sin(Double($0)), Foundation.cos(3 * Double($0))) }
        let y = h.apply(x)
        for i in 0..<n {
            var acc = Complex.zero
            for k in 0..<n { acc += a[i + k * n] * x[k] }
            XCTAssertLessThan((acc - y[i]).normSquared, 1e-24)
        }
    }

    /// The unfolded sector states of the parity sectors of S1 and of all S^z
    /// sectors of XXZ form an orthonormal basis of the full space.
    func testUnfoldedSectorBasesAreOrthonormal() {
        let L = 4
        var J = [Double](repeating: 0, count: L * L)
        for i in 0..<L { for j in 0..<L where i != j { J[i * L + j] = Double((i + 1) * (j + 1)) / 7 } }
        let model = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.3, J: J)
        var columns: [[Double]] = []
        for p in [1, -1] {
            let s = LRSGParitySector(model: model, parity: p)
            for k in 0..<s.dimension { var e = [Double](repeating: 0, count: s.dimension); e[k] = 1; columns.append(s.unfold(e)) }
        }
        XCTAssertEqual(columns.count, 1 << L)
        for a in columns.indices {
            for b in columns.indices {
                XCTAssertEqual(zip(columns[a], columns[b]).map { $0 * $1 }.reduce(0, +), a == b ? 1 : 0, accuracy: 1e-14)
            }
        }
        // The parity sector reproduces the model's own dense sector matrix.
        XCTAssertEqual(LRSGParitySector(model: model, parity: -1).denseMatrix(), model.sectorMatrix(parity: -1))
    }

    /// A one-site sigma^z by hand: the XXZ sector L = 2 with one down spin has
    /// the states s = 1 (site 0 down) and s = 2 (site 1 down); a parity sector
    /// of S1 pairs s with its flip, on which every Z_i averages to 0.
    func testPauliZDiagonal() {
        let xxz = XXZChain(L: 2, delta: 1, fields: [0, 0], downSpins: 1, boundary: .open)
        XCTAssertEqual(xxz.pauliZDiagonal(site: 0, scale: 0.5), [-0.5, 0.5])
        XCTAssertEqual(xxz.pauliZDiagonal(site: 1), [1, -1])
        let model = LongRangeSpinGlass(L: 3, alpha: 0.7, hx: 0.3, J: [Double](repeating: 1, count: 9))
        XCTAssertEqual(LRSGParitySector(model: model, parity: 1).pauliZDiagonal(site: 2), [0, 0, 0, 0])
    }

    /// Mean gap ratio over the middle half of each spectrum.
    func midR(_ e: [Double]) -> [Double] {
        let r = EigenstateObservables.gapRatios(e)
        return Array(r[(e.count / 4)..<(3 * e.count / 4)]).filter(\.isFinite)
    }

    /// XXZ at S^z = 0, L = 12: weak disorder is GOE-like, strong disorder Poisson.
    func testXXZLevelStatisticsLimits() throws {
        for (W, lo, hi) in [(0.5, 0.50, 0.56), (12.0, 0.35, 0.42)] {
            var all: [Double] = []
            for real in 0..<4 {
                var rng = CounterRNG(seed: 11, stream: StreamKey.make("test|xxz"), realization: real)
                all += midR(try realSpectrum(XXZChain(L: 12, fields: XXZChain.drawFields(L: 12, W: W, rng: &rng))))
            }
            let mean = all.reduce(0, +) / Double(all.count)
            XCTAssertTrue(mean > lo && mean < hi, "XXZ W = \(W): <r> = \(mean), expected in (\(lo), \(hi))")
        }
    }

    /// Heisenberg with O(3) fields, L = 10: no antiunitary symmetry is left,
    /// so weak disorder gives GUE (<r> ~ 0.5996) and strong disorder Poisson.
    func testO3LevelStatisticsLimits() throws {
        for (W, lo, hi) in [(1.0, 0.57, 0.63), (30.0, 0.35, 0.42)] {
            var all: [Double] = []
            for real in 0..<3 {
                var rng = CounterRNG(seed: 12, stream: StreamKey.make("test|o3"), realization: real)
                all += midR(try complexSpectrum(HeisenbergO3Chain(L: 10, W: W, v: HeisenbergO3Chain.drawFields(L: 10, rng: &rng))).values)
            }
            let mean = all.reduce(0, +) / Double(all.count)
            XCTAssertTrue(mean > lo && mean < hi, "O(3) W = \(W): <r> = \(mean), expected in (\(lo), \(hi))")
        }
    }
}
