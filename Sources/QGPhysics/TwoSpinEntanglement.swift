#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two-resonant-spin model of study S6b (docs/quench-entanglement.md):
///
///     H2 = phi1 Z1 + phi2 Z2 + J Z1 Z2 - hx (X1 + X2)
///
/// and the entanglement of its eigenstates in closed form.
///
/// Derivation (amplitudes a_{s1 s2}, s = +/- the Z eigenvalue; p = phi1 + phi2,
/// m = phi1 - phi2, and for an eigenvalue E, x = J - E, y = J + E). The
/// diagonal entries minus E are x + p (++), x - p (--), m - y (+-), -m - y (-+).
/// With u = a_{++} + a_{--} and w = a_{+-} + a_{-+} the eigen equations read
///
///     (x + p) a_{++} = (x - p) a_{--} = hx w,   (m - y) a_{+-} = -(m + y) a_{-+} = hx u,
///
/// so a_{++} = hx w/(x+p), a_{--} = hx w/(x-p), a_{+-} = -hx u/(y-m),
/// a_{-+} = -hx u/(y+m). Summing, u = 2 hx x w / A and w = -2 hx y u / B with
/// A = x^2 - p^2, B = y^2 - m^2, hence the secular equation
///
///     f(E) = A B + 4 hx^2 x y = E^4 + c2 E^2 + c1 E + c0 = 0,
///     c2 = -(2 J^2 + p^2 + m^2 + 4 hx^2),  c1 = 2 J (m^2 - p^2),
///     c0 = (J^2 - p^2)(J^2 - m^2) + 4 hx^2 J^2,
///
/// (f is det(E - H2); its four real roots are the eigenvalues). The concurrence
/// of a normalized two-qubit state is C = 2 |a_{++} a_{--} - a_{+-} a_{-+}|.
/// Here a_{++} a_{--} - a_{+-} a_{-+} = hx^2 w^2 / A (1 - 4 hx^2 x^2 / (A B))
/// = hx^2 w^2 2 J / (A y) by the secular equation, and the norm is
/// hx^2 w^2 [2 (x^2 + p^2)/A^2 + 8 hx^2 x^2 (y^2 + m^2)/(A^2 B^2)]. Dividing,
///
///     C(E) = 8 hx^2 |J x B| / (B^2 (x^2 + p^2) + 4 hx^2 x^2 (y^2 + m^2))
///          = 8 hx^2 |J y A| / (A^2 (y^2 + m^2) + 4 hx^2 y^2 (x^2 + p^2))   (the same with u),
///
/// and the entanglement entropy of either spin is
/// S = h((1 + sqrt(1 - C^2))/2), h(q) = -q ln q - (1-q) ln(1-q).
/// Both forms are 0/0 only for the two eigenstates with u = w = 0: when p = 0,
/// (|++> - |-->)/sqrt 2 at E = J, and when m = 0, (|+-> - |-+>)/sqrt 2 at
/// E = -J; both are Bell states, C = 1. The code uses the form with the
/// larger denominator and these limits where both vanish. At J = 0 the spins
/// are independent and C = 0 (a degenerate spectrum at J = 0, phi1 = +-phi2,
/// admits entangled combinations; the product eigenbasis is reported).
///
/// Maximum over the parameters: S <= ln 2 for any two-qubit state, and the
/// bound is attained by the Bell eigenstates above, i.e. on the lines
/// phi1 = -phi2 (state at E = J) and phi1 = phi2 (state at E = -J) for any
/// J != 0, hx. So max S = ln 2; for fixed generic fields the entanglement is
/// large only near these resonance lines, |p| or |m| small compared with hx
/// and J (docs).
public enum TwoSpinEntanglement {
    public struct Eigenstate: Sendable, Equatable {
        public var energy: Double
        public var concurrence: Double
        public var entropy: Double
    }

    /// The coefficients (c2, c1, c0) of the depressed secular quartic.
    public static func secularCoefficients(phi1: Double, phi2: Double, J: Double, hx: Double) -> (Double, Double, Double) {
        let p = phi1 + phi2, m = phi1 - phi2
        let c2 = -(2 * J * J + p * p + m * m + 4 * hx * hx)
        let c1 = 2 * J * (m * m - p * p)
        let c0 = (J * J - p * p) * (J * J - m * m) + 4 * hx * hx * J * J
        return (c2, c1, c0)
    }

