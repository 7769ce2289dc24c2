import Foundation
import QGMPI
import QGHDF5
import QGLinearAlgebra
import QGPhysics

/// S8, avalanches in 2D (seed 002 Figs. 4, 5): a grain coupled to the origin
/// of the diamond lattice |n1| + |n2| <= R of free fermions with a
/// quasiperiodic or random potential; per sample, the bare couplings
/// g_n0 = g0 |phi_{n,0}| of every orbital and the self-consistent mean field
/// (AvalancheMeanField.solveChain), giving eta_tot and n_*.
///
/// Table `[diamond]`: `R` (list, 1...60), `W` (list, >= 0), `potential`
/// (list of "qp", "random"), optional `g0` (1), `hopping` (t of every bond, 1 as in
/// the seed's text; range `hoppingRange`), `theta_W` (W values, a subset
/// of W, at which the reducer keeps eta_tot vs theta_0 of every qp sample;
/// default none), `map_R`, `map_W`, `map_theta0` (per-orbital [S_n] maps of
/// realization 0 at radius map_R for every W in map_W, qp at theta_0 =
/// map_theta0 if given; default no maps).
///
/// Blocks: `/diamond/{kind}/R{R}` one row per (W, realization): theta (qp:
/// [1] = theta_0; random: [N] = theta_n in site order), eta_tot, n_star,
/// iterations. `/diamond/{kind}/maps` one row per map W: the orbitals'
/// sites from the assignment, [S_n] and g_n0 per site. Disorder (theta_0 or
/// theta_n) is keyed by (seed, study, kind, R, realization): the same at every W.
public struct DiamondStudy: Study {
    public static let name = "diamond"
    public static let summary = "S8: grain on a 2D diamond lattice of free fermions (qp or random potential), mean-field eta_tot per sample vs W"

    public enum Kind: String, Sendable, CaseIterable { case qp, random }
    public struct Point: Sendable, Hashable { public var kind: Kind; public var R: Int; public var W: Double; public var map: Bool }

    public let radii: [Int]
    public let strengths: [Double]
    public let kinds: [Kind]
    public let g0: Double
    /// Nearest-neighbour hopping t (seed's text: 1). H(t, W) = t H(1, W/t): the orbitals,
    /// hence every stored quantity, are those of hopping 1 at W/t (docs/avalanche-ed-2d.md).
    public let hopping: Double
    public let thetaW: [Double]
    public let mapR: Int?
    public let mapW: [Double]
    public let mapTheta0: Double?
    /// Convention of the reduced-coupling distribution (A3) for eta (docs/avalanche-mean-field.md).
    public let convention: ReducedCouplingConvention
    public let points: [Point]
    public let campaign: CampaignSettings

    public static let maxR = 60
    /// The accepted hopping amplitudes (the `hopping` key).
    public static let hoppingRange: ClosedRange<Double> = 1e-3...1e3

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> DiamondStudy {
        try t.declare(["R", "W", "potential", "g0", "theta_W", "map_R", "map_W", "map_theta0", "convention", "hopping"])
        let radii = try t.ints("R")
        guard Set(radii).count == radii.count else { throw ConfigError("[diamond] R must list distinct radii") }
        for r in radii where r < 1 || r > maxR { throw ConfigError("[diamond] R = \(r) out of range 1...\(maxR)") }
        let W = try t.doubles("W")
        guard Set(W).count == W.count else { throw ConfigError("[diamond] W must list distinct values") }
        for w in W where !(w >= 0 && w <= 1e4) { throw ConfigError("[diamond] W must be in [0, 1e4] (got \(w))") }
        let names = try t.strings("potential", default: ["qp", "random"])
        var kinds: [Kind] = []
        for s in names {
            guard let k = Kind(rawValue: s) else { throw ConfigError("[diamond] potential must be \"qp\" or \"random\" (got '\(s)')") }
            guard !kinds.contains(k) else { throw ConfigError("[diamond] potential lists '\(s)' twice") }
            kinds.append(k)
        }
        guard !kinds.isEmpty else { throw ConfigError("[diamond] potential must list \"qp\" and/or \"random\"") }
        let g0 = try t.double("g0", default: 1)
        guard g0 > 0 else { throw ConfigError("[diamond] g0 must be > 0 (got \(g0))") }
        try t.checkMagnitude("g0", [g0])
        let hopping = try t.double("hopping", default: 1)
        guard hoppingRange.contains(hopping) else {
            throw ConfigError("[diamond] hopping must be in [\(hoppingRange.lowerBound), \(hoppingRange.upperBound)] (got \(hopping))")
        }
        let thetaW = try t.doubles("theta_W", default: [])
        for w in thetaW where !W.contains(w) { throw ConfigError("[diamond] theta_W = \(w) is not one of the W values") }
        let mapR: Int? = try t.table.contains(key: "map_R") ? t.int("map_R") : nil
        if let r = mapR, r < 1 || r > maxR { throw ConfigError("[diamond] map_R = \(r) out of range 1...\(maxR)") }
        let mapW = try t.doubles("map_W", default: [])
        for w in mapW where !(w >= 0 && w <= 1e4) { throw ConfigError("[diamond] map_W must be in [0, 1e4] (got \(w))") }
        guard Set(mapW).count == mapW.count else { throw ConfigError("[diamond] map_W must list distinct values") }
        guard (mapR == nil) == mapW.isEmpty else { throw ConfigError("[diamond] map_R and map_W go together") }
        let mapTheta0: Double? = try t.table.contains(key: "map_theta0") ? t.double("map_theta0") : nil
        if let x = mapTheta0 { try t.checkMagnitude("map_theta0", [x]) }
        let cname = try t.string("convention", default: ReducedCouplingConvention.default.rawValue)
        guard let convention = ReducedCouplingConvention(rawValue: cname) else {
            throw ConfigError("[diamond] convention must be one of \(ReducedCouplingConvention.allCases.map(\.rawValue)) (got '\(cname)')")
        }
        try t.finish()
        var points: [Point] = []
        for k in kinds { for r in radii { for w in W { points.append(Point(kind: k, R: r, W: w, map: false)) } } }
        if let r = mapR { for k in kinds { for w in mapW { points.append(Point(kind: k, R: r, W: w, map: true)) } } }
        return DiamondStudy(radii: radii, strengths: W, kinds: kinds, g0: g0, hopping: hopping, thetaW: thetaW, mapR: mapR, mapW: mapW,
                            mapTheta0: mapTheta0, convention: convention, points: points, campaign: campaign)
    }

