// Study S9: glassy Emch-Radin dynamics of disordered Ising spins (docs/emch-radin.md).
//
// Model: N spins-1/2 at random positions r_i in a d-ball of radius r_0 (d = 1, 2, 3),
// H = sum_{i<k} J_ik sigma^z_i sigma^z_k with Pauli matrices and J_ik = 1/|r_i - r_k|^alpha
// (C_alpha = 1, hbar = 1). From the x-polarized product state the exact (Emch-Radin)
// single-spin expectation is <sigma^x_i(tau)> = prod_{k != i} cos(2 J_ik tau); with
// <sigma^y_i> = <sigma^z_i> = 0 this fixes the one-spin density matrix, so the purity
// is (1 + <sigma^x_i>^2)/2. The magnetization per spin is <s_x> = <sigma^x>/2.
//
// Pure Swift, no MPI: one call handles one disorder sample; samples are independent
// (sample-parallel on the campaign driver). All randomness comes from CounterRNG
// with a caller-supplied (seed, stream, realization).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QGNumerics

/// Failures of the S9 layer; never reported as NaN rows.
public enum EmchRadinError: Error, Equatable, CustomStringConvertible {
    /// A parameter outside its domain (message says which).
    case invalidParameter(String)
    /// Random sequential adsorption did not place all N spins within the attempt budget.
    case packingUnreachable(d: Int, N: Int, packing: Double, placed: Int, attempts: Int)
    /// The stretched-exponential fit could not be done (too few points in the window,
    /// singular normal matrix, or no convergence); the message says which.
    case fitFailed(String)

    public var description: String {
        switch self {
        case .invalidParameter(let m): return "emch-radin: invalid parameter: \(m)"
        case let .packingUnreachable(d, N, x, placed, attempts):
            return "emch-radin: random sequential adsorption reached only \(placed) of \(N) spins at packing x = \(x) in d = \(d) after \(attempts) attempts (RSA jams near x = 1.49, 2.19, 3.07 for d = 1, 2, 3, less in a finite ball)"
        case .fitFailed(let m): return "emch-radin: fit failed: \(m)"
        }
    }
}

// MARK: - Geometry: random sequential adsorption in a d-ball

/// One disorder sample: N points in the d-ball of radius r0, pairwise distances >= rb.
public struct EmchRadinSample: Sendable {
    public let d: Int
    public let N: Int
    /// Ball radius r_0.
    public let r0: Double
    /// Exclusion radius r_b (minimum pair distance), r_b = r_0 (x/N)^(1/d).
    public let rb: Double
    /// Packing x = N r_b^d / r_0^d.
    public let packing: Double
    /// Positions, row-major N x d.
    public let positions: [Double]
    /// RSA candidates drawn (accepted + rejected); diagnostic.
    public let attempts: Int

    public init(d: Int, r0: Double, rb: Double, packing: Double, positions: [Double], attempts: Int = 0) {
        precondition(d >= 1 && positions.count % d == 0)
        self.d = d; self.r0 = r0; self.rb = rb; self.packing = packing
        self.positions = positions; self.N = positions.count / d; self.attempts = attempts
    }

    /// Volume of the unit d-ball, pi^(d/2) / Gamma(d/2 + 1).
    public static func unitBallVolume(_ d: Int) -> Double {
        pow(Double.pi, Double(d) / 2) / tgamma(Double(d) / 2 + 1)
    }

    /// Number density n = N / (V_d r_0^d).
    public var density: Double { Double(N) / (Self.unitBallVolume(d) * pow(r0, Double(d))) }

    /// Wigner-Seitz radius a = r_0 N^(-1/d): the ball holding one spin on average.
    public var wignerSeitzRadius: Double { r0 * pow(Double(N), -1.0 / Double(d)) }

    /// |r_i - r_k|.
    public func distance(_ i: Int, _ k: Int) -> Double {
        var s = 0.0
        for a in 0..<d { let u = positions[i * d + a] - positions[k * d + a]; s += u * u }
        return s.squareRoot()
    }

    /// |r_i| (distance from the centre).
    public func radius(_ i: Int) -> Double {
        var s = 0.0
        for a in 0..<d { let u = positions[i * d + a]; s += u * u }
        return s.squareRoot()
    }

    /// Interior spins: those with r_0 - |r_i| >= depth * a, a the Wigner-Seitz radius
    /// (default depth 2). The spin then has a full neighbourhood out to 2a in every
    /// direction. The neighbours that matter at time tau lie within R_tau ~ (2 tau)^(1/alpha),
    /// about a over the fit window, and the truncated far tail changes the decay exponent
    /// by O((R_tau/D)^(2 alpha - d)) for a spin at depth D (docs/emch-radin.md).
    /// Deterministic in (N, r0, d), so the same
    /// definition holds in every sample.
    public func interiorMask(depth: Double = 2) -> [Bool] {
        let cut = r0 - depth * wignerSeitzRadius
        return (0..<N).map { radius($0) <= cut }
    }