    /// The four eigenvalues (ascending): roots of the secular quartic, by
    /// Newton's method from the Gershgorin upper bound (monotone for a
    /// polynomial with real roots) with deflation, the last two from the
    /// quadratic formula, then polished by Newton steps on the quartic.
    /// Accuracy ~1e-14 relative to the scale |phi| + |J| + |hx| (double roots,
    /// e.g. at J = 0 and phi1 = phi2, converge linearly to ~1e-8 relative).
    public static func energies(phi1: Double, phi2: Double, J: Double, hx: Double) -> [Double] {
        let r = energyQuad(phi1: phi1, phi2: phi2, J: J, hx: hx)
        return [r[0], r[1], r[2], r[3]]
    }

    /// One Horner step for the value f and the derivative d of a polynomial.
    @inline(__always) static func horner(_ d: inout Double, _ f: inout Double, _ e: Double, _ a: Double) {
        d = d * e + f
        f = f * e + a
    }

    /// Largest root of the monic polynomial with real roots whose other
    /// coefficients (high to low) are `c` (3 for a cubic, 4 for a quartic),
    /// by Newton's method from above. Allocation-free.
    @inline(__always) static func largestRoot(_ c: SIMD4<Double>, degree: Int, scale: Double) -> Double {
        var e = scale * 1.0000001 + 1e-300
        for _ in 0..<500 {
            var f = 0.0, d = 0.0
            horner(&d, &f, e, 1)
            for k in 0..<degree { horner(&d, &f, e, c[k]) }
            if d <= 0 || f <= 0 { break }
            let step = f / d
            e -= step
            if step <= 1e-16 * scale { break }
        }
        return e
    }

    /// `energies` without allocation: the four eigenvalues, ascending.
    static func energyQuad(phi1: Double, phi2: Double, J: Double, hx: Double) -> SIMD4<Double> {
        let (c2, c1, c0) = secularCoefficients(phi1: phi1, phi2: phi2, J: J, hx: hx)
        let scale = abs(phi1) + abs(phi2) + abs(J) + 2 * abs(hx)
        if scale == 0 { return SIMD4(0, 0, 0, 0) }
        let r1 = largestRoot(SIMD4(0, c2, c1, c0), degree: 4, scale: scale)
        // The cubic q / (E - r1) = E^3 + b1 E^2 + b2 E + b3.
        let b1 = r1, b2 = c2 + r1 * r1
        let b3 = c1 + r1 * b2
        let r2 = largestRoot(SIMD4(b1, b2, b3, 0), degree: 3, scale: scale)
        let b = b1 + r2, c = b2 + r2 * b  // quadratic E^2 + b E + c
        let disc = max(0, b * b - 4 * c).squareRoot()
        let r3 = b > 0 ? (-b - disc) / 2 : (-b + disc) / 2
        let r4 = r3 != 0 ? c / r3 : -b - r3
        var roots = SIMD4(r1, r2, r3, r4)
        for k in 0..<4 {  // polish on the quartic
            for _ in 0..<3 {
                let e = roots[k]
                let f = (((e * e + c2) * e + c1) * e) + c0
                let d = (4 * e * e + 2 * c2) * e + c1
                if d == 0 { break }
                let step = f / d
                if abs(step) > 1e-6 * scale { break }  // near a double root: keep the deflated value
                roots[k] = e - step
            }
        }
        // Ascending (a sorting network of five compare-exchanges).
        order(&roots, 0, 1); order(&roots, 2, 3); order(&roots, 0, 2); order(&roots, 1, 3); order(&roots, 1, 2)
        return roots
    }

    /// Compare-exchange: v[i] <= v[j] afterwards.
    @inline(__always) static func order(_ v: inout SIMD4<Double>, _ i: Int, _ j: Int) {
        if v[j] < v[i] { let t = v[i]; v[i] = v[j]; v[j] = t }
    }

    /// The concurrence of the eigenstate at eigenvalue E (closed form above).
    public static func concurrence(energy E: Double, phi1: Double, phi2: Double, J: Double, hx: Double) -> Double {
        if J == 0 || hx == 0 { return 0 }
        let p = phi1 + phi2, m = phi1 - phi2, x = J - E, y = J + E
        let A = x * x - p * p, B = y * y - m * m, h2 = hx * hx
        let den1 = B * B * (x * x + p * p) + 4 * h2 * x * x * (y * y + m * m)
        let den2 = A * A * (y * y + m * m) + 4 * h2 * y * y * (x * x + p * p)
        let scale = abs(phi1) + abs(phi2) + abs(J) + 2 * abs(hx)
        let tiny = 1e-24 * pow(scale, 6)
        if den1 <= tiny && den2 <= tiny { return 1 }  // the Bell states (u = w = 0)
        let c = den1 >= den2 ? 8 * h2 * abs(J * x * B) / den1 : 8 * h2 * abs(J * y * A) / den2
        return min(1, c)
    }