    public var canonical: String {
        var s = "[diamond]\nR = \(tomlList(radii))\nW = \(tomlList(strengths))\npotential = [" + kinds.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            + "]\ng0 = \(g0)\nconvention = \"\(convention.rawValue)\"\ntheta_W = \(tomlList(thetaW))\n"
        // hopping only when not the default, so the canonical text of existing configs is unchanged.
        if hopping != 1 { s += "hopping = \(hopping)\n" }
        if let r = mapR { s += "map_R = \(r)\nmap_W = \(tomlList(mapW))\n" }
        if let x = mapTheta0 { s += "map_theta0 = \(x)\n" }
        return s
    }

    /// Block order: per kind, the radii, then the kind's map block.
    struct BlockKey: Hashable { var kind: Kind; var R: Int; var map: Bool }
    var blockKeys: [BlockKey] {
        var out: [BlockKey] = []
        for k in kinds {
            for r in radii { out.append(BlockKey(kind: k, R: r, map: false)) }
            if let r = mapR { out.append(BlockKey(kind: k, R: r, map: true)) }
        }
        return out
    }
    func pointsOf(_ b: BlockKey) -> [Int] { points.indices.filter { points[$0].kind == b.kind && points[$0].R == b.R && points[$0].map == b.map } }
    func rowsPerPoint(_ b: BlockKey) -> Int { b.map ? 1 : campaign.realizations }

    public var blocks: [OutputBlock] {
        blockKeys.map { b in
            let n = DiamondLattice.siteCount(R: b.R)
            var ds = [DatasetSpec("W", .float64, units: "hopping", description: "potential amplitude W"),
                      DatasetSpec("realization", .int64, units: "1", description: "sample index (theta_0 or theta_n draw)"),
                      DatasetSpec("point", .int64, units: "1", description: "index of the (potential, R, W) point"),
                      DatasetSpec("theta", .float64, [b.kind == .qp ? 1 : n], units: "rad",
                                  description: b.kind == .qp ? "theta_0 of theta_n = q.n + theta_0" : "theta_n per site (site order: n1 then n2 ascending)"),
                      DatasetSpec("eta_tot", .float64, units: "nat", description: "eta_tot = sum_n eta(g_n) of the solved mean field"),
                      DatasetSpec("n_star", .float64, units: "1", description: "n_* = (eta_tot - N eta(0)) / ln 2"),
                      DatasetSpec("iterations", .int64, units: "1", description: "evaluations of the chain solver's reduced map"),
                      DatasetSpec("seconds", .float64, units: "s", description: "wall time: diagonalization, assignment (maps), mean field")]
            if b.map {
                ds += [DatasetSpec("site_of_orbital", .int64, [n], units: "1", description: "site index of orbital k (maximizes prod_k |phi_{k,site}|)"),
                       DatasetSpec("log_product", .float64, units: "1", description: "sum_k ln |phi_{k, site(k)}| at the optimum"),
                       DatasetSpec("s_site", .float64, [n], units: "nat", description: "[S_n] of the orbital labelled by each site"),
                       DatasetSpec("g0_site", .float64, [n], units: "1", description: "bare coupling g_n0 = g0 |phi_{n,0}| of the orbital labelled by each site"),
                       DatasetSpec("n1", .int64, [n], units: "1", description: "site coordinate n1"),
                       DatasetSpec("n2", .int64, [n], units: "1", description: "site coordinate n2")]
            }
            let path = b.map ? "/diamond/\(b.kind.rawValue)/maps" : "/diamond/\(b.kind.rawValue)/R\(b.R)"
            return OutputBlock(path: path, rows: pointsOf(b).count * rowsPerPoint(b), datasets: ds,
                               attributes: ["R": Double(b.R), "N": Double(n), "g0": g0, "hopping": hopping], matrixDimension: n)
        }
    }