    /// Dense couplings J_ik = |r_i - r_k|^(-alpha), N x N row-major, zero diagonal.
    public func couplings(alpha: Double) -> [Double] {
        var J = [Double](repeating: 0, count: N * N)
        for i in 0..<N {
            for k in (i + 1)..<max(i + 1, N) {
                let v = pow(distance(i, k), -alpha)
                J[i * N + k] = v; J[k * N + i] = v
            }
        }
        return J
    }

    /// Nearest-neighbour distance of each spin (O(N^2)).
    public func nearestNeighbourDistances() -> [Double] {
        var nn = [Double](repeating: .infinity, count: N)
        for i in 0..<N {
            for k in (i + 1)..<max(i + 1, N) {
                let r = distance(i, k)
                if r < nn[i] { nn[i] = r }
                if r < nn[k] { nn[k] = r }
            }
        }
        return nn
    }

    /// Median nearest-neighbour coupling J_NN = median_i r_nn,i^(-alpha), the time unit of
    /// the seed's Fig. 1.
    public func medianNearestNeighbourCoupling(alpha: Double) -> Double {
        let j = nearestNeighbourDistances().map { pow($0, -alpha) }.sorted()
        guard !j.isEmpty else { return 0 }
        return j.count % 2 == 1 ? j[j.count / 2] : 0.5 * (j[j.count / 2 - 1] + j[j.count / 2])
    }
}

public enum EmchRadin {
    /// The packing x at which random sequential adsorption of hard balls jams
    /// in the bulk, d = 1, 2, 3 (less in a finite ball): no sample is placed at or above it.
    public static let jammingPacking: [Int: Double] = [1: 1.49, 2: 2.19, 3: 3.07]

    /// Canonical stream text for one geometry point. It leaves alpha out on purpose: the
    /// same positions serve every alpha (common random numbers across the alpha scan).
    /// Pass `StreamKey.make(streamText(...))` as the stream of `adsorb`.
    public static func streamText(d: Int, N: Int, packing: Double) -> String {
        "emch-radin|d=\(d)|N=\(N)|x=\(packing)"
    }

    /// Random sequential adsorption of N points in the d-ball of radius r0 with exclusion
    /// radius r_b = r0 (x/N)^(1/d) (so that x = N r_b^d / r0^d).
    ///
    /// Method: a candidate is uniform in the ball (rejection from the cube [-r0, r0]^d),
    /// and is accepted when no placed point lies closer than r_b (strictly: distance < r_b
    /// rejects). Overlap checks use a cell list with cells of side >= max(r_b, a), a the
    /// Wigner-Seitz radius, so each check visits 3^d cells and the whole run is O(N) for
    /// x well below jamming. x = 0 gives independent uniform points.
    ///
    /// - Parameters:
    ///   - attemptsPerSpin: the budget is attemptsPerSpin * N candidates in total;
    ///     exceeding it throws `.packingUnreachable` (RSA jamming: x ~ 1.49, 2.19, 3.07
    ///     for d = 1, 2, 3 in the bulk, lower in a small ball).
    ///   - rng: consumed in a fixed order, so the sample is a pure function of
    ///     (seed, stream, realization).
    public static func adsorb(d: Int, N: Int, packing x: Double, r0: Double = 1,
                              rng: inout CounterRNG, attemptsPerSpin: Int = 10_000) throws -> EmchRadinSample {
        guard (1...3).contains(d) else { throw EmchRadinError.invalidParameter("d = \(d) (need 1, 2 or 3)") }
        guard N >= 1 else { throw EmchRadinError.invalidParameter("N = \(N) (need >= 1)") }
        guard x >= 0, x.isFinite else { throw EmchRadinError.invalidParameter("packing x = \(x) (need finite >= 0)") }
        guard r0 > 0, r0.isFinite else { throw EmchRadinError.invalidParameter("r0 = \(r0)") }
        guard attemptsPerSpin >= 1 else { throw EmchRadinError.invalidParameter("attemptsPerSpin = \(attemptsPerSpin)") }
        let D = Double(d)
        let rb = r0 * pow(x / Double(N), 1 / D)
        let rb2 = rb * rb
        let a = r0 * pow(Double(N), -1 / D)
        let h = max(rb, a)
        let m = max(1, Int((2 * r0 / h).rounded(.down)))        // cells per axis, side 2r0/m >= h >= rb
        var cellCount = 1
        for _ in 0..<d { cellCount *= m }
        var head = [Int32](repeating: -1, count: cellCount)
        var next = [Int32](repeating: -1, count: N)
        var pos = [Double](repeating: 0, count: N * d)
        func cellCoord(_ u: Double) -> Int { min(m - 1, max(0, Int((u + r0) / (2 * r0) * Double(m)))) }

        var placed = 0, attempts = 0
        let budget = attemptsPerSpin.multipliedReportingOverflow(by: N).overflow ? Int.max : attemptsPerSpin * N
        var cand = [Double](repeating: 0, count: d)
        var cc = [Int](repeating: 0, count: 3)
        while placed < N {
            if attempts >= budget {
                throw EmchRadinError.packingUnreachable(d: d, N: N, packing: x, placed: placed, attempts: attempts)
            }
            attempts += 1
            // Uniform in the ball by rejection from the cube (acceptance 1, pi/4, pi/6).
            var s: Double
            repeat {
                s = 0
                for q in 0..<d { let u = (2 * rng.uniform() - 1) * r0; cand[q] = u; s += u * u }
            } while s > r0 * r0
            for q in 0..<d { cc[q] = cellCoord(cand[q]) }
            var ok = true
            if rb > 0 {
                let lo0 = max(0, cc[0] - 1), hi0 = min(m - 1, cc[0] + 1)
                let lo1 = d > 1 ? max(0, cc[1] - 1) : 0, hi1 = d > 1 ? min(m - 1, cc[1] + 1) : 0
                let lo2 = d > 2 ? max(0, cc[2] - 1) : 0, hi2 = d > 2 ? min(m - 1, cc[2] + 1) : 0
                outer: for c2 in lo2...hi2 {
                    for c1 in lo1...hi1 {
                        for c0 in lo0...hi0 {
                            var p = Int(head[(c2 * m + c1) * m + c0])
                            while p >= 0 {
                                var r2 = 0.0
                                for q in 0..<d { let u = pos[p * d + q] - cand[q]; r2 += u * u }
                                if r2 < rb2 { ok = false; break outer }
                                p = Int(next[p])
                            }
                        }
                    }
                }
            }
            if !ok { continue }
            for q in 0..<d { pos[placed * d + q] = cand[q] }
            let cell = ((d > 2 ? cc[2] : 0) * m + (d > 1 ? cc[1] : 0)) * m + cc[0]
            next[placed] = head[cell]
            head[cell] = Int32(placed)
            placed += 1
        }
        return EmchRadinSample(d: d, r0: r0, rb: rb, packing: x, positions: pos, attempts: attempts)
    }