    /// S = h((1 + sqrt(1 - C^2))/2) in nats.
    public static func entropy(concurrence C: Double) -> Double {
        let q = (1 + max(0, 1 - C * C).squareRoot()) / 2
        var s = 0.0
        if q > 0 && q < 1 { s = -q * log(q) - (1 - q) * log(1 - q) }
        return s
    }

    /// The four eigenstates, ascending energy, with concurrence and entropy.
    public static func eigenstates(phi1: Double, phi2: Double, J: Double, hx: Double) -> [Eigenstate] {
        let es = energies(phi1: phi1, phi2: phi2, J: J, hx: hx)
        return es.map { e in
            let c = concurrence(energy: e, phi1: phi1, phi2: phi2, J: J, hx: hx)
            return Eigenstate(energy: e, concurrence: c, entropy: entropy(concurrence: c))
        }
    }

    /// The normalized eigenvector at eigenvalue E in closed form, amplitudes
    /// indexed by the basis state s = b1 + 2 b2 (bit b = 0 means Z = +1):
    /// [a_{++}, a_{-+}, a_{+-}, a_{--}] with a_{s1 s2} as in the derivation
    /// (w = 1 or u = 1, whichever is regular; the Bell limits where both vanish).
    /// The overall sign is arbitrary.
    public static func eigenvector(energy E: Double, phi1: Double, phi2: Double, J: Double, hx: Double) -> [Double] {
        let v = eigenvectorQuad(energy: E, phi1: phi1, phi2: phi2, J: J, hx: hx)
        return [v[0], v[1], v[2], v[3]]
    }

    /// Sum of squares in index order (the same rounding as a sequential loop).
    @inline(__always) static func normSquared(_ v: SIMD4<Double>) -> Double {
        var n = 0.0
        for k in 0..<4 { n = n + v[k] * v[k] }
        return n
    }

    /// `eigenvector` without allocation (fixed-size SIMD storage).
    static func eigenvectorQuad(energy E: Double, phi1: Double, phi2: Double, J: Double, hx: Double) -> SIMD4<Double> {
        let p = phi1 + phi2, m = phi1 - phi2, x = J - E, y = J + E
        let scale = abs(phi1) + abs(phi2) + abs(J) + 2 * abs(hx)
        let eps = 1e-9 * scale
        // From w = 1: a++ = hx/(x+p), a-- = hx/(x-p), u = a++ + a--, a+- = -hx u/(y-m), a-+ = -hx u/(y+m).
        var v = SIMD4<Double>(0, 0, 0, 0)
        if abs(x + p) > eps && abs(x - p) > eps {
            let app = hx / (x + p), amm = hx / (x - p), u = app + amm
            if abs(y - m) > eps && abs(y + m) > eps {
                v = SIMD4(app, -hx * u / (y + m), -hx * u / (y - m), amm)  // s: ++, -+ (spin 1 down), +- (spin 2 down), --
            }
        }
        var n = normSquared(v)
        if !(n.isFinite && n > 0) || abs(x) < eps || abs(y) < eps {
            // Resolve the special cases directly: the Bell states, or a
            // diagonal-entry resonance, from the null space of H2 - E.
            v = nullVector(E: E, phi1: phi1, phi2: phi2, J: J, hx: hx)
            n = normSquared(v)
        }
        let r = 1 / n.squareRoot()
        return v * r
    }

    /// The three indices of 0..<4 other than i, ascending.
    @inline(__always) static func others(_ i: Int) -> (Int, Int, Int) {
        switch i {
        case 0: return (1, 2, 3)
        case 1: return (0, 2, 3)
        case 2: return (0, 1, 3)
        default: return (0, 1, 2)
        }
    }