    public var tasks: [TaskSpec] {
        var out: [TaskSpec] = []
        for (bi, b) in blockKeys.enumerated() {
            let n = Double(DiamondLattice.siteCount(R: b.R))
            let per = rowsPerPoint(b)
            for (j, p) in pointsOf(b).enumerated() {
                for r in 0..<per {
                    out.append(TaskSpec(index: out.count, block: bi, row: j * per + r, point: p,
                                        realization: b.map ? 0 : campaign.firstRealization + r, cost: n * n * n * (b.map ? 2 : 1)))
                }
            }
        }
        return out
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let n = Double(DiamondLattice.siteCount(R: points[task.point].R))
        return Int(8 * (4 * n * n + 40 * n)) + 64 << 20
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        let n = Double(DiamondLattice.siteCount(R: points[task.point].R))
        return LRSGStudy.secondsPerCubedDimension * n * n * n * (points[task.point].map ? 3 : 1) + 0.01
    }

    /// Disorder stream: (seed, study, kind, R, realization); W does not enter.
    static func streamKey(kind: Kind, R: Int) -> String { "diamond|\(kind.rawValue)|R=\(R)" }

    /// The angles of a realization and what is stored for them.
    public func angles(kind: Kind, lattice: DiamondLattice, seed: UInt64, realization: Int, theta0: Double? = nil) -> (angles: [Double], stored: [Double]) {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make(Self.streamKey(kind: kind, R: lattice.R)), realization: realization)
        switch kind {
        case .qp:
            let t0 = theta0 ?? 2 * Double.pi * rng.uniform()
            return (lattice.quasiperiodicAngles(theta0: t0), [t0])
        case .random:
            let t = (0..<lattice.count).map { _ in 2 * Double.pi * rng.uniform() }
            return (t, t)
        }
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let t0 = MPIEnvironment.wtime()
        let lattice = DiamondLattice(R: p.R)
        let (th, stored) = angles(kind: p.kind, lattice: lattice, seed: context.settings.seed, realization: task.realization,
                                  theta0: p.map && p.kind == .qp ? mapTheta0 : nil)
        let n = lattice.count
        let (_, z) = try lattice.diagonalize(angles: th, W: p.W, hopping: hopping)
        // Bare couplings g_k0 = g0 |phi_{k, origin}| (orbital k's amplitude at the origin).
        let logBare = (0..<n).map { k in log(g0) + log(abs(z[lattice.origin + n * k])) }
        let table = try EtaTable.shared(convention)
        let sol = try AvalancheMeanField.solveChain(logBare: logBare, table: table)
        var rows: [String: RowValue] = [
            "W": .float64([p.W]), "realization": .int64([Int64(task.realization)]), "point": .int64([Int64(task.point)]),
            "theta": .float64(stored), "eta_tot": .float64([sol.etaTotal]), "n_star": .float64([sol.nStar]),
            "iterations": .int64([Int64(sol.iterations)]),
        ]
        if p.map {
            let (site, logProd) = DiamondLattice.orbitalSites(vectors: z, count: n)
            let s = try AvalancheMeanField.entropyProfile(sol, distribution: table.distribution)
            var sSite = [Double](repeating: 0, count: n), gSite = [Double](repeating: 0, count: n)
            for k in 0..<n { sSite[site[k]] = s[k]; gSite[site[k]] = exp(logBare[k]) }
            rows["site_of_orbital"] = .int64(site.map { Int64($0) })
            rows["log_product"] = .float64([logProd])
            rows["s_site"] = .float64(sSite)
            rows["g0_site"] = .float64(gSite)
            rows["n1"] = .int64(lattice.n1.map { Int64($0) })
            rows["n2"] = .int64(lattice.n2.map { Int64($0) })
        }
        rows["seconds"] = .float64([MPIEnvironment.wtime() - t0])
        return TaskOutput(rows: rows)
    }
}