    /// `adsorb` with a fresh CounterRNG(seed, stream, realization).
    public static func sample(d: Int, N: Int, packing: Double, r0: Double = 1,
                              seed: UInt64, stream: UInt64, realization: Int,
                              attemptsPerSpin: Int = 10_000) throws -> EmchRadinSample {
        var rng = CounterRNG(seed: seed, stream: stream, realization: realization)
        return try adsorb(d: d, N: N, packing: packing, r0: r0, rng: &rng, attemptsPerSpin: attemptsPerSpin)
    }

    /// n log-spaced times tau_j = tauMin (tauMax/tauMin)^(j/(n-1)) (`Grid.logarithmic`), the last exactly tauMax.
    public static func logGrid(from tauMin: Double, to tauMax: Double, count n: Int) throws -> [Double] {
        guard tauMin > 0, tauMax > tauMin, tauMax.isFinite, n >= 2 else {
            throw EmchRadinError.invalidParameter("log grid [\(tauMin), \(tauMax)] with \(n) points")
        }
        var grid = Grid.logarithmic(tauMin, tauMax, n)
        grid[n - 1] = tauMax
        return grid
    }
}

// MARK: - Exact dynamics

/// Per-spin exact dynamics of one sample on a time grid.
///
/// Storage: for spin i and time t, L[i, t] = sum_{k != i} log|cos(2 J_ik tau_t)| and the
/// parity P[i, t] of the number of negative factors, so that
/// <sigma^x_i(tau_t)> = (-1)^P exp(L) and prod_k cos^2 = exp(2 L). A vanishing factor gives
/// L = -inf, hence exactly 0 for both (never NaN: every term is <= 0).
public struct EmchRadinDynamics: Sendable {
    public let N: Int
    public let taus: [Double]
    /// Row-major N x T.
    public let logAbs: [Double]
    /// Row-major N x T, 0 or 1.
    public let negativeParity: [UInt8]

    public var T: Int { taus.count }

    /// <sigma^x_i(tau)> = prod_{k != i} cos(2 J_ik tau) on the grid.
    public func sigmaX(spin i: Int) -> [Double] {
        (0..<T).map { t in
            let v = exp(logAbs[i * T + t])
            return negativeParity[i * T + t] == 0 ? v : -v
        }
    }

    /// Single-spin purity tr rho_i^2 = (1 + <sigma^x_i>^2)/2 on the grid.
    public func purity(spin i: Int) -> [Double] {
        (0..<T).map { t in 0.5 * (1 + exp(2 * logAbs[i * T + t])) }
    }

