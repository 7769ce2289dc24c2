import QGLinearAlgebra

extension PolynomialFilterED.Pairs {
    init(_ found: PolynomialFilterED.Found, iterations: Int, degree: Int, basisSize: Int, products: Int) {
        self.init(values: found.values, localVectors: found.vectors, residualMax: found.residualMax, iterations: iterations, degree: degree,
                  basisSize: basisSize, products: products)
    }
}

extension PolynomialFilterED {
    /// Collective: `c` deterministic pseudo-random columns (owned rows, column-major), global
    /// columns `first` ..< `first + c`, keyed by the global row (a group starts as one rank).
    static func startColumns<Op: FilterOperator>(_ op: Op, _ c: Int, from first: Int) -> [Double] {
        let rows = op.ownedRows.count, base = op.ownedRows.lowerBound
        var r = [Double](repeating: 0, count: rows * c)
        for j in 0..<c { for i in 0..<rows { r[j * rows + i] = randomEntry(row: base + i, col: first + j, seed: 0x24) } }
        return r
    }

    /// Ritz pairs whose exact residuals one extraction computes for k wanted:
    /// the k nearest with small estimates, no margin. A candidate past them is
    /// never chosen: one of the k nearest above the tolerance lies within the
    /// reach of any k chosen and makes the extraction short (`extract`).
    static func candidateCount(_ k: Int) -> Int { k }

    /// What one Rayleigh-Ritz extraction gives: the k pairs (values
    /// ascending, vectors column-major on the owned rows) or how far it got.
    enum Extraction {
        case done(Found)
        case short(converged: Int, worst: Double)
        /// Fewer candidates than k with small residual estimates (nothing to report yet).
        case tooFew
    }

    /// The k converged pairs nearest the target: values ascending, vectors column-major on the owned rows.
    struct Found {
        var values: [Double]
        var vectors: [Double]
        var residualMax: Double
    }

    /// An orthonormal basis V (owned rows, column-major), HV, and the
    /// projections G = V^T H V and M = (HV)^T (HV), grown block by block;
    /// the Rayleigh-Ritz extraction both basis strategies share.
    final class RitzSpace<Op: FilterOperator> {
        let op: Op
        let rows: Int
        let blockSize: Int
        private(set) var basis: [Double] = [], hBasis: [Double] = []
        private(set) var m = 0
        /// G and M, column-major with leading dimension `ld` >= m.
        private var g: [Double] = [], mm: [Double] = []
        private var ld = 0
        /// How far the last short extraction got (for the solver's error message).
        private(set) var converged = 0, worst = Double.infinity

        /// Local: an empty space; `reserve` basis vectors of address space
        /// for V and H V (untouched pages cost no memory; a basis that grows
        /// past them is copied, which holds two copies for a moment).
        init(_ op: Op, blockSize: Int, reserve: Int) {
            self.op = op
            rows = op.ownedRows.count
            self.blockSize = max(1, blockSize)
            basis.reserveCapacity(rows * reserve)
            hBasis.reserveCapacity(rows * reserve)
        }

        /// Collective: appends c orthonormal columns w (orthogonal to V), computing H w and growing G and M.
        func append(_ w: [Double], cols c: Int) throws {
            guard c > 0 else { return }
            let hw = try applyH(op, w, cols: c, nb: blockSize)
            basis.append(contentsOf: w)
            hBasis.append(contentsOf: hw)
            let m0 = m
            m += c
            let gNew = try innerProducts(op, basis, m: m, hw, n: c)
            let mNew = try innerProducts(op, hBasis, m: m, hw, n: c)
            if m > ld {
                // Room for the next columns: the leading dimension doubles, so the O(m^2) copy is rare.
                let ld2 = max(2 * ld, m, 64)
                var g2 = [Double](repeating: 0, count: ld2 * ld2), m2 = [Double](repeating: 0, count: ld2 * ld2)
                for j in 0..<m0 { for i in 0..<m0 { g2[i + j * ld2] = g[i + j * ld]; m2[i + j * ld2] = mm[i + j * ld] } }
                g = g2; mm = m2; ld = ld2
            }
            for jj in 0..<c {
                let j = m0 + jj
                for i in 0..<m {
                    g[i + j * ld] = gNew[i + jj * m]; g[j + i * ld] = gNew[i + jj * m]
                    mm[i + j * ld] = mNew[i + jj * m]; mm[j + i * ld] = mNew[i + jj * m]
                }
            }
            // Symmetrize the new diagonal block exactly.
            for jj in 0..<c {
                for ii in 0..<c {
                    let i = m0 + ii, j = m0 + jj
                    g[i + j * ld] = 0.5 * (gNew[i + jj * m] + gNew[j + ii * m])
                    mm[i + j * ld] = 0.5 * (mNew[i + jj * m] + mNew[j + ii * m])
                }
            }
        }

