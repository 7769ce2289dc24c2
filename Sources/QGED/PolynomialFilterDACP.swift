#if canImport(Glibc)
import Glibc
#endif

/// DACP (Guan and Zhang, "dual applications of Chebyshev polynomials"), the
/// second basis of the polynomial-filter solver (issue 24). With u = (H - E_t)/a
/// and the window |u| <= w holding N_w = windowFactor k eigenvalues
/// (w = N_w / (2 a rho)):
///
/// 1. Window filter: T_K(B) with B = (2 u^2 - (M^2 + w^2)) / (M^2 - w^2)
///    (M = 1 + |x_t| bounds |u| on the spectrum). B maps |u| in [w, M] onto
///    [-1, 1], where |T_K| <= 1, and the window below -1, where T_K grows like
///    exp(2 K sqrt(w^2 - u^2) / M): an exponential of a semicircle, 1 at the
///    window's edge and 1/`suppression` at its centre. Two products per degree.
/// 2. Chebyshev evolution: the filtered vectors psi go through T_j(x) psi,
///    x = (H - c)/a, one product per step; near x_t, T_j(x) = cos(j theta)
///    oscillates like an evolution in theta = arccos x, so samples every
///    s = stepFactor pi / (2 w_theta) steps (w_theta = w / sqrt(1 - x_t^2))
///    are nearly independent on the window while every component outside
///    it stays at the filter's level (|T_j| <= 1).
/// 3. The samples are orthonormalized into V in batches of up to
///    `sampleBatch` (`orthonormalizeBatch`; rank-deficient directions
///    dropped) and Rayleigh-Ritz with H extracts the pairs as in the Krylov
///    strategy (`RitzSpace.extract`).
/// 4. A converged set is checked: `verifyVectors` fresh filtered vectors
///    join the basis and the extraction must give the same k values (an
///    eigenvalue near the target with no Ritz value yet would enter).
extension PolynomialFilterED {
    /// The window filter's scalars for half width w (in x units) around x_t.
    static func dacpWindow(xt: Double, halfWidth w: Double, suppression: Double, degree: Int) -> (alpha: Double, beta: Double, degree: Int) {
        let bigM = 1 + abs(xt)
        let d = bigM * bigM - w * w
        let beta = (bigM * bigM + w * w) / d, alpha = 2 / d
        let K = degree > 0 ? degree : max(2, Int((acosh(1 / max(suppression, 1e-300)) / acosh(beta)).rounded(.up)))
        return (alpha, beta, K)
    }

    /// Collective: T_K(B) x for a row-major block (rows x nb), B = alpha u^2 - beta, u = (H - target)/a.
    /// Two fused products per degree and no vector pass of its own: besides
    /// T_j the recurrence keeps N_j = T_{j-1} + 2 beta T_j, so that
    /// T_{j+1} = 2 alpha u (u T_j) - N_j is the second product's z term, and
    /// N_{j+1} = T_j + 2 beta T_{j+1} its accumulation into T_j's storage.
    static func windowFilter<Op: FilterOperator>(_ op: Op, _ x: [Double], nb: Int, alpha: Double, beta: Double, degree K: Int,
                                                 target: Double, halfWidth a: Double) throws -> [Double] {
        var t = [Double](repeating: 0, count: x.count)  // u T_j
        var cur = x  // T_j, then N_{j+1} after the accumulation
        var other = [Double](repeating: 0, count: x.count)  // N_j, then T_{j+1}
        // T_1 = alpha u (u x) - beta x, and N_1 = x + 2 beta T_1 (accumulated into x's copy).
        try cur.withUnsafeMutableBufferPointer { cp in
            try t.withUnsafeMutableBufferPointer { tp in
                try op.apply(block: nb, x: cp.baseAddress!, into: tp.baseAddress!, scale: 1 / a, shift: target, z: nil, zScale: 0, accumulate: nil, mu: 0)
            }
            try t.withUnsafeBufferPointer { tp in
                try other.withUnsafeMutableBufferPointer { op1 in
                    try op.apply(block: nb, x: tp.baseAddress!, into: op1.baseAddress!, scale: alpha / a, shift: target, z: UnsafePointer(cp.baseAddress!),
                                 zScale: -beta, accumulate: K == 1 ? nil : cp.baseAddress!, mu: 2 * beta)
                }
            }
        }
        // other = T_1, cur = N_1.
        if K == 1 { return other }
        for _ in 2...K {
            swap(&cur, &other)  // cur = T_j, other = N_j
            // t = u T_j; then T_{j+1} = 2 alpha u t - N_j written over N_j, and T_j += 2 beta T_{j+1} (= N_{j+1}).
            try cur.withUnsafeMutableBufferPointer { cp in
                try t.withUnsafeMutableBufferPointer { tp in
                    try op.apply(block: nb, x: UnsafePointer(cp.baseAddress!), into: tp.baseAddress!, scale: 1 / a, shift: target, z: nil, zScale: 0,
                                 accumulate: nil, mu: 0)
                }
                try t.withUnsafeBufferPointer { tp in
                    try other.withUnsafeMutableBufferPointer { np in
                        try op.apply(block: nb, x: tp.baseAddress!, into: np.baseAddress!, scale: 2 * alpha / a, shift: target,
                                     z: UnsafePointer(np.baseAddress!), zScale: -1, accumulate: cp.baseAddress!, mu: 2 * beta)
                    }
                }
            }
        }
        return other
    }

