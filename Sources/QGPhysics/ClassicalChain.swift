/// The classical (h_x = 0) long-range Ising spin glass on a chain of L spins:
/// couplings K_ij = s * J_ij / d_ij^alpha, effective fields and single-spin
/// flips with O(L) field updates (docs/models.md S2-S4, S7).
///
/// Conventions: z_i = +-1; phi_i = sum_{j != i} K_ij z_j; the energy is
/// E = sum_{i<j} K_ij z_i z_j = (1/2) sum_i z_i phi_i, and flipping spin i
/// changes it by -2 z_i phi_i. `s` is 1 for the model as written in S1 and
/// 1/T_c^MF for the mean-field-normalized couplings used in S7.
public struct ClassicalChain: Sendable {
    public let L: Int
    public let alpha: Double
    public let boundary: Boundary
    /// K_ij, symmetric L x L row-major, zero diagonal.
    public let K: [Double]

    /// Builds K from raw couplings J (symmetric L x L, e.g. from
    /// `LongRangeSpinGlass.drawCouplings`).
    public init(L: Int, alpha: Double, boundary: Boundary = .periodic, J: [Double], scale: Double = 1) {
        precondition(L >= 2, "a chain needs at least 2 spins")
        precondition(J.count == L * L, "J must be L x L")
        self.L = L
        self.alpha = alpha
        self.boundary = boundary
        let w = Self.distancePowers(L: L, exponent: -alpha, boundary: boundary)
        var K = [Double](repeating: 0, count: L * L)
        J.withUnsafeBufferPointer { j in
            K.withUnsafeMutableBufferPointer { k in
                for i in 0..<L {
                    for jj in 0..<L where jj != i {
                        k[i * L + jj] = scale * j[i * L + jj] * w[abs(i - jj)]
                    }
                }
            }
        }
        self.K = K
    }

    /// p[|i-j|] = d_ij^exponent for |i-j| = 1..L-1 (p[0] = 0), so that the L^2
    /// coupling table needs only L calls to pow.
    public static func distancePowers(L: Int, exponent: Double, boundary: Boundary) -> [Double] {
        var p = [Double](repeating: 0, count: L)
        for k in 1..<L {
            let d = boundary == .periodic ? min(k, L - k) : k
            p[k] = Foundation_pow(Double(d), exponent)
        }
        return p
    }

    /// Variance of phi_i over disorder for any fixed state of the unscaled
    /// couplings: sum_{j != i} d_ij^(-2 alpha) (the T = inf field variance of S2).
    public static func fieldVariance(site i: Int, L: Int, alpha: Double, boundary: Boundary) -> Double {
        siteSum(i, distancePowers(L: L, exponent: -2 * alpha, boundary: boundary))
    }

    /// The mean-field critical temperature of the unscaled couplings:
    /// T_c^MF = sqrt((1/L) sum_{i != j} d_ij^(-2 alpha)). Dividing J by it
    /// (scale = 1 / T_c^MF) gives the Katzgraber-Young normalization T_c^MF = 1.
    /// The powers are tabulated once (L calls to pow); the sum keeps the site
    /// order, so the scale, and with it every tempering payload, is unchanged.
    public static func meanFieldTemperature(L: Int, alpha: Double, boundary: Boundary) -> Double {
        let p = distancePowers(L: L, exponent: -2 * alpha, boundary: boundary)
        let s = (0..<L).reduce(0.0) { $0 + siteSum($1, p) }
        return (s / Double(L)).squareRoot()
    }

    /// sum_{j} p[|i - j|] in the order j = 0..L-1 (p[0] = 0 drops j = i).
    static func siteSum(_ i: Int, _ p: [Double]) -> Double {
        p.indices.reduce(0.0) { $0 + p[abs(i - $1)] }
    }

    /// phi_i = sum_j K_ij z_j, O(L^2).
    public func fields(_ z: [Int8]) -> [Double] {
        precondition(z.count == L)
        var phi = [Double](repeating: 0, count: L)
        K.withUnsafeBufferPointer { k in
            z.withUnsafeBufferPointer { zz in
                for i in 0..<L {
                    var acc = 0.0
                    let row = i * L
                    for j in 0..<L { acc += k[row + j] * Double(zz[j]) }
                    phi[i] = acc
                }
            }
        }
        return phi
    }

    /// E = (1/2) sum_i z_i phi_i.
    public static func energy(z: [Int8], phi: [Double]) -> Double {
        var e = 0.0
        for i in z.indices { e += Double(z[i]) * phi[i] }
        return 0.5 * e
    }

    /// Flips spin i and updates every field: phi_j -= 2 z_i K_ij (z_i before the flip). O(L).
    @inline(__always)
    public func flip(_ i: Int, z: inout [Int8], phi: inout [Double]) {
        let c = -2.0 * Double(z[i])
        K.withUnsafeBufferPointer { k in
            phi.withUnsafeMutableBufferPointer { p in
                let row = i * L
                for j in 0..<L { p[j] += c * k[row + j] }
            }
        }
        z[i] = -z[i]
    }
}

