import QGHDF5
import QGPhysics

/// Study S7: the classical spin-glass transition of the h_x = 0 model by
/// parallel tempering (docs/models.md S7; Katzgraber-Young, PRB 67, 134410).
/// Two replicas per temperature give the overlap q, its moments and the link
/// overlap q_l; every doubling stage of the run is kept, so the reducer can
/// apply the link-overlap equilibration test and compute Binder ratios from
/// the first stage that passes. Config table `[tempering]`; output groups
/// `/tempering/L{L}`.
public struct TemperingStudy: Study {
    public static let name = "tempering"
    public static let summary = "S7: parallel-tempering Monte Carlo of the h_x = 0 chain: overlaps, Binder ratio, link-overlap equilibration test"

    public struct Point: Sendable, Hashable { public var L: Int; public var alpha: Double }
    /// Coupling normalization: `meanField` divides J by T_c^MF (so T_c^MF = 1,
    /// Katzgraber-Young units, in which T_c = 0.62(3) at alpha = 0.75); `none`
    /// uses the couplings of S1 as written.
    public enum Normalization: String, Sendable, CaseIterable { case meanField = "mean-field", none }

    let chain: ClassicalChainSpec
    public let temperatures: [Double]
    public let initialSweeps: Int
    public let stages: Int
    public let normalization: Normalization
    public let points: [Point]
    public let campaign: CampaignSettings

    public static let maxL = 8192

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> TemperingStudy {
        try t.declare(ClassicalChainSpec.keys + ["T_min", "T_max", "temperatures", "sweeps", "stages", "normalize"])
        let chain = try ClassicalChainSpec.parse(t, study: name, maxL: maxL)
        let lo = try t.double("T_min", default: 0.2), hi = try t.double("T_max", default: 1.4)
        guard lo > 0, hi > lo, hi.isFinite else { throw ConfigError("[tempering] need 0 < T_min < T_max (got \(lo), \(hi))") }
        guard lo >= PhysicalBounds.smallestTemperature else {
            throw ConfigError("[tempering] T_min = \(lo) out of range: T_min >= \(PhysicalBounds.text(PhysicalBounds.smallestTemperature)) (docs/models.md, parameter bounds)")
        }
        try t.checkMagnitude("T_max", [hi])
        let nT = try t.int("temperatures", default: 20)
        guard nT >= 2 && nT <= 512 else { throw ConfigError("[tempering] temperatures must be in 2...512 (got \(nT))") }
        let sweeps = try t.int("sweeps", default: 256)
        guard sweeps >= 2 && sweeps <= 1 << 30 else { throw ConfigError("[tempering] sweeps (stage 0) must be in 2...2^30 (got \(sweeps))") }
        let stages = try t.int("stages", default: 5)
        guard stages >= 1 && stages <= 24 && (sweeps << (stages - 1)) <= 1 << 34 else {
            throw ConfigError("[tempering] stages must be in 1...24 with sweeps * 2^(stages-1) <= 2^34 (got \(stages))")
        }
        let n = try t.string("normalize", default: Normalization.meanField.rawValue)
        guard let norm = Normalization(rawValue: n) else {
            throw ConfigError("[tempering] normalize must be one of \(Normalization.allCases.map(\.rawValue)) (got '\(n)')")
        }
        try t.finish()
        var points: [Point] = []
        for L in chain.sizes { for a in chain.alphas { points.append(Point(L: L, alpha: a)) } }
        return TemperingStudy(chain: chain, temperatures: ParallelTempering.Schedule.geometric(lo: lo, hi: hi, count: nT),
                              initialSweeps: sweeps, stages: stages, normalization: norm, points: points, campaign: campaign)
    }

    public var canonical: String {
        "[tempering]\n" + chain.canonical + "T_min = \(temperatures.first!)\nT_max = \(temperatures.last!)\ntemperatures = \(temperatures.count)\n"
            + "sweeps = \(initialSweeps)\nstages = \(stages)\nnormalize = \"\(normalization.rawValue)\"\n"
    }

    func pointsOf(_ L: Int) -> [Int] { points.indices.filter { points[$0].L == L } }
    var schedule: ParallelTempering.Schedule { .init(temperatures: temperatures, initialSweeps: initialSweeps, stages: stages) }
    public static let stageNames = ["energy", "q2", "q4", "abs_q", "ql"]
    static let stageUnits = ["energy": "J"]
    static let stageDescriptions = [
        "energy": "thermal average of E/L over both copies, per stage and temperature",
        "q2": "thermal average of q^2, q = (1/L) sum_i z^a_i z^b_i, per stage and temperature",
        "q4": "thermal average of q^4 per stage and temperature", "abs_q": "thermal average of |q| per stage and temperature",
        "ql": "thermal average of the link overlap per stage and temperature",
    ]