    /// Collective: the DACP strategy of `solve` (same contract: k converged pairs or a `PolynomialFilterError`).
    static func solveDACP<Op: FilterOperator>(_ op: Op, target: Double, center: Double, halfWidth a: Double, scale: Double, density: Double,
                                              settings: PolynomialFilterSettings, context: String) throws -> Pairs {
        let k = settings.count, n = op.dimension, rows = op.ownedRows.count
        let tolAbs = settings.tolerance * scale
        let nr = max(1, min(settings.startVectors, n))
        let xt = (target - center) / a
        let bigM = 1 + abs(xt)
        let windowCount = max(Double(k), settings.windowFactor * Double(k))
        let w = min(windowCount / (2 * a * max(density, 1e-300)), 0.5 * bigM)
        let (alpha, beta, K) = dacpWindow(xt: xt, halfWidth: w, suppression: settings.suppression, degree: settings.degree)
        let wTheta = w / max(1 - xt * xt, 1e-2).squareRoot()
        // cos(j s theta) cannot tell s theta from -s theta (mod 2 pi): the
        // largest s up to stepFactor pi / (2 w_theta) that keeps s times the
        // window's theta range inside one half period (no aliasing).
        let thetaT = acos(max(-1, min(1, xt)))
        var step = max(1, Int(settings.stepFactor * Double.pi / (2 * wTheta)))
        while step > 1 && floor(Double(step) * (thetaT - wTheta) / Double.pi) != floor(Double(step) * (thetaT + wTheta) / Double.pi) { step -= 1 }
        let firstCheck = min(n, max(k, Int((settings.basisFactor * windowCount).rounded(.up))))
        let space = RitzSpace(op, blockSize: settings.blockSize, reserve: min(n, settings.plannedBasisVectors))
        var products = 0, seedColumn = 0, samples = 0, sinceCheck = 0, empty = 0, checkedAt = 0

        // c fresh filtered vectors, each column normalized (row-major rows x c).
        func start(_ c: Int) throws -> [Double] {
            let x = transpose(startColumns(op, c, from: seedColumn), rows: rows, cols: c)
            seedColumn += c
            var f = try windowFilter(op, x, nb: c, alpha: alpha, beta: beta, degree: K, target: target, halfWidth: a)
            products += c * 2 * K
            var sq = [Double](repeating: 0, count: c)
            for r in 0..<rows { for j in 0..<c { sq[j] += f[r * c + j] * f[r * c + j] } }
            let norms = try op.sum(sq).map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
            for r in 0..<rows { for j in 0..<c { f[r * c + j] *= norms[j] } }
            return f
        }

        // Row-major rows x c vectors into the basis (orthonormalized against it; directions already in it dropped).
        func keep(_ x: [Double], _ c: Int) throws {
            let (wv, kept) = try orthonormalize(op, transpose(x, rows: c, cols: rows), cols: c, basis: space.basis, m: space.m)
            try space.append(wv, cols: kept)
        }

        // The safeguard: a converged set is accepted when `verifyVectors` fresh filtered vectors leave it unchanged.
        func verified(_ found: Found, last: Bool) throws -> Found? {
            let nv = min(settings.verifyVectors, n - space.m)
            guard nv > 0 else { return found }
            try keep(try start(nv), nv)
            guard let again = try space.nearest(count: k, target: target, scale: scale, tolerance: tolAbs, last: last),
                  zip(again.values, found.values).allSatisfy({ abs($0 - $1) <= tolAbs }) else { return nil }
            return again
        }

        var prev = try start(nr)  // T_{j-1} psi
        var cur = prev  // T_j psi
        var j = 0
        // s more evolution steps.
        func evolve() throws {
            for _ in 0..<step {
                if j == 0 {
                    try prev.withUnsafeBufferPointer { pp in
                        try cur.withUnsafeMutableBufferPointer { cp in
                            try op.apply(block: nr, x: pp.baseAddress!, into: cp.baseAddress!, scale: 1 / a, shift: center, z: nil, zScale: 0,
                                         accumulate: nil, mu: 0)
                        }
                    }
                } else {
                    try cur.withUnsafeBufferPointer { cp in
                        try prev.withUnsafeMutableBufferPointer { pp in
                            try op.apply(block: nr, x: cp.baseAddress!, into: pp.baseAddress!, scale: 2 / a, shift: center,
                                         z: UnsafePointer(pp.baseAddress!), zScale: -1, accumulate: nil, mu: 0)
                        }
                    }
                    swap(&prev, &cur)
                }
                j += 1
                products += nr
            }
        }
        // Samples wait in `pending` (column-major) and enter the basis together
        // (`orthonormalizeBatch`, `RitzSpace.append`), up to `sampleBatch` at a time.
        // A batch closes early where a check would be due, and once a sample lost a
        // direction the samples enter one at a time.
        var pending: [Double] = [], pendingSamples = 0, saturating = false
        pending.reserveCapacity(rows * nr * max(1, settings.sampleBatch))
        while samples < max(1, settings.maxIterations) {
            // Keep T_j psi.
            samples += 1
            pending.append(contentsOf: transpose(cur, rows: nr, cols: rows))
            pendingSamples += 1
            sinceCheck += 1
            let size = space.m + pendingSamples * nr
            let closes = samples == settings.maxIterations || size >= n || saturating || pendingSamples >= max(1, settings.sampleBatch)
                || (size >= firstCheck && sinceCheck >= settings.checkEvery && size - checkedAt >= size / 16)
            guard closes else {
                try evolve()
                continue
            }
            let (wv, c, perSample) = try orthonormalizeBatch(op, &pending, samples: pendingSamples, width: nr, basis: space.basis, m: space.m)
            try space.append(wv, cols: c)
            saturating = perSample.contains { $0 < nr }
            for kept in perSample { empty = kept == 0 ? empty + 1 : 0 }
            pending.removeAll(keepingCapacity: true)
            pendingSamples = 0
            let last = samples == settings.maxIterations || space.m == n
            // A check costs O(m^2 D) (the candidates' Ritz vectors), so a large basis is checked after it grew by 1/16.
            let due = sinceCheck >= settings.checkEvery && space.m - checkedAt >= space.m / 16
            // An unchanged basis gives the same extraction: a check needs new vectors since the last one.
            if (space.m >= firstCheck || (empty > 0 && space.m >= k)) && (due || last || empty > 0) && (space.m > checkedAt || last) {
                sinceCheck = 0
                checkedAt = space.m
                if let found = try space.nearest(count: k, target: target, scale: scale, tolerance: tolAbs, last: last),
                   let checked = try verified(found, last: last) {
                    return Pairs(checked, iterations: samples, degree: K, basisSize: space.m, products: products)
                }
            }
            if last { break }
            if empty >= 2 {
                // The evolution of these vectors adds nothing new: fresh filtered start vectors.
                prev = try start(nr)
                cur = prev
                j = 0
                empty = 0
                saturating = false
                continue
            }
            try evolve()
        }
        throw PolynomialFilterError(
            message: "converged \(space.converged) of \(k) eigenpairs nearest \(target) (worst residual \(space.worst), tolerance \(tolAbs)) after "
                + "\(samples) DACP samples of \(nr) vectors every \(step) Chebyshev steps (max_iterations \(settings.maxIterations)), "
                + "\(space.m) basis vectors, window filter degree \(K), dimension \(n)",
            context: context)
    }
}