    /// A null vector of H2 - E (the largest cofactor row of the 4 x 4
    /// matrix), for the special cases of `eigenvector`. Allocation-free.
    static func nullVector(E: Double, phi1: Double, phi2: Double, J: Double, hx: Double) -> SIMD4<Double> {
        var h = matrix16(phi1: phi1, phi2: phi2, J: J, hx: hx)  // h[i + 4 j]
        for i in 0..<4 { h[i + 4 * i] = h[i + 4 * i] - E }
        let a = h
        var best = SIMD4<Double>(0, 0, 0, 0), bestNorm = -1.0
        for i in 0..<4 {  // cofactors of row i form a null vector when rank(a) = 3
            let (r0, r1, r2) = others(i)
            var c = SIMD4<Double>(0, 0, 0, 0)
            for j in 0..<4 {
                let (k0, k1, k2) = others(j)
                let m00 = a[r0 + 4 * k0], m01 = a[r0 + 4 * k1], m02 = a[r0 + 4 * k2]
                let m10 = a[r1 + 4 * k0], m11 = a[r1 + 4 * k1], m12 = a[r1 + 4 * k2]
                let m20 = a[r2 + 4 * k0], m21 = a[r2 + 4 * k1], m22 = a[r2 + 4 * k2]
                let det = m00 * (m11 * m22 - m12 * m21) - m01 * (m10 * m22 - m12 * m20) + m02 * (m10 * m21 - m11 * m20)
                c[j] = ((i + j) % 2 == 0 ? 1 : -1) * det
            }
            let n = normSquared(c)
            if n > bestNorm { bestNorm = n; best = c }
        }
        if bestNorm > 1e-200 { return best }
        // Rank <= 2 (a degenerate pair): the Bell states named in the docs.
        let p = phi1 + phi2, m = phi1 - phi2
        if abs(p) <= abs(m) { return SIMD4(1, 0, 0, -1) }
        return SIMD4(0, 1, -1, 0)
    }

    /// Dense H2, column-major 4 x 4, basis s = b1 + 2 b2.
    public static func matrix(phi1: Double, phi2: Double, J: Double, hx: Double) -> [Double] {
        let h = matrix16(phi1: phi1, phi2: phi2, J: J, hx: hx)
        return (0..<16).map { h[$0] }
    }

    /// `matrix` in fixed-size storage (no allocation).
    @inline(__always) static func matrix16(phi1: Double, phi2: Double, J: Double, hx: Double) -> SIMD16<Double> {
        var h = SIMD16<Double>(repeating: 0)
        for s in 0..<4 {
            let z1 = (s & 1) == 0 ? 1.0 : -1.0, z2 = (s & 2) == 0 ? 1.0 : -1.0
            h[s + 4 * s] = phi1 * z1 + phi2 * z2 + J * z1 * z2
            h[(s ^ 1) + 4 * s] = -hx
            h[(s ^ 2) + 4 * s] = -hx
        }
        return h
    }

    /// The entropy of the eigenstate of H2 connected to the product state
    /// |z1 z2>: the eigenstate with the largest overlap with it.
    public static func connectedEntropy(phi1: Double, phi2: Double, J: Double, hx: Double, z1: Int8, z2: Int8) -> Double {
        if J == 0 || hx == 0 { return 0 }
        let s0 = (z1 < 0 ? 1 : 0) + (z2 < 0 ? 2 : 0)
        var best = -1.0, bestE = 0.0
        // Allocation-free: the energies and eigenvectors live in SIMD values.
        let es = energyQuad(phi1: phi1, phi2: phi2, J: J, hx: hx)
        for k in 0..<4 {
            let e = es[k]
            let o = abs(eigenvectorQuad(energy: e, phi1: phi1, phi2: phi2, J: J, hx: hx)[s0])
            if o > best { best = o; bestE = e }
        }
        return entropy(concurrence: concurrence(energy: bestE, phi1: phi1, phi2: phi2, J: J, hx: hx))
    }

    /// The talk's estimate of the bipartite entanglement of a chain state:
    /// the sum over pairs (i in A = sites 0..<cut, j in B = the rest) of the
    /// two-spin entropy of H2 with phi~_i = phi_i - K_ij z_j (the field of
    /// all other spins), phi~_j likewise, J~ = K_ij, for the eigenstate
    /// connected to |z_i z_j>. O(cut (L - cut)) pairs, each a quartic and
    /// four closed-form eigenvectors in fixed-size SIMD storage (no heap
    /// allocation per pair). Pairs deep off resonance contribute
    /// ~C^2 ln(1/C); none is skipped.
    public static func pairSumAcrossCut(chain: ClassicalChain, state z: [Int8], fields phi: [Double], hx: Double,
                                        cut: Int? = nil) -> Double {
        let L = chain.L, c = cut ?? L / 2
        precondition(z.count == L && phi.count == L && c >= 0 && c <= L)
        var total = 0.0
        for i in 0..<c {
            for j in c..<L {
                let k = chain.K[i * L + j]
                total += connectedEntropy(phi1: phi[i] - k * Double(z[j]), phi2: phi[j] - k * Double(z[i]), J: k, hx: hx,
                                          z1: z[i], z2: z[j])
            }
        }
        return total
    }

    /// sup over parameters and eigenstates: ln 2 (Bell eigenstates on phi1 = +-phi2).
    public static let maximumEntropy = log(2.0)
}
