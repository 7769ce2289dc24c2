import QGLinearAlgebra

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// S8, avalanches in 2D (seed 002 eqs. 15-18): free fermions on the diamond
/// |n1| + |n2| <= R of the square lattice (N = 2R^2 + 2R + 1 sites),
///
///     H_2D = t sum_<n m> (c_n^dag c_m + h.c.) + sum_n V(theta_n) c_n^dag c_n,
///
/// hopping t between nearest neighbours inside the diamond (open boundary;
/// t = 1 in the seed's text and by default; H(t, W) = t H(1, W/t), the same orbitals),
/// V the asymmetric triangle wave of amplitude W through V(0) = W,
/// V(2 pi / q1) = -W, V(2 pi) = W (linear in between, 2 pi periodic), and
/// theta_n = q.n + theta_0 (quasiperiodic, q = pi (1 + sqrt 5, 1 + sqrt 3)) or
/// iid uniform on [0, 2 pi) (random). Sites are ordered by n1 ascending, then
/// n2 ascending; `origin` is the index of n = (0, 0), where the grain couples.
public struct DiamondLattice: Sendable {
    public let R: Int
    public let n1: [Int]
    public let n2: [Int]
    public let origin: Int
    /// Nearest-neighbour bonds (i < j).
    public let bonds: [(Int, Int)]

    public static let q: (Double, Double) = (Double.pi * (1 + 5.0.squareRoot()), Double.pi * (1 + 3.0.squareRoot()))

    public init(R: Int) {
        precondition(R >= 0 && R <= 200, "diamond radius 0...200")
        self.R = R
        var a: [Int] = [], b: [Int] = [], index: [Int: Int] = [:]
        for i in -R...R {
            let w = R - abs(i)
            for j in -w...w { index[(i + R) * (2 * R + 1) + (j + R)] = a.count; a.append(i); b.append(j) }
        }
        n1 = a; n2 = b
        origin = index[R * (2 * R + 1) + R]!
        var bd: [(Int, Int)] = []
        for k in a.indices {
            for (di, dj) in [(1, 0), (0, 1)] {
                let i = a[k] + di, j = b[k] + dj
                if abs(i) + abs(j) <= R, let m = index[(i + R) * (2 * R + 1) + (j + R)] { bd.append((k, m)) }
            }
        }
        bonds = bd
    }

    public var count: Int { n1.count }
    public static func siteCount(R: Int) -> Int { 2 * R * R + 2 * R + 1 }

    /// The asymmetric triangle wave: V(0) = W, V(x0) = -W with x0 = 2 pi / q1, V(2 pi) = W.
    public static func potential(_ theta: Double, W: Double) -> Double {
        let twoPi = 2 * Double.pi
        var t = theta.truncatingRemainder(dividingBy: twoPi)
        if t < 0 { t += twoPi }
        let x0 = twoPi / q.0
        return t < x0 ? W - 2 * W * t / x0 : -W + 2 * W * (t - x0) / (twoPi - x0)
    }

    /// theta_n = q1 n1 + q2 n2 + theta_0 (not reduced mod 2 pi; `potential` is periodic).
    public func quasiperiodicAngles(theta0: Double) -> [Double] {
        (0..<count).map { Self.q.0 * Double(n1[$0]) + Self.q.1 * Double(n2[$0]) + theta0 }
    }

    /// N x N single-particle Hamiltonian, column-major; `hopping` is t on every bond.
    public func hamiltonian(angles: [Double], W: Double, hopping: Double = 1) -> [Double] {
        let n = count
        precondition(angles.count == n)
        var h = [Double](repeating: 0, count: n * n)
        for k in 0..<n { h[k + n * k] = Self.potential(angles[k], W: W) }
        for (i, j) in bonds { h[i + n * j] = hopping; h[j + n * i] = hopping }
        return h
    }