    /// Averages over the spins where mask is true (all spins for nil):
    /// <s_x> = (1/2) mean_i <sigma^x_i>, purity = (1/2)(1 + mean_i prod_k cos^2);
    /// NaN over no spin.
    public func average(mask: [Bool]? = nil) -> EmchRadinCurves {
        var sx = [Double](repeating: 0, count: T)
        var p2 = [Double](repeating: 0, count: T)
        var count = 0
        for i in 0..<N where mask?[i] ?? true {
            count += 1
            for t in 0..<T {
                let l = logAbs[i * T + t]
                let v = exp(l)
                sx[t] += negativeParity[i * T + t] == 0 ? v : -v
                p2[t] += exp(2 * l)
            }
        }
        if count > 0 {
            let c = Double(count)
            for t in 0..<T { sx[t] = 0.5 * sx[t] / c; p2[t] = 0.5 * (1 + p2[t] / c) }
        } else {
            sx = [Double](repeating: .nan, count: T)
            p2 = sx
        }
        return EmchRadinCurves(count: count, taus: taus, magnetization: sx, purity: p2)
    }
}

/// Spin-averaged curves of one sample (or pooled over samples).
public struct EmchRadinCurves: Sendable {
    /// Spins averaged over (0: an average over no spin, the curves are NaN).
    public let count: Int
    public let taus: [Double]
    /// <s_x(tau)> = (1/2N) sum_i <sigma^x_i>, starts at 1/2.
    public let magnetization: [Double]
    /// (1/2)(1 + (1/N) sum_i <sigma^x_i>^2), starts at 1, tends to 1/2.
    public let purity: [Double]
    public init(count: Int, taus: [Double], magnetization: [Double], purity: [Double]) {
        self.count = count; self.taus = taus; self.magnetization = magnetization; self.purity = purity
    }

    /// purity - 1/2, the stretched-exponential part (starts at 1/2).
    public var purityExcess: [Double] { purity.map { $0 - 0.5 } }
}

/// Pools per-sample curves: the spin-weighted mean over all samples (the seed's ensemble
/// average) and a standard error from the scatter of the per-sample means,
/// se = std(sample means) / sqrt(Ns) (samples of equal spin count; for the interior
/// average the counts differ by a few per cent and this is the usual approximation).
public struct EmchRadinAccumulator: Sendable {
    public let taus: [Double]
    public private(set) var samples = 0
    public private(set) var spins = 0
    private var sumM: [Double], sumP: [Double]          // spin-weighted sums
    private var sumMeanM: [Double], sumMeanM2: [Double], sumMeanP: [Double], sumMeanP2: [Double]

    public init(taus: [Double]) {
        self.taus = taus
        let z = [Double](repeating: 0, count: taus.count)
        sumM = z; sumP = z; sumMeanM = z; sumMeanM2 = z; sumMeanP = z; sumMeanP2 = z
    }

    public mutating func add(_ c: EmchRadinCurves) {
        precondition(c.taus == taus, "time grids differ")
        guard c.count > 0 else { return }
        samples += 1; spins += c.count
        let w = Double(c.count)
        for t in taus.indices {
            let m = c.magnetization[t], p = c.purity[t]
            sumM[t] += w * m; sumP[t] += w * p
            sumMeanM[t] += m; sumMeanM2[t] += m * m
            sumMeanP[t] += p; sumMeanP2[t] += p * p
        }
    }

    /// Pooled curves (count = total spins).
    public var curves: EmchRadinCurves {
        let w = Double(max(spins, 1))
        return EmchRadinCurves(count: spins, taus: taus, magnetization: sumM.map { $0 / w }, purity: sumP.map { $0 / w })
    }

    /// Standard errors of the pooled magnetization and purity; nil for fewer than 2 samples.
    public var standardErrors: (magnetization: [Double], purity: [Double])? {
        guard samples >= 2 else { return nil }
        let n = Double(samples)
        func se(_ s: [Double], _ s2: [Double]) -> [Double] {
            zip(s, s2).map { a, b in
                let mean = a / n
                return (max(0, (b / n - mean * mean)) * n / (n - 1) / n).squareRoot()
            }
        }
        return (se(sumMeanM, sumMeanM2), se(sumMeanP, sumMeanP2))
    }
}

extension EmchRadin {
    /// Below this |2 J tau| the factor uses the Taylor series of log cos (six terms, error
    /// < 1e-17 absolute); above it, log|cos| from libm.
    public static let seriesThreshold = 0.1

    /// Exact dynamics of one sample: J_ik = |r_i - r_k|^(-alpha).
    public static func evolve(_ sample: EmchRadinSample, alpha: Double, taus: [Double]) throws -> EmchRadinDynamics {
        guard alpha > 0, alpha.isFinite else { throw EmchRadinError.invalidParameter("alpha = \(alpha)") }
        let N = sample.N
        return try evolve(N: N, taus: taus) { i, k in pow(sample.distance(i, k), -alpha) }
    }

