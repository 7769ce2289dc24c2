// qglass-mpi-selftest: exercises the MPI, BLACS/ScaLAPACK and parallel-HDF5
// wrappers under mpirun. Run by Tests/QGMPITests/WrapperTests.swift with 1, 2,
// 3 and 4 ranks (4: a 2 x 2 BLACS grid); every rank checks its own results, rank 0 prints "selftest ok".
import Foundation
import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGHDF5
import QGPhysics
import QGED

func check(_ cond: Bool, _ what: String, rank: Int) {
    if !cond {
        FileHandle.standardError.write(Data("rank \(rank): FAILED \(what)\n".utf8))
        MPIEnvironment.abort(code: 3)
    }
}

func maxDiff(_ a: [Double], _ b: [Double]) -> Double {
    a.count == b.count ? zip(a, b).reduce(0.0) { max($0, abs($1.0 - $1.1)) } : .infinity
}

let status: Int32 = try MPIEnvironment.run { world in
    let r = world.rank, n = world.size
    // Collectives.
    check(try world.allreduce(Double(r + 1), .sum) == Double(n * (n + 1) / 2), "allreduce sum", rank: r)
    check(try world.allreduce(Int64(r), .max) == Int64(n - 1), "allreduce max", rank: r)
    var v = [Double(r), 1]
    try world.reduce(&v, .sum, root: 0)
    if r == 0 { check(v == [Double(n * (n - 1) / 2), Double(n)], "reduce in place", rank: r) }
    check(try world.broadcast(Int64(r == 0 ? 42 : -1)) == 42, "broadcast", rank: r)
    check(try world.broadcast(string: r == 0 ? "héllo" : "") == "héllo", "broadcast string", rank: r)
    let g = try world.gather([Int64(r), Int64(10 * r)])
    var gExpected: [Int64] = [], gvExpected: [Double] = []
    for k in 0..<n { gExpected += [Int64(k), Int64(10 * k)]; gvExpected += [Double](repeating: Double(k), count: k + 1) }
    if r == 0 { check(g == gExpected, "gather", rank: r) }
    let gv = try world.gatherv([Double](repeating: Double(r), count: r + 1))
    if r == 0 { check(gv == gvExpected, "gatherv", rank: r) }
    check(try world.allgather([Int32(r)]) == (0..<n).map(Int32.init), "allgather", rank: r)
    // Split: even and odd ranks.
    try world.withSplit(color: r % 2, key: r) { sub in
        check(sub.size == (n + 1 - r % 2) / 2, "split size", rank: r)
        check(try sub.allreduce(Int64(1), .sum) == Int64(sub.size), "split allreduce", rank: r)
    }
    // Shared counter: every rank draws 5 tickets; all draws are distinct.
    let drawn: [Int64] = try world.withSharedCounter { c in try (0..<5).map { _ in try c.fetchAndAdd(1) } }
    let all = try world.allgather(drawn)
    check(Set(all) == Set((0..<Int64(5 * n))), "shared counter tickets", rank: r)
    try world.quietBarrier()

    // BLACS grid and a distributed matrix: PDGEMM of block-cyclic matrices
    // equals the serial product, and column gathering reassembles columns.
    try BlacsGrid.with(world) { grid in
        let m = 37
        var a = try DistributedMatrix(grid: grid, rows: m, cols: m, blockSize: 4)
        var b = a
        var c = a
        func A(_ i: Int, _ j: Int) -> Double { Double((i * 7 + j * 3) % 11) - 5 }
        func B(_ i: Int, _ j: Int) -> Double { Double((i + 2 * j) % 5) - 2 }
        for lc in 0..<a.localCols { for lr in 0..<a.localRows {
            a.local[lr + lc * a.lld] = A(a.globalRow(lr), a.globalCol(lc))
            b.local[lr + lc * b.lld] = B(b.globalRow(lr), b.globalCol(lc))
        } }
        DistributedEigensolver.gemm(.transpose, .none, alpha: 1, a, b, beta: 0, &c)
        for j in [0, 5, 36] {
            let col = try c.column(j, comm: world)
            for i in 0..<m {
                let exact = (0..<m).reduce(0.0) { $0 + A($1, i) * B($1, j) }
                check(col[i] == exact, "pdgemm C[\(i),\(j)]", rank: r)
            }
        }
        // Distributed eigensolver on a known spectrum: diag(1..m) in a rotated basis is hard
        // to build by hand, so use the path graph Laplacian-like matrix 2 on the diagonal,
        // -1 off it: eigenvalues 2 - 2 cos(k pi / (m + 1)).
        var t = try DistributedMatrix(grid: grid, rows: m, cols: m, blockSize: 4)
        for lc in 0..<t.localCols { for lr in 0..<t.localRows {
            let (i, j) = (t.globalRow(lr), t.globalCol(lc))
            t.local[lr + lc * t.lld] = i == j ? 2 : (abs(i - j) == 1 ? -1 : 0)
        } }
        for d in ScaLAPACKDriver.allCases {
            var tt = t
            let (e, _) = try DistributedEigensolver.solve(&tt, driver: d)
            for k in 1...m {
                check(abs(e[k - 1] - (2 - 2 * cos(Double(k) * Double.pi / Double(m + 1)))) < 1e-12, "\(d) eigenvalue \(k)", rank: r)
            }
        }
    }

    // Complex Hermitian: PZHEEVD and PZHEEVR on the grid agree with serial
    // ZHEEVD and ZHEEVR, and a gathered eigenvector satisfies H v = E v.
    try BlacsGrid.with(world) { grid in
        let m = 29
        func H(_ i: Int, _ j: Int) -> Complex {
            let sym: Int = (i * 7 + j * 3) % 11 + (j * 7 + i * 3) % 11
            let anti: Int = (i - j) * ((i + j) % 3)
            let re = Double(sym) - 10
            let im = 0.3 * Double(anti)
            return Complex(re, im)
        }
        var serial = [Complex](repeating: .zero, count: m * m)
        for j in 0..<m { for i in 0..<m { serial[i + j * m] = H(i, j) } }
        var serialR = serial
        let eSerial = try HermitianEigensolver.solve(&serial, dimension: m, driver: .zheevd)
        let eSerialR = try HermitianEigensolver.solve(&serialR, dimension: m, driver: .zheevr)
        for k in 0..<m { check(abs(eSerialR[k] - eSerial[k]) < 1e-11, "zheevr eigenvalue \(k) vs zheevd", rank: r) }
        for driver in HermitianScaLAPACKDriver.allCases {
        var a = try DistributedMatrix(grid: grid, rows: m, cols: m, blockSize: 4, complex: true)
        for lc in 0..<a.localCols { for lr in 0..<a.localRows {
            let h = H(a.globalRow(lr), a.globalCol(lc))
            a.local[2 * (lr + lc * a.lld)] = h.re
            a.local[2 * (lr + lc * a.lld) + 1] = h.im
        } }
        let (e, z) = try DistributedEigensolver.solveHermitian(&a, driver: driver)
        for k in 0..<m { check(abs(e[k] - eSerial[k]) < 1e-11, "\(driver) eigenvalue \(k) vs zheevd", rank: r) }
        for j in [0, 14, 28] {
            let col = try z.column(j, comm: world)
            var res = 0.0
            for i in 0..<m {
                var acc = Complex.zero
                for k in 0..<m { acc += H(i, k) * Complex(col[2 * k], col[2 * k + 1]) }
                res += (acc - Complex(col[2 * i], col[2 * i + 1]).scaled(by: e[j])).normSquared
            }
            check(res.squareRoot() < 1e-11, "\(driver) eigenvector \(j) residual", rank: r)
        }
        }
    }

    // The generic dense-ED layer: the whole group (ScaLAPACK when it has more
    // than one rank) against each rank alone (LAPACK), for a real sector
    // (XXZ at S^z = 0, S1 parity sector) and a complex one (Heisenberg-O(3)):
    // eigenvalues and m_EA to 1e-10, eigenpair checks passed on both paths.
    do {
        var rng = CounterRNG(seed: 5, stream: StreamKey.make("selftest"), realization: 0)
        let xxz = XXZChain(L: 8, fields: XXZChain.drawFields(L: 8, W: 2, rng: &rng))
        let o3 = HeisenbergO3Chain(L: 6, W: 1.5, v: HeisenbergO3Chain.drawFields(L: 6, rng: &rng))
        let lrsg = LRSGParitySector(model: LongRangeSpinGlass(L: 7, alpha: 0.7, hx: 0.4, J: LongRangeSpinGlass.drawCouplings(L: 7, rng: &rng)), parity: -1)
        var settings = DenseEDSettings()
        settings.blockSize = 8
        func compare<H: SectorHamiltonian>(_ h: H, _ name: String) throws {
            let group = try DenseED.withSpectrum(h, group: world, settings: settings, context: name) { s in
                (s.energies, try EigenstateKernels.edwardsAnderson(&s.vectors, hamiltonian: h, group: world))
            }
            let alone = try world.withSplit(color: r, key: 0) { me in
                try DenseED.withSpectrum(h, group: me, settings: settings, context: name) { s in
                    (s.energies, try EigenstateKernels.edwardsAnderson(&s.vectors, hamiltonian: h, group: me))
                }
            }
            check(group.0.count == h.dimension, "\(name): dimension", rank: r)
            for k in 0..<h.dimension {
                check(abs(group.0[k] - alone.0[k]) < 1e-10, "\(name): eigenvalue \(k) group vs serial", rank: r)
                check(abs(group.1[k] - alone.1[k]) < 1e-10, "\(name): m_EA \(k) group vs serial", rank: r)
            }
        }
        try compare(xxz, "xxz L=8")
        try compare(o3, "heisenberg-o3 L=6")
        try compare(lrsg, "lrsg L=7 sector -1")
    }

    // Issue 24: the distributed LRSG sector operator (contiguous row slices,
    // halo by MPI_Allgatherv) equals the assembled dense sector matrix at
    // L = 6-12, both parities, both boundaries, blocks of 1, 5 and 16; and a
    // polfed solve on the whole group equals the same solve on each rank alone.
    do {
        var rng = CounterRNG(seed: 24, stream: StreamKey.make("selftest-polfed"), realization: 0)
        for L in [6, 7, 9, 12] {
            for boundary in Boundary.allCases {
                let m = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.9, boundary: boundary, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
                let d = m.sectorDimension
                for parity in [1, -1] {
                    let h = m.sectorMatrix(parity: parity)
                    let op = DistributedLRSGOperator(LRSGSectorOperator(model: m, parity: parity), group: world, threads: 2)
                    let own = op.ownedRows
                    for nb in [1, 5, 16] {
                        // x[k, j] = sin(k + 7 j) (row-major), the same on every rank.
                        let local = own.flatMap { k in (0..<nb).map { j in sin(Double(k + 7 * j + L)) } }
                        var y = [Double](repeating: 0, count: own.count * nb)
                        try local.withUnsafeBufferPointer { xp in
                            try y.withUnsafeMutableBufferPointer { yp in
                                try op.apply(block: nb, x: xp.baseAddress!, into: yp.baseAddress!, scale: 1, shift: 0, z: nil, zScale: 0,
                                             accumulate: nil, mu: 0)
                            }
                        }
                        // Reference: the dense column-major H times the whole block (DGEMM), X column-major d x nb.
                        let xAll = (0..<nb).flatMap { j in (0..<d).map { c in sin(Double(c + 7 * j + L)) } }
                        var want = [Double](repeating: 0, count: d * nb)
                        h.withUnsafeBufferPointer { hp in
                            xAll.withUnsafeBufferPointer { xp in
                                want.withUnsafeMutableBufferPointer { wp in
                                    gemm(.none, .none, m: d, n: nb, k: d, alpha: 1, a: hp.baseAddress!, lda: d, b: xp.baseAddress!, ldb: d,
                                         beta: 0, c: wp.baseAddress!, ldc: d)
                                }
                            }
                        }
                        var worst = 0.0, norm = 0.0
                        for k in own {
                            for j in 0..<nb {
                                worst = max(worst, abs(y[(k - own.lowerBound) * nb + j] - want[k + j * d]))
                                norm = max(norm, abs(want[k + j * d]))
                            }
                        }
                        check(worst <= 1e-12 * max(norm, 1), "distributed lrsg operator L=\(L) \(boundary) parity \(parity) nb=\(nb): \(worst)", rank: r)
                    }
                }
            }
        }
        let m = LongRangeSpinGlass(L: 10, alpha: 0.7, hx: 1.0, J: LongRangeSpinGlass.drawCouplings(L: 10, rng: &rng))
        let sector = LRSGParitySector(model: m, parity: -1)
        func solve<Op: FilterOperator>(_ op: Op, _ g: Communicator) throws -> ([Double], [Double]) {
            let ext = try PolynomialFilterED.extremes(op, context: "selftest")
            let t = ext.min + 0.4 * (ext.max - ext.min)
            let p = try MidSpectrumED.polfed(op, hamiltonian: sector, target: t, spectrum: ext, density: 60,
                                             settings: PolynomialFilterSettings(count: 12), group: g, context: "selftest L=10")
            return (p.energies + [ext.min, ext.max], p.mEA)
        }
        let group = try solve(DistributedLRSGOperator(LRSGSectorOperator(model: m, parity: -1), group: world, threads: 1), world)
        let alone = try world.withSplit(color: r, key: 0) { me in
            try solve(SerialLRSGOperator(LRSGSectorOperator(model: m, parity: -1), threads: 1), me)
        }
        check(maxDiff(group.0, alone.0) < 1e-10, "polfed distributed vs serial eigenvalues \(maxDiff(group.0, alone.0))", rank: r)
        check(maxDiff(group.1, alone.1) < 1e-8, "polfed distributed vs serial m_EA \(maxDiff(group.1, alone.1))", rank: r)
    }

    // S10b matrix elements M = U^dagger diag(V) U: PDGEMM / PZGEMM on the whole
    // group against DGEMM / ZGEMM on each rank alone, real (XXZ) and complex
    // (O(3)): every matrix element to 1e-10 (compared as |M_ba|, since
    // eigenvector phases are solver-dependent) and the statistics to 1e-10.
    do {
        var rng = CounterRNG(seed: 8, stream: StreamKey.make("selftest-s10b"), realization: 0)
        let xxz = XXZChain(L: 10, fields: XXZChain.drawFields(L: 10, W: 1.5, rng: &rng))
        let o3 = HeisenbergO3Chain(L: 6, W: 2, v: HeisenbergO3Chain.drawFields(L: 6, rng: &rng))
        var settings = DenseEDSettings()
        settings.blockSize = 8
        func run<H: SectorHamiltonian>(_ h: H, _ g: Communicator) throws -> ([Double], MatrixElementStatistics) {
            try DenseED.withSpectrum(h, group: g, settings: settings, context: "s10b") { s in
                let d = (0..<h.dimension).map { k in h.diagonalValue(of: k) { st in (st & 2) == 0 ? 0.5 : -0.5 } }
                let m = try MatrixElementKernels.diagonalOperator(s.vectors, diagonal: d)
                let e = s.energies
                let eps = EigenstateObservables.energyDensity(e, min: e.first!, max: e.last!)
                var ms = MatrixElementSettings()
                ms.window = 0.5
                let st = try MatrixElementKernels.statistics(m, energies: e, eps: eps, settings: ms, group: g)
                let full = try m.gathered(group: g)
                let w = m.width
                return ((0..<(h.dimension * h.dimension)).map { k in w == 1 ? abs(full[k]) : (full[2 * k] * full[2 * k] + full[2 * k + 1] * full[2 * k + 1]).squareRoot() }, st)
            }
        }
        func compare<H: SectorHamiltonian>(_ h: H, _ name: String) throws {
            let group = try run(h, world)
            let alone = try world.withSplit(color: r, key: 0) { me in try run(h, me) }
            let n = h.dimension
            var worst = 0.0
            for a in 0..<n { for b in 0..<n { worst = max(worst, abs(group.0[b + a * n] - alone.0[b + a * n])) } }
            check(worst < 1e-10, "\(name): |M_ba| group vs serial (max difference \(worst))", rank: r)
            let (x, y) = (group.1, alone.1)
            check(maxDiff(x.diagonal, y.diagonal) < 1e-10, "\(name): V_aa group vs serial", rank: r)
            check(zip(x.chi, y.chi).allSatisfy { abs($0 - $1) <= 1e-10 * max(1, abs($1)) }, "\(name): chi group vs serial", rank: r)
            check(maxDiff(x.windowSum, y.windowSum) < 1e-10 && x.windowCount == y.windowCount, "\(name): window sums group vs serial", rank: r)
            check(maxDiff(x.spectralWeight, y.spectralWeight) < 1e-10 && abs(x.diagonalWeight - y.diagonalWeight) < 1e-10, "\(name): S weights group vs serial", rank: r)
            check(x.vCounts.reduce(0, +) == y.vCounts.reduce(0, +), "\(name): rho(v) pair count group vs serial", rank: r)
        }
        try compare(xxz, "s10b xxz L=10")
        try compare(o3, "s10b heisenberg-o3 L=6")
    }

    // S5/S6 kernels: the cluster quench (overlaps, time trace by PDGEMM,
    // diagonal ensemble) and the entanglement entropies (batched column
    // gather, several batches forced) on the whole group against each rank
    // alone, to 1e-10; real (cluster, S1 sector) and complex (O(3)) states.
    do {
        var rng = CounterRNG(seed: 12, stream: StreamKey.make("selftest-s5s6"), realization: 0)
        let chain = ClassicalChain(L: 50, alpha: 0.7, J: LongRangeSpinGlass.drawCouplings(L: 50, rng: &rng))
        let (z, phi, _) = SingleFlipStable.prepare(chain, kind: .sfs, order: .greedy, rng: &rng)
        let cluster = ResonantCluster(chain: chain, state: z, fields: phi, size: 7, hx: 0.2)
        let times = [0] + QuenchKernels.logTimeGrid(energies: [0, 1], perDecade: 3)
        var settings = DenseEDSettings()
        settings.blockSize = 8
        typealias Out = (remnant: [Double], trace: [Double], entropy: [Double], st: [Double])
        func quench(_ g: Communicator) throws -> Out {
            try DenseED.withSpectrum(cluster, group: g, settings: settings, context: "cluster") { s in
                let cut = Bipartition.halfChain(sites: 7)
                let ent = try Entanglement.eigenstateEntropies(s.vectors, hamiltonian: cluster, cut: cut, group: g, batchDoubles: 3 * 128)
                let c = try QuenchKernels.overlaps(s.vectors, initialState: cluster.initialStateIndex, group: g)
                let (re, im) = try QuenchKernels.evolve(s.vectors, energies: s.energies, overlaps: c, times: times)
                let st = try Entanglement.stateEntropies(real: re, imaginary: im, cut: Bipartition(sites: 7, mask: 0b1010011), group: g,
                                                         batchDoubles: 5 * 256)
                let q = try QuenchKernels.clusterQuench(&s, cluster: cluster, times: times, group: g)
                return (q.remnant, q.trace, ent, st)
            }
        }
        let group = try quench(world)
        let alone = try world.withSplit(color: r, key: 0) { me in try quench(me) }
        check(maxDiff(group.remnant, alone.remnant) < 1e-10, "cluster remnant group vs serial", rank: r)
        // Late times: LAPACK and ScaLAPACK eigenvalues differ by ~1e-15 |E|,
        // which dephases the two traces by ~1e-15 |E| t (3e-8 at t = 1e8):
        // the tolerance is 1e-10 + 1e-14 |E|max t (docs/quench-entanglement.md).
        let eScale = cluster.staticFields.reduce(0) { $0 + abs($1) } + cluster.couplings.reduce(0) { $0 + abs($1) } + 7 * 0.2
        let nt = times.count
        for (k, t) in times.enumerated() {
            let tol = 1e-10 + 1e-14 * eScale * t
            for I in 0..<7 { check(abs(group.trace[I * nt + k] - alone.trace[I * nt + k]) < tol, "cluster trace group vs serial at t = \(t)", rank: r) }
            check(abs(group.st[k] - alone.st[k]) < tol, "S(t) group vs serial at t = \(t)", rank: r)
        }
        check(maxDiff(group.entropy, alone.entropy) < 1e-10, "cluster eigenstate entropies group vs serial", rank: r)
        check(group.st[0] < 1e-12 && abs(group.trace[0] - 1) < 1e-12, "t = 0: product state, full polarization", rank: r)
        // Sector states (unfolded) and complex eigenvectors.
        let lrsg = LRSGParitySector(model: LongRangeSpinGlass(L: 7, alpha: 0.7, hx: 0.4, J: LongRangeSpinGlass.drawCouplings(L: 7, rng: &rng)), parity: 1)
        let o3 = HeisenbergO3Chain(L: 6, W: 1.5, v: HeisenbergO3Chain.drawFields(L: 6, rng: &rng))
        func entropies<H: SectorHamiltonian>(_ h: H, _ g: Communicator) throws -> [Double] {
            try DenseED.withSpectrum(h, group: g, settings: settings, context: "entropies") { s in
                try Entanglement.eigenstateEntropies(s.vectors, hamiltonian: h, cut: .halfChain(sites: h.sites), group: g,
                                                     batchDoubles: 7 * h.dimension)
            }
        }
        for (name, a, b) in [("lrsg", try entropies(lrsg, world), try world.withSplit(color: r, key: 0) { try entropies(lrsg, $0) }),
                             ("o3", try entropies(o3, world), try world.withSplit(color: r, key: 0) { try entropies(o3, $0) })] {
            check(a.count == b.count && maxDiff(a, b) < 1e-10, "\(name) entropies group vs serial", rank: r)
        }
    }

    // S8 single-qubit entropies (Bloch vector from two GEMMs, flipped rows
    // exchanged within process columns when the grid has several rows): on
    // the whole group against the per-state kernel on the same eigenvectors
    // (1e-12) and against each rank alone (1e-10), for a qubit inside one
    // ScaLAPACK block (mask 2 < nb) and qubits across blocks (4 ranks give a
    // 2 x 2 grid).
    do {
        var rng = CounterRNG(seed: 15, stream: StreamKey.make("selftest-drh"), realization: 0)
        let (g, f) = DeRoeckHuveneersModel.drawDisorder(N: 4, rng: &rng)
        let drh = DeRoeckHuveneersModel(grain: g, fields: f, couplings: DeRoeckHuveneersModel.couplings(N: 4, J1: 0.41, a: 0.7))
        var settings = DenseEDSettings()
        settings.blockSize = 8
        func entropies(_ c: Communicator) throws -> [[Double]] {
            try DenseED.withSpectrum(drh, group: c, settings: settings, context: "drh") { s in
                var out: [[Double]] = []
                for q in [1, 3, drh.sites - 1] {
                    let old = try Entanglement.eigenstateEntropies(s.vectors, hamiltonian: drh, cut: .site(q, of: drh.sites), group: c)
                    var v = s.vectors
                    let new = try Entanglement.eigenstateQubitEntropies(&v, hamiltonian: drh, qubit: q, group: c)
                    check(maxDiff(old, new) < 1e-12, "drh qubit \(q): batched vs per-state kernel (\(maxDiff(old, new)))", rank: r)
                    out.append(new)
                }
                return out
            }
        }
        let group = try entropies(world)
        let alone = try world.withSplit(color: r, key: 0) { try entropies($0) }
        for k in group.indices { check(maxDiff(group[k], alone[k]) < 1e-10, "drh single-qubit entropies group vs serial", rank: r) }
    }

    // Parallel HDF5: collective create, independent row writes by every rank,
    // attributes; then a serial read on rank 0.
    let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "selftest.h5"
    try HDF5File.with(path: path, mode: .truncate, comm: world) { f in
        try f.createGroup("/a/b")
        let d = try f.createDataset("/a/b/x", type: .float64, shape: [n, 3])
        try f.setAttribute("note", "parallel")
        try f.setAttribute("ranks", Int64(n))
        try d.writeRows(start: r, count: 1, [Double(r), Double(r) + 0.5, -Double(r)])
        // A collective write where only rank 0 contributes rows.
        let e = try f.createDataset("/a/b/y", type: .int64, shape: [2])
        try e.writeRows(start: 0, count: r == 0 ? 2 : 0, r == 0 ? [Int64(7), 8] : [], independent: false)
    }
    try world.barrier()
    if r == 0 {
        try HDF5File.with(path: path, mode: .readOnly) { f in
            var expected: [Double] = []
            for k in 0..<n { let x = Double(k); expected += [x, x + 0.5, -x] }
            let rows: [Double] = try f.openDataset("/a/b/x").readAll(as: Double.self)
            check(rows == expected, "hdf5 rows", rank: r)
            check(try f.openDataset("/a/b/y").readAll(as: Int64.self) == [7, 8], "hdf5 collective write", rank: r)
            check(try f.stringAttribute("note") == "parallel", "hdf5 string attribute", rank: r)
            check(try f.numericAttribute("ranks", as: Int64.self) == [Int64(n)], "hdf5 numeric attribute", rank: r)
            check(f.exists("/a/b/x") && !f.exists("/a/c"), "hdf5 exists", rank: r)
            // Errors name the routine and the object.
            do { _ = try f.openDataset("/nope"); check(false, "missing dataset throws", rank: r) } catch let e as HDF5Error {
                check(e.function == "H5Dopen2" && e.path == "/nope", "HDF5Error names routine and path", rank: r)
            }
            do { _ = try f.stringAttribute("absent", on: "/a"); check(false, "missing attribute throws", rank: r) } catch let e as HDF5Error {
                check(e.function == "H5Aopen" && e.path == "/a@absent", "HDF5Error names the attribute and its object", rank: r)
            }
            do { _ = try f.numericAttribute("x", as: Int64.self, on: "/none"); check(false, "missing object throws", rank: r) } catch let e as HDF5Error {
                check(e.function == "H5Oopen" && e.path == "/none", "HDF5Error names the missing object", rank: r)
            }
            check(!f.hasAttribute("x", on: "/none") && f.hasAttribute("note"), "hdf5 hasAttribute", rank: r)
            // A failing read leaves the file usable: the next read succeeds.
            check(try f.stringAttribute("note") == "parallel", "hdf5 read after an error", rank: r)
        }
        print("selftest ok on \(n) rank(s)")
    }
    return 0
}
exit(status)