    public var blocks: [OutputBlock] {
        let nT = temperatures.count
        return chain.sizes.map { L in
            chain.block(study: Self.name, L: L, points: pointsOf(L).count, campaign: campaign,
                        datasets: [DatasetSpec("T", .float64, [nT], units: "J", description: "the temperature ladder (ascending)"),
                                   DatasetSpec("tmf2", .float64, units: "J^2", description: "(T_c^MF)^2 of the couplings used (1 when normalized)"),
                                   DatasetSpec("sweeps", .int64, [stages], units: "", description: "total sweeps at the end of each stage")]
                            + Self.stageNames.map { DatasetSpec($0, .float64, [stages, nT], units: Self.stageUnits[$0] ?? "1", description: Self.stageDescriptions[$0] ?? $0) }
                            + [DatasetSpec("exchange_acceptance", .float64, [stages, nT - 1], units: "1",
                                           description: "accepted fraction of exchanges between temperatures t and t+1, per stage")],
                        attributes: ["stages": Double(stages), "initial_sweeps": Double(initialSweeps),
                                     "normalized_mean_field": normalization == .meanField ? 1 : 0])
        }
    }

    public var tasks: [TaskSpec] {
        tasksBySize(chain.sizes, pointsOf: pointsOf, campaign: campaign) { p in Double(points[p].L * points[p].L) }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int {
        let L = points[task.point].L
        return ClassicalChainSpec.chainBytes(L) + 2 * temperatures.count * 9 * L
    }

    /// Cost model (docs/classical.md), fitted to L = 32..128 on the reference
    /// machine: per sweep and temperature ~8e-10 s L^2 (field updates of both
    /// copies and the link overlap) plus ~2e-8 s L (Metropolis attempts).
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        let L = Double(points[task.point].L), nT = Double(temperatures.count)
        let sweeps = Double(initialSweeps << (stages - 1))
        return sweeps * nT * (8e-10 * L * L + 2e-8 * L) * Double(groupSize)
    }

    func mcKey(_ p: Point) -> UInt64 {
        StreamKey.make("tempering-mc|L=\(p.L)|alpha=\(p.alpha)|boundary=\(chain.boundary.rawValue)|normalize=\(normalization.rawValue)")
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let J = ClassicalChainSpec.couplings(L: p.L, alpha: p.alpha, boundary: chain.boundary, seed: context.settings.seed,
                                             realization: task.realization)
        let tmf = ClassicalChain.meanFieldTemperature(L: p.L, alpha: p.alpha, boundary: chain.boundary)
        let scale = normalization == .meanField ? 1 / tmf : 1
        let model = ClassicalChain(L: p.L, alpha: p.alpha, boundary: chain.boundary, J: J, scale: scale)
        var rng = CounterRNG(seed: context.settings.seed, stream: mcKey(p), realization: task.realization)
        let result = ParallelTempering.run(model, schedule: schedule, rng: &rng)
        var rows = ClassicalChainSpec.identityRows(alpha: p.alpha, realization: task.realization, point: task.point,
                                                   key: ClassicalChainSpec.disorderKey(L: p.L),
                                                   J: chain.storeDisorder ? J : nil)
        rows["T"] = .float64(temperatures)
        rows["tmf2"] = .float64([(scale * tmf) * (scale * tmf)])
        rows["sweeps"] = .int64(result.map { Int64($0.sweeps) })
        rows["energy"] = .float64(result.flatMap(\.energy))
        rows["q2"] = .float64(result.flatMap(\.q2))
        rows["q4"] = .float64(result.flatMap(\.q4))
        rows["abs_q"] = .float64(result.flatMap(\.absQ))
        rows["ql"] = .float64(result.flatMap(\.ql))
        rows["exchange_acceptance"] = .float64(result.flatMap(\.exchangeAcceptance))
        return TaskOutput(rows: rows)
    }

    /// Per (L, alpha): samples done and the last stage's Binder ratio at the
    /// lowest, middle and highest temperature (sample averages; errors come
    /// from `qglass reduce`).
    public func summary(file: HDF5File) throws -> String {
        let nT = temperatures.count, last = stages - 1
        let picks = [0, nT / 2, nT - 1]
        var lines = ["     L   alpha   samples   " + picks.map { "g(T=\(format6(temperatures[$0], 3)))" }.joined(separator: "  ")]
        for L in chain.sizes {
            let path = "/tempering/L\(L)"
            let rows = try completedRowsByPoint(file, path)
            let q2 = try file.openDataset(path + "/q2").readAll(as: Double.self)
            let q4 = try file.openDataset(path + "/q4").readAll(as: Double.self)
            for p in pointsOf(L) {
                var n = 0
                var s2 = [Double](repeating: 0, count: nT), s4 = s2
                for t in rows[p] ?? [] {
                    n += 1
                    for k in 0..<nT { s2[k] += q2[(t * stages + last) * nT + k]; s4[k] += q4[(t * stages + last) * nT + k] }
                }
                let g = picks.map { k in n > 0 ? format6(ParallelTempering.binder(q2: s2[k] / Double(n), q4: s4[k] / Double(n)), 3) : "-" }
                lines.append(pad("\(L)", 6) + pad(format6(points[p].alpha, 3), 8) + pad("\(n)", 10) + "   " + g.map { pad($0, 12) }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