    /// The curves of one sample for each alpha, in order and concatenated (alpha-major),
    /// by the dataset names of the emch_radin study: the time grid `tau` of alpha
    /// (`EmchRadinTheory.timeGrid` of the decay grid u at the sample's density),
    /// the analytic rate `gamma_m_theory`, the median nearest-neighbour coupling
    /// `j_nn_median`, and the magnetization and purity averaged over all spins and
    /// over the spins of `interior` (NaN when it has none).
    public static func curves(_ sample: EmchRadinSample, alphas: [Double], decay u: [Double], interior: [Bool]) throws -> [String: [Double]] {
        var out = [String: [Double]](uniqueKeysWithValues: ["tau", "gamma_m_theory", "j_nn_median", "magnetization_all", "purity_all",
                                                            "magnetization_interior", "purity_interior"].map { ($0, []) })
        for a in alphas {
            let taus = try EmchRadinTheory.timeGrid(decay: u, d: sample.d, alpha: a, density: sample.density)
            let dyn = try evolve(sample, alpha: a, taus: taus)
            let all = dyn.average(), inner = dyn.average(mask: interior)
            out["tau"]! += taus
            out["gamma_m_theory"]!.append(try EmchRadinTheory.gammaM(d: sample.d, alpha: a, density: sample.density))
            out["j_nn_median"]!.append(sample.medianNearestNeighbourCoupling(alpha: a))
            out["magnetization_all"]! += all.magnetization
            out["purity_all"]! += all.purity
            out["magnetization_interior"]! += inner.magnetization
            out["purity_interior"]! += inner.purity
        }
        return out
    }

    /// Exact dynamics for a dense symmetric coupling matrix (N x N row-major; the
    /// diagonal is ignored). Signs of J do not matter (cos is even).
    public static func evolve(couplings J: [Double], N: Int, taus: [Double]) throws -> EmchRadinDynamics {
        guard J.count == N * N else { throw EmchRadinError.invalidParameter("coupling matrix has \(J.count) entries, need \(N * N)") }
        return try evolve(N: N, taus: taus) { i, k in J[i * N + k] }
    }