    /// Eigenvalues and orthonormal eigenvectors (dsyevd): Z[m + N k] = phi_{k, m},
    /// orbital k's amplitude on site m.
    public func diagonalize(angles: [Double], W: Double, hopping: Double = 1) throws -> (energies: [Double], vectors: [Double]) {
        var m = DenseMatrix(rows: count, cols: count, storage: hamiltonian(angles: angles, W: W, hopping: hopping))
        let e = try SymmetricEigensolver.solve(&m, driver: .dsyevd)
        return (e, m.storage)
    }

    /// ln g_k0 = ln g0 + ln |phi_{k, origin}| of every orbital k: the bare coupling
    /// g_k0 = g0 |phi_{k,0}| of orbital k to the grain at the origin, from the
    /// eigenvectors of `diagonalize`.
    public func logBareCouplings(vectors z: [Double], g0: Double) -> [Double] {
        (0..<count).map { k in log(g0) + log(abs(z[origin + count * k])) }
    }

    /// Orbital labels: site[k] = the site of orbital k, maximizing prod_k |phi_{k, site[k]}|
    /// over permutations (the linear assignment problem on cost -ln |phi_{k, m}|,
    /// amplitudes below 1e-300 treated as 1e-300). Also returns sum_k ln |phi_{k, site[k]}|.
    public static func orbitalSites(vectors z: [Double], count n: Int) -> (site: [Int], logProduct: Double) {
        var cost = [Double](repeating: 0, count: n * n)
        for k in 0..<(n * n) { cost[k] = -log(max(abs(z[k]), 1e-300)) }
        // Row k of `cost` (row-major) is orbital k = column k of Z.
        let (assign, total) = LinearAssignment.solve(cost: cost, n: n)
        return (assign, -total)
    }
}

/// The square linear assignment problem: a permutation p minimizing
/// sum_i cost[i][p(i)] (cost row-major n x n, finite). Hungarian algorithm
/// with row and column potentials and shortest augmenting paths (Kuhn-Munkres
/// in the O(n^3) form of Jonker-Volgenant's augmentation step): n phases, each
/// adds one row and costs O(n^2).
public enum LinearAssignment {
    public static func solve(cost: [Double], n: Int) -> (assignment: [Int], total: Double) {
        precondition(cost.count == n * n)
        if n == 0 { return ([], 0) }
        // 1-based arrays as in the classic formulation; column 0 is the virtual start.
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: n + 1)
        var p = [Int](repeating: 0, count: n + 1), way = [Int](repeating: 0, count: n + 1)
        var minv = [Double](repeating: 0, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)
        cost.withUnsafeBufferPointer { c in
            for i in 1...n {
                p[0] = i
                var j0 = 0
                for j in 0...n { minv[j] = .infinity; used[j] = false }
                repeat {
                    used[j0] = true
                    let i0 = p[j0]
                    var delta = Double.infinity, j1 = 0
                    let row = (i0 - 1) * n - 1
                    let ui0 = u[i0]
                    for j in 1...n where !used[j] {
                        let cur = c[row + j] - ui0 - v[j]
                        if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                        if minv[j] < delta { delta = minv[j]; j1 = j }
                    }
                    for j in 0...n {
                        if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                    }
                    j0 = j1
                } while p[j0] != 0
                repeat {
                    let j1 = way[j0]
                    p[j0] = p[j1]
                    j0 = j1
                } while j0 != 0
            }
        }
        var assign = [Int](repeating: 0, count: n)
        for j in 1...n { assign[p[j] - 1] = j - 1 }
        var total = 0.0
        for i in 0..<n { total += cost[i * n + assign[i]] }
        return (assign, total)
    }

    /// Exhaustive minimum over all n! permutations (tests; n <= 9).
    public static func bruteForce(cost: [Double], n: Int) -> (assignment: [Int], total: Double) {
        precondition(n <= 9)
        var best = Double.infinity, bestP: [Int] = []
        var perm = Array(0..<n)
        func visit(_ k: Int, _ acc: Double) {
            if acc >= best { return }
            if k == n { best = acc; bestP = perm; return }
            for i in k..<n {
                perm.swapAt(k, i)
                visit(k + 1, acc + cost[k * n + perm[k]])
                perm.swapAt(k, i)
            }
        }
        visit(0, 0)
        return (bestP, best)
    }
}