/// Initial product states of the classical studies.
public enum InitialState: String, Sendable, CaseIterable {
    /// z_i iid +-1 (infinite temperature).
    case random
    /// Single-flip stable: relaxed from a random state until z_i phi_i < 0 for all i.
    case sfs

    /// Dataset code: 0 random, 1 sfs.
    public var code: Int8 { self == .random ? 0 : 1 }
}

/// Order of the single-flip-stable relaxation.
public enum RelaxationOrder: String, Sendable, CaseIterable {
    /// Flip the spin with the largest violation z_i phi_i > 0 first.
    case greedy
    /// Sweep i = 0..L-1, flipping every violating spin, until a sweep flips none.
    case sequential

    public var code: Int { self == .greedy ? 0 : 1 }
}

public enum SingleFlipStable {
    /// Random state z_i = +-1 from `rng`.
    public static func randomState(L: Int, rng: inout CounterRNG) -> [Int8] {
        (0..<L).map { _ in rng.sign() }
    }

    /// Relaxes (z, phi) in place to a single-flip-stable state; returns the
    /// number of flips. Each flip lowers the energy, so it terminates; each
    /// costs one O(L) field update.
    @discardableResult
    public static func relax(_ chain: ClassicalChain, z: inout [Int8], phi: inout [Double], order: RelaxationOrder) -> Int {
        let L = chain.L
        var flips = 0
        switch order {
        case .greedy:
            while true {
                var best = -1, worst = 0.0
                for i in 0..<L {
                    let v = Double(z[i]) * phi[i]
                    if v > worst { worst = v; best = i }
                }
                if best < 0 { break }
                chain.flip(best, z: &z, phi: &phi)
                flips += 1
            }
        case .sequential:
            var changed = true
            while changed {
                changed = false
                for i in 0..<L where Double(z[i]) * phi[i] > 0 {
                    chain.flip(i, z: &z, phi: &phi)
                    flips += 1
                    changed = true
                }
            }
        }
        return flips
    }

    /// The state of `kind` with its fields: random, or relaxed from random.
    public static func prepare(_ chain: ClassicalChain, kind: InitialState, order: RelaxationOrder, rng: inout CounterRNG)
        -> (z: [Int8], phi: [Double], flips: Int) {
        var z = randomState(L: chain.L, rng: &rng)
        var phi = chain.fields(z)
        var flips = 0
        if kind == .sfs { flips = relax(chain, z: &z, phi: &phi, order: order) }
        return (z, phi, flips)
    }
}

/// Logarithmic bins of |phi|: `perDecade` bins per decade on [lo, hi), plus
/// under- and overflow counts.
public struct LogHistogram: Sendable, Equatable {
    public let lo: Double
    public let hi: Double
    public let perDecade: Int
    public private(set) var counts: [Double]
    public private(set) var underflow = 0.0
    public private(set) var overflow = 0.0

    public init(lo: Double, hi: Double, perDecade: Int) {
        precondition(lo > 0 && hi > lo && perDecade >= 1)
        self.lo = lo; self.hi = hi; self.perDecade = perDecade
        counts = [Double](repeating: 0, count: Self.binCount(lo: lo, hi: hi, perDecade: perDecade))
    }

    public static func binCount(lo: Double, hi: Double, perDecade: Int) -> Int {
        max(1, Int((Foundation_log10(hi / lo) * Double(perDecade) - 1e-9).rounded(.up)))
    }

    /// Bin edges (count + 1 values; the last is hi).
    public var edges: [Double] {
        (0...counts.count).map { k in k == counts.count ? hi : lo * Foundation_pow(10, Double(k) / Double(perDecade)) }
    }

    public mutating func add(_ x: Double) {
        let a = abs(x)
        if a < lo { underflow += 1; return }
        if a >= hi { overflow += 1; return }
        let k = min(counts.count - 1, Int(Foundation_log10(a / lo) * Double(perDecade)))
        counts[k] += 1
    }
}