    /// The kernel. For each pair i < k (outer loops) and each time (inner, contiguous) it
    /// adds log|cos(2 J_ik tau)| to the rows of both i and k and flips their sign parity
    /// where the factor is negative. Since tau is ascending, the times with
    /// |2 J tau| < seriesThreshold form a prefix; there the factor is positive and the
    /// series -x^2/2 - x^4/12 - x^6/45 - 17x^8/2520 - 31x^10/14175 - 691x^12/467775
    /// (next term < 1e-17 at x = 0.1) is a branch-free loop. The suffix calls cos and log.
    /// Cost O(N^2 T / 2) factor evaluations; one scratch row, no allocation per pair.
    ///
    /// Accuracy: each factor to a few ulp of its argument; for 2 J tau >> 1 the argument's
    /// own rounding (|2 J tau| * 1e-16) dominates, as it would for any method.
    static func evolve(N: Int, taus: [Double], coupling: (Int, Int) -> Double) throws -> EmchRadinDynamics {
        guard N >= 1 else { throw EmchRadinError.invalidParameter("N = \(N)") }
        let T = taus.count
        guard T >= 1 else { throw EmchRadinError.invalidParameter("empty time grid") }
        for t in 0..<T {
            guard taus[t] >= 0, taus[t].isFinite, t == 0 || taus[t] > taus[t - 1] else {
                throw EmchRadinError.invalidParameter("time grid must be finite, >= 0 and strictly ascending (tau[\(t)] = \(taus[t]))")
            }
        }
        var L = [Double](repeating: 0, count: N * T)
        var P = [UInt8](repeating: 0, count: N * T)
        var scratch = [Double](repeating: 0, count: T)
        var neg = [UInt8](repeating: 0, count: T)
        let xs = seriesThreshold
        let c1 = 0.5, c2 = 1.0 / 12, c3 = 1.0 / 45, c4 = 17.0 / 2520, c5 = 31.0 / 14175, c6 = 691.0 / 467775
        try taus.withUnsafeBufferPointer { tau in
            try L.withUnsafeMutableBufferPointer { Lb in
                try P.withUnsafeMutableBufferPointer { Pb in
                    try scratch.withUnsafeMutableBufferPointer { s in
                        try neg.withUnsafeMutableBufferPointer { ng in
                            for i in 0..<N {
                                for k in (i + 1)..<max(i + 1, N) {
                                    let w = 2 * abs(coupling(i, k))
                                    guard w.isFinite else {
                                        throw EmchRadinError.invalidParameter("coupling J[\(i),\(k)] is not finite (coincident spins?)")
                                    }
                                    if w == 0 { continue }
                                    // First time index with w tau >= xs (binary search).
                                    let tauCut = xs / w
                                    var lo = 0, hi = T
                                    while lo < hi { let mid = (lo + hi) / 2; if tau[mid] < tauCut { lo = mid + 1 } else { hi = mid } }
                                    let cut = lo
                                    for t in 0..<cut {
                                        let x = w * tau[t], y = x * x
                                        s[t] = -y * (c1 + y * (c2 + y * (c3 + y * (c4 + y * (c5 + y * c6)))))
                                    }
                                    var anyNeg = false
                                    for t in cut..<T {
                                        let c = cos(w * tau[t])
                                        s[t] = log(abs(c))
                                        let n: UInt8 = c < 0 ? 1 : 0
                                        ng[t] = n
                                        if n != 0 { anyNeg = true }
                                    }
                                    let ri = i * T, rk = k * T
                                    for t in 0..<T { Lb[ri + t] += s[t]; Lb[rk + t] += s[t] }
                                    if anyNeg {
                                        for t in cut..<T { Pb[ri + t] ^= ng[t]; Pb[rk + t] ^= ng[t] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return EmchRadinDynamics(N: N, taus: taus, logAbs: L, negativeParity: P)
    }
}

// MARK: - Stretched-exponential fit

/// Result of fitting f(tau) = A exp(-(gamma tau)^beta).
public struct StretchedExponentialFit: Sendable, Equatable {
    public let A: Double, gamma: Double, beta: Double
    /// One-sigma errors from the covariance (J^T W J)^(-1) at the optimum, scaled by
    /// chi^2/dof when no sigmas were given.
    public let errA: Double, errGamma: Double, errBeta: Double
    /// chi^2 per degree of freedom (with the given sigmas, or unit weights).
    public let chi2PerDof: Double
    /// Grid indices of the fit window (inclusive).
    public let first: Int, last: Int
    public let iterations: Int
}

extension EmchRadin {
    /// The default fit window of `fitStretchedExponential`, in units of the reference
    /// amplitude A0: from the first point with f <= upper A0 to the last point before f
    /// first falls below lower A0. Declared here only; the S9 reducer varies it for the
    /// window-systematic error (docs/emch-radin.md, "Fit").
    public static let fitWindow = (lower: 0.02, upper: 0.95)

    /// Fits f(tau) = A exp(-(gamma tau)^beta) by Levenberg-Marquardt in (A, log gamma, beta).
    ///
    /// Window: with the reference amplitude A0 (1/2 for <s_x> and for purity - 1/2), the
    /// window starts at the first point with f <= upper * A0 and runs to the last point
    /// before f first falls below lower * A0. The upper cut removes the short-time
    /// quadratic regime tau < 1/J(r_b) set by the exclusion radius (there f ~ 1 - c tau^2,
    /// not stretched); the lower cut removes the late-time floor where finite-N and
    /// finite-sample fluctuations (~ 1/sqrt(N Ns)) dominate.
    ///
    /// Start: the linearized fit log(-log(f/A0)) = beta log gamma + beta log tau over the
    /// window. Convergence: relative chi^2 change < 1e-12 on an accepted step, or step
    /// norm < 1e-12, at most 500 iterations (else `.fitFailed`).
    /// Errors are the square roots of the covariance diagonal; gamma's is gamma * err(log gamma).
    /// Grid points share samples, so they are correlated and these errors are indicative;
    /// the sample-to-sample scatter of fitted beta is the conservative alternative.
    public static func fitStretchedExponential(taus: [Double], values f: [Double], sigmas: [Double]? = nil,
                                               referenceAmplitude A0: Double = 0.5,
                                               lower: Double = fitWindow.lower, upper: Double = fitWindow.upper) throws -> StretchedExponentialFit {
        guard taus.count == f.count, sigmas == nil || sigmas!.count == f.count else {
            throw EmchRadinError.invalidParameter("fit arrays differ in length")
        }
        guard A0 > 0, 0 < lower, lower < upper, upper < 1 else {
            throw EmchRadinError.invalidParameter("fit window lower = \(lower), upper = \(upper), A0 = \(A0)")
        }
        guard let first = f.firstIndex(where: { $0 <= upper * A0 }) else {
            throw EmchRadinError.fitFailed("the curve never falls below \(upper) A0; extend the time grid")
        }
        var last = first
        while last + 1 < f.count && f[last + 1] >= lower * A0 { last += 1 }
        if f[first] < lower * A0 { throw EmchRadinError.fitFailed("no point between \(lower) A0 and \(upper) A0") }
        let idx = Array(first...last)
        guard idx.count >= 5 else {
            throw EmchRadinError.fitFailed("only \(idx.count) points in the window [\(lower), \(upper)] A0; refine the grid")
        }
        for i in idx where !(taus[i] > 0) || !f[i].isFinite { throw EmchRadinError.fitFailed("non-positive tau or non-finite value at \(i)") }
        let w: [Double] = idx.map { i in
            if let s = sigmas { return s[i] > 0 ? 1 / (s[i] * s[i]) : 0 } else { return 1 }
        }
        if sigmas != nil, w.contains(where: { $0 == 0 }) { throw EmchRadinError.fitFailed("non-positive sigma in the window") }

        // Linearized start.
        var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, n = 0.0
        for i in idx {
            let r = f[i] / A0
            guard r > 0, r < 1 else { continue }
            let x = log(taus[i]), y = log(-log(r))
            sx += x; sy += y; sxx += x * x; sxy += x * y; n += 1
        }
        var beta = 0.5, u = -log(taus[idx[idx.count / 2]])
        if n >= 2, n * sxx - sx * sx > 0 {
            let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
            let icpt = (sy - slope * sx) / n
            if slope > 0.01 && slope < 10 { beta = slope; u = icpt / slope }
        }
        var p = [A0, u, beta]

        func residuals(_ p: [Double]) -> (chi2: Double, r: [Double], jac: [[Double]]) {
            var chi2 = 0.0
            var r = [Double](), jac = [[Double]]()
            r.reserveCapacity(idx.count); jac.reserveCapacity(idx.count)
            for (j, i) in idx.enumerated() {
                let lg = p[1] + log(taus[i])             // log(gamma tau)
                let z = exp(p[2] * lg)                    // (gamma tau)^beta
                let e = exp(-z)
                let model = p[0] * e
                let res = f[i] - model
                chi2 += w[j] * res * res
                r.append(res)
                jac.append([e, -p[0] * e * z * p[2], -p[0] * e * z * lg])
            }
            return (chi2, r, jac)
        }
        func normal(_ jac: [[Double]], _ r: [Double]) -> ([[Double]], [Double]) {
            var M = [[Double]](repeating: [0, 0, 0], count: 3), g = [0.0, 0, 0]
            for j in jac.indices {
                for a in 0..<3 {
                    g[a] += w[j] * jac[j][a] * r[j]
                    for b in 0..<3 { M[a][b] += w[j] * jac[j][a] * jac[j][b] }
                }
            }
            return (M, g)
        }
        var cur = residuals(p)
        var lambda = 1e-3
        var iterations = 0, converged = false
        while iterations < 500 {
            iterations += 1
            let (M, g) = normal(cur.jac, cur.r)
            var A = M
            for a in 0..<3 { A[a][a] *= 1 + lambda }
            guard let step = solve3(A, g) else { lambda *= 10; if lambda > 1e20 { break }; continue }
            let trial = [p[0] + step[0], p[1] + step[1], p[2] + step[2]]
            let tr = residuals(trial)
            if tr.chi2.isFinite && tr.chi2 <= cur.chi2 {
                let rel = (cur.chi2 - tr.chi2) / max(cur.chi2, 1e-300)
                let stepNorm = abs(step[0]) / max(abs(p[0]), 1e-300) + abs(step[1]) + abs(step[2]) / max(abs(p[2]), 1e-300)
                p = trial; cur = tr
                lambda = max(lambda / 10, 1e-15)
                if rel < 1e-12 || stepNorm < 1e-12 { converged = true; break }
            } else {
                lambda *= 10
                if lambda > 1e20 { converged = true; break }   // no downhill step at any damping: at the minimum to rounding
            }
        }
        guard converged else { throw EmchRadinError.fitFailed("Levenberg-Marquardt did not converge in 500 iterations") }
        guard p[0] > 0, p[2] > 0 else { throw EmchRadinError.fitFailed("unphysical optimum A = \(p[0]), beta = \(p[2])") }
        let (M, _) = normal(cur.jac, cur.r)
        guard let C = invert3(M) else { throw EmchRadinError.fitFailed("singular normal matrix at the optimum") }
        let dof = Double(idx.count - 3)
        let chi2PerDof = cur.chi2 / dof
        let scale = sigmas == nil ? chi2PerDof : 1
        let gamma = exp(p[1])
        return StretchedExponentialFit(
            A: p[0], gamma: gamma, beta: p[2],
            errA: (C[0][0] * scale).squareRoot(), errGamma: gamma * (C[1][1] * scale).squareRoot(),
            errBeta: (C[2][2] * scale).squareRoot(),
            chi2PerDof: chi2PerDof, first: first, last: last, iterations: iterations)
    }

    /// Solves a 3x3 system by Gaussian elimination with partial pivoting; nil if singular.
    static func solve3(_ A: [[Double]], _ b: [Double]) -> [Double]? {
        var m = A, v = b
        for c in 0..<3 {
            var piv = c
            for r in (c + 1)..<3 where abs(m[r][c]) > abs(m[piv][c]) { piv = r }
            guard abs(m[piv][c]) > 0, m[piv][c].isFinite else { return nil }
            if piv != c { m.swapAt(piv, c); v.swapAt(piv, c) }
            for r in (c + 1)..<3 {
                let q = m[r][c] / m[c][c]
                for k in c..<3 { m[r][k] -= q * m[c][k] }
                v[r] -= q * v[c]
            }
        }
        var x = [0.0, 0, 0]
        for r in stride(from: 2, through: 0, by: -1) {
            var s = v[r]
            for k in (r + 1)..<3 { s -= m[r][k] * x[k] }
            x[r] = s / m[r][r]
        }
        return x.allSatisfy { $0.isFinite } ? x : nil
    }

    static func invert3(_ A: [[Double]]) -> [[Double]]? {
        var cols = [[Double]]()
        for e in 0..<3 {
            var b = [0.0, 0, 0]; b[e] = 1
            guard let c = solve3(A, b) else { return nil }
            cols.append(c)
        }
        return (0..<3).map { r in (0..<3).map { c in cols[c][r] } }
    }
}

// MARK: - Thermodynamic-limit predictions

/// Closed forms of the N -> infinity, r_b -> 0 limit at fixed density n (C_alpha = 1 unless
/// given). With s = d/alpha in (0, 1]:
///   <s_x(tau)> = (1/2) exp(-(gamma_m tau)^s),
///   gamma_m = [kappa Gamma(1 - s) sin(pi (1 - s)/2)]^(1/s),  kappa = V_d n (2C)^s,
/// (the alpha = d limit of Gamma(1-s) sin(pi(1-s)/2) is pi/2, i.e. a pure exponential),
///   purity = (1/2)(1 + exp(-(gamma_p tau)^s)),  gamma_p = 2^(1 - alpha/d) gamma_m.
/// Derivation sketch in docs/emch-radin.md.
public enum EmchRadinTheory {
    /// Stretch exponent beta = d/alpha (both magnetization and purity).
    public static func beta(d: Int, alpha: Double) -> Double { Double(d) / alpha }

    /// gamma_p / gamma_m = 2^(1 - alpha/d).
    public static func rateRatio(d: Int, alpha: Double) -> Double { pow(2, 1 - alpha / Double(d)) }

    /// kappa = pi^(d/2) n (2C)^(d/alpha) / Gamma(d/2 + 1).
    public static func kappa(d: Int, alpha: Double, density n: Double, C: Double = 1) -> Double {
        EmchRadinSample.unitBallVolume(d) * n * pow(2 * C, Double(d) / alpha)
    }

    /// Gamma(1 - s) sin(pi (1 - s)/2) = Gamma(1-s) cos(pi s/2), s = d/alpha, with its limit
    /// pi/2 at s = 1 (evaluated as Gamma(2 - s) cos(pi s/2)/(1 - s), continuous there).
    public static func angularFactor(s: Double) throws -> Double {
        guard s > 0, s <= 1 else { throw EmchRadinError.invalidParameter("d/alpha = \(s) outside (0, 1] (need alpha >= d)") }
        if abs(1 - s) < 1e-8 { return Double.pi / 2 }
        return tgamma(1 - s) * cos(Double.pi * s / 2)
    }

    /// Analytic magnetization rate gamma_m.
    public static func gammaM(d: Int, alpha: Double, density n: Double, C: Double = 1) throws -> Double {
        let s = Double(d) / alpha
        return pow(kappa(d: d, alpha: alpha, density: n, C: C) * (try angularFactor(s: s)), 1 / s)
    }

    /// Analytic purity rate gamma_p = 2^(1 - alpha/d) gamma_m.
    public static func gammaP(d: Int, alpha: Double, density n: Double, C: Double = 1) throws -> Double {
        try gammaM(d: d, alpha: alpha, density: n, C: C) * rateRatio(d: d, alpha: alpha)
    }

    /// Number density n = N / (V_d r0^d) of N spins in the d-ball of radius r0.
    public static func density(d: Int, N: Int, r0: Double) -> Double { Double(N) / (EmchRadinSample.unitBallVolume(d) * pow(r0, Double(d))) }

    /// The time grid of the dimensionless decay grid u: tau_t = u_t^(alpha/d) / gamma_m
    /// (analytic rate at density n), so that (gamma_m tau_t)^(d/alpha) = u_t.
    public static func timeGrid(decay u: [Double], d: Int, alpha: Double, density n: Double) throws -> [Double] {
        let g = try gammaM(d: d, alpha: alpha, density: n)
        return u.map { pow($0, alpha / Double(d)) / g }
    }

    /// (1/2) exp(-(gamma_m tau)^(d/alpha)).
    public static func magnetization(tau: Double, d: Int, alpha: Double, density n: Double) throws -> Double {
        0.5 * exp(-pow(try gammaM(d: d, alpha: alpha, density: n) * tau, Double(d) / alpha))
    }

    /// (1/2)(1 + exp(-(gamma_p tau)^(d/alpha))).
    public static func purity(tau: Double, d: Int, alpha: Double, density n: Double) throws -> Double {
        0.5 * (1 + exp(-pow(try gammaP(d: d, alpha: alpha, density: n) * tau, Double(d) / alpha)))
    }
}