        /// Collective: Rayleigh-Ritz with H on V. Ritz values of unconverged
        /// mixtures fall anywhere, the target included, so the candidates
        /// are the k pairs nearest `target` whose estimate (s^T M s -
        /// theta^2)^1/2 is below 1e-5 `scale`; their exact residuals
        /// ||H y - theta y||_2 decide. They are returned when all k have
        /// residual <= `tolerance` and no other partly converged Ritz value
        /// (estimate below 1e-3 `scale`) is nearer `target` than the farthest of them.
        func extract(count k: Int, target: Double, scale: Double, tolerance tolAbs: Double, last: Bool) throws -> Extraction {
            var gc = [Double](repeating: 0, count: m * m)
            for j in 0..<m { for i in j..<m { gc[i + j * m] = g[i + j * ld] } }  // the lower triangle is what LAPACK reads
            let (theta, s) = try eigh(gc, n: m)
            var ms = [Double](repeating: 0, count: m * m)
            mm.withUnsafeBufferPointer { mp in
                s.withUnsafeBufferPointer { sp in
                    ms.withUnsafeMutableBufferPointer { op in
                        gemm(.none, .none, m: m, n: m, k: m, alpha: 1, a: mp.baseAddress!, lda: ld, b: sp.baseAddress!, ldb: m, beta: 0,
                             c: op.baseAddress!, ldc: m)
                    }
                }
            }
            // Residual estimates ||HVs||^2 - theta^2 = s^T M s - theta^2 (cancellation limits them to ~1e-7 |E|).
            let estimate = (0..<m).map { i -> Double in
                var q = 0.0
                for r in 0..<m { q += s[r + i * m] * ms[r + i * m] }
                return max(0, q - theta[i] * theta[i]).squareRoot()
            }
            let byDistance = (0..<m).sorted { abs(theta[$0] - target) < abs(theta[$1] - target) }
            // Ascending, so that their Ritz vectors come out in the order returned.
            let candidates = byDistance.filter { estimate[$0] <= 1e-5 * scale }.prefix(PolynomialFilterED.candidateCount(k)).sorted { theta[$0] < theta[$1] }
            guard candidates.count >= k || last else { return .tooFew }
            // A cheap probe first: the candidates with the largest estimates. One
            // above the tolerance makes the extraction short (below), so the
            // full set of Ritz vectors is formed only when the probe passes.
            let probe = Array(candidates.sorted { estimate[$0] > estimate[$1] }.prefix(probeCount))
            if probe.count < candidates.count {
                let probed = try residuals(s, theta, columns: probe).residuals
                let failed = probed.filter { $0 > tolAbs }
                if !failed.isEmpty { return .short(converged: candidates.count - failed.count, worst: failed.max()!) }
            }
            // Exact residuals of the candidates: R = HV S - V S Theta.
            let (y, residuals) = try self.residuals(s, theta, columns: candidates)
            let converged = residuals.filter { $0 <= tolAbs }.count
            guard converged == k else {
                return .short(converged: converged, worst: residuals.filter { $0 > tolAbs }.max() ?? residuals.max() ?? .infinity)
            }
            // The k nearest: no partly converged Ritz value may be nearer the target than the farthest chosen one.
            let reach = candidates.map { abs(theta[$0] - target) }.max()!
            let chosenIndices = Set(candidates)
            let pending = (0..<m).filter { abs(theta[$0] - target) <= reach && !chosenIndices.contains($0) && estimate[$0] <= 1e-3 * scale }
            guard pending.isEmpty else { return .short(converged: k - 1, worst: residuals.max()!) }
            return .done(Found(values: candidates.map { theta[$0] }, vectors: y, residualMax: residuals.max()!))
        }

        /// Candidates whose exact residuals a failing extraction computes before the rest.
        let probeCount = 32

        /// Collective: the Ritz vectors y = V s_i of the given columns of S
        /// (owned rows, column-major) and their residuals ||H y - theta_i y||_2.
        func residuals(_ s: [Double], _ theta: [Double], columns: [Int]) throws -> (vectors: [Double], residuals: [Double]) {
            let nc = columns.count
            var sk = [Double](repeating: 0, count: m * nc)
            for (j, i) in columns.enumerated() { for r in 0..<m { sk[r + j * m] = s[r + i * m] } }
            var y = [Double](repeating: 0, count: rows * nc), hy = [Double](repeating: 0, count: rows * nc)
            if rows > 0 && nc > 0 {
                basis.withUnsafeBufferPointer { bp in
                    hBasis.withUnsafeBufferPointer { hp in
                        sk.withUnsafeBufferPointer { sp in
                            y.withUnsafeMutableBufferPointer { yp in
                                gemm(.none, .none, m: rows, n: nc, k: m, alpha: 1, a: bp.baseAddress!, lda: rows, b: sp.baseAddress!, ldb: m,
                                     beta: 0, c: yp.baseAddress!, ldc: rows)
                            }
                            hy.withUnsafeMutableBufferPointer { yp in
                                gemm(.none, .none, m: rows, n: nc, k: m, alpha: 1, a: hp.baseAddress!, lda: rows, b: sp.baseAddress!, ldb: m,
                                     beta: 0, c: yp.baseAddress!, ldc: rows)
                            }
                        }
                    }
                }
            }
            var local = [Double](repeating: 0, count: nc)
            for j in 0..<nc {
                let v = theta[columns[j]]
                var acc = 0.0
                for r in 0..<rows { let d = hy[j * rows + r] - v * y[j * rows + r]; acc += d * d }
                local[j] = acc
            }
            return (y, try op.sum(local).map { $0.squareRoot() })
        }

        /// Collective: `extract`'s k pairs, or nil with `converged` and `worst` updated by a short extraction.
        func nearest(count k: Int, target: Double, scale: Double, tolerance tolAbs: Double, last: Bool) throws -> Found? {
            switch try extract(count: k, target: target, scale: scale, tolerance: tolAbs, last: last) {
            case let .done(found):
                return found
            case let .short(c, w):
                converged = c; worst = w
            case .tooFew:
                break
            }
            return nil
        }
    }
}