/// The classical resonance avalanche of S3.
public enum ResonanceAvalanche {
    /// Runs `steps` steps from (z, phi): each flips one currently resonant
    /// spin (|phi_i| < hx), chosen uniformly with `rng`, and updates the
    /// fields. Returns the number of spins ever resonant after each step
    /// (entry 0: before the first flip) and the number of steps taken (fewer
    /// than `steps` when no spin is resonant any more; the count then stays).
    public static func run(_ chain: ClassicalChain, z: inout [Int8], phi: inout [Double], hx: Double, steps: Int,
                           rng: inout CounterRNG) -> (ever: [Int64], taken: Int) {
        let L = chain.L
        var everMark = [Bool](repeating: false, count: L)
        var current: [Int] = []
        current.reserveCapacity(L)
        var everCount: Int64 = 0
        for i in 0..<L where abs(phi[i]) < hx {
            everMark[i] = true; everCount += 1; current.append(i)
        }
        var ever = [Int64](repeating: 0, count: steps + 1)
        ever[0] = everCount
        var taken = 0
        for s in stride(from: 1, through: steps, by: 1) {
            if current.isEmpty {
                for t in s...steps { ever[t] = everCount }
                break
            }
            let pick = current[min(current.count - 1, Int(rng.uniform() * Double(current.count)))]
            chain.flip(pick, z: &z, phi: &phi)
            taken += 1
            current.removeAll(keepingCapacity: true)
            for j in 0..<L where abs(phi[j]) < hx {
                current.append(j)
                if !everMark[j] { everMark[j] = true; everCount += 1 }
            }
            ever[s] = everCount
        }
        return (ever, taken)
    }
}

/// Two-spin-flip resonances of S4 (seed 001 eq. 6).
public enum TwoFlipResonances {
    /// The seed's amplitude for flipping spins 1 and 2 together:
    /// A_12 = hx^2 / (-pt1 - pt2 + 2 K12 z1 z2) * (1/pt1 + 1/pt2), pt_k = z_k phi_k.
    public static func amplitude(phiTilde1 pt1: Double, phiTilde2 pt2: Double, couplingTimesZZ kzz: Double, hx: Double) -> Double {
        hx * hx / (-pt1 - pt2 + 2 * kzz) * (1 / pt1 + 1 / pt2)
    }

    /// Plain second-order perturbation theory of H = sum K Z Z - hx sum X:
    /// the amplitude of the two-flipped state in the perturbed eigenstate,
    /// sum_m V_fm V_mi / ((E_i - E_f)(E_i - E_m)), equals A_12 / 4 (the flip
    /// energies are 2|phi| and the matrix elements hx; docs/classical.md).
    public static let perturbativeFactor = 0.25

    public struct Counts: Sendable, Equatable {
        /// Pairs with |A| > 1 (seed amplitude).
        public var all: Int64 = 0
        /// ... of which neither spin is single-flip resonant (|phi| >= hx).
        public var genuine: Int64 = 0
        /// Pairs with |A_PT| = |A|/4 > 1.
        public var allPT: Int64 = 0
        public var genuinePT: Int64 = 0
        /// Single-flip resonant spins (|phi_i| < hx).
        public var single: Int64 = 0
        public init() {}
    }

    /// Counts resonant pairs over all L(L-1)/2 pairs, for each field in
    /// `hx`, without allocation inside the pair loop: |A| > c is tested as
    /// hx^2 |1/pt1 + 1/pt2| > c |den|.
    public static func count(_ chain: ClassicalChain, z: [Int8], phi: [Double], hx: [Double]) -> [Counts] {
        let L = chain.L
        var pt = [Double](repeating: 0, count: L), inv = [Double](repeating: 0, count: L)
        for i in 0..<L { pt[i] = Double(z[i]) * phi[i]; inv[i] = 1 / pt[i] }
        let zd = z.map(Double.init)
        var out: [Counts] = []
        for h in hx {
            var c = Counts()
            let h2 = h * h
            let single = phi.map { abs($0) < h }
            c.single = Int64(single.filter { $0 }.count)
            chain.K.withUnsafeBufferPointer { k in
                pt.withUnsafeBufferPointer { p in
                    inv.withUnsafeBufferPointer { v in
                        zd.withUnsafeBufferPointer { zz in
                            single.withUnsafeBufferPointer { s in
                                for i in 0..<(L - 1) {
                                    let row = i * L, pi = p[i], vi = v[i], zi = zz[i], si = s[i]
                                    var all: Int64 = 0, gen: Int64 = 0, allPT: Int64 = 0, genPT: Int64 = 0
                                    for j in (i + 1)..<L {
                                        let den = abs(-pi - p[j] + 2 * k[row + j] * zi * zz[j])
                                        let num = h2 * abs(vi + v[j])
                                        let g: Int64 = (si || s[j]) ? 0 : 1
                                        if num > den {
                                            all += 1; gen += g
                                            if num > 4 * den { allPT += 1; genPT += g }
                                        }
                                    }
                                    c.all += all; c.genuine += gen; c.allPT += allPT; c.genuinePT += genPT
                                }
                            }
                        }
                    }
                }
            }
            out.append(c)
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_log10(_ x: Double) -> Double { Glibc.log10(x) }
@inline(__always) func Foundation_exp(_ x: Double) -> Double { Glibc.exp(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func Foundation_log10(_ x: Double) -> Double { Darwin.log10(x) }
@inline(__always) func Foundation_exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
