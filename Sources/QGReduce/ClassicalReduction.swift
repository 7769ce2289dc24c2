import Foundation
import QGMPI
import QGHDF5
import QGCampaign

/// A classical study's reducer (fields, avalanche, twoflip, tempering): how
/// it reads one block of its campaign file into records and what it computes
/// from the merged records. Each study conforms in its own reducer file
/// (e.g. FieldsReducer.swift); the reading of the inputs, the de-duplication
/// and the writing are shared (`ClassicalReducer`).
protocol ClassicalReduction: ReducibleStudy {
    /// Local: the completed tasks of one block, with this study's payload in
    /// `ClassicalRecord.values` and the settings every task of a set must
    /// share in `layout`. A task marked done whose data are inconsistent is
    /// named in `corrupt` and left out.
    static func read(_ block: ClassicalBlock, corrupt: inout [String]) throws -> [ClassicalRecord]
    /// Rank 0: the disorder averages and fits of the merged records, written
    /// through `out` under /<study>; returns the report lines.
    static func analyse(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String]
}

extension ClassicalReduction {
    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        try ClassicalReducer.run(Self.self, world: world, options: options, survey: survey, log: log)
    }
}

/// Merges classical campaign files into disorder averages and fits
/// (docs/hdf5-schema.md, "Reduced classical files"; docs/classical.md).
/// Collective over `world` for the refusal checks; the per-task payloads of
/// these studies are small (histograms, counts, curves), so rank 0 reads,
/// merges, analyses and writes.
enum ClassicalReducer {
    /// Collective (rank 0 does the work). `survey` is rank 0's check of the
    /// inputs (`ReduceOptions.survey`): every input is a readable campaign of `study`.
    static func run<S: ClassicalReduction>(_ study: S.Type, world: Communicator, options: ReduceOptions, survey: InputSurvey,
                                           log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        var warnings: [String] = []
        var corrupt: [String] = []
        var records: [ClassicalRecord] = []
        for (i, path) in options.inputs.enumerated() {
            do {
                try HDF5File.with(path: path, mode: .readOnly) { f in
                    let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                    for m in try f.members(of: "/" + S.name) where m.hasPrefix("L") {
                        let block = "/\(S.name)/\(m)"
                        do {
                            records += try S.read(ClassicalBlock(file: f, fileIndex: i, path: block, seed: plan.settings.seed), corrupt: &corrupt)
                        } catch {
                            corrupt.append("\(path), \(block): cannot be read (\(error))")
                        }
                    }
                }
            } catch {
                throw ReduceError(message: "\(path): cannot be read (\(error))")
            }
        }
        if !corrupt.isEmpty {
            if !options.allowPartial {
                throw ReduceError(message: (corrupt + ["(pass --allow-partial to skip corrupt tasks and reduce the rest)"]).joined(separator: "\n"))
            }
            warnings += corrupt.map { $0 + "; skipped (--allow-partial)" }
        }
        let merged = try merge(records, inputs: options.inputs, warnings: &warnings, log: log)
        guard !merged.isEmpty else {
            throw ReduceError(message: (["no completed task in the inputs"] + warnings).joined(separator: "\n"))
        }
        var report: [String] = []
        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: S.self, options: options, survey: survey, skipped: corrupt.count)
            report = try S.analyse(merged, options: options, out: ReducedWriter(file: f), warnings: &warnings)
            try f.setAttribute("warnings", warnings.joined(separator: "\n"))
        }
        log(report.joined(separator: "\n"))
        for w in warnings { log("[reduce] warning: \(w)") }
        log("[reduce] wrote \(options.output)")
        return 0
    }

    /// De-duplicates (set, L, seed, realization) and checks that duplicates
    /// and sets agree on disorder and layout.
    static func merge(_ records: [ClassicalRecord], inputs: [String], warnings: inout [String], log: (String) -> Void) throws -> [ClassicalRecord] {
        var byKey: [String: Int] = [:], layouts: [String: (String, Int)] = [:]
        var out: [ClassicalRecord] = []
        var duplicates = 0
        for r in records.sorted(by: { ($0.file, $0.block, $0.row) < ($1.file, $1.block, $1.row) }) {
            let sk = r.set.key + "|L=\(r.L)"
            if let (l, file) = layouts[sk], l != r.layout {
                throw ReduceError(message: "mismatched configs for \(sk): \(inputs[file]) has \(l); \(inputs[r.file]) has \(r.layout)")
            }
            layouts[sk] = layouts[sk] ?? (r.layout, r.file)
            if let j = byKey[r.key] {
                guard out[j].disorder == r.disorder else {
                    throw ReduceError(message: "mismatched configs: \(inputs[out[j].file]) and \(inputs[r.file]) hold \(r.key) with different disorder streams")
                }
                duplicates += 1
                continue
            }
            byKey[r.key] = out.count
            out.append(r)
        }
        if duplicates > 0 { warnings.append("\(duplicates) duplicated task(s) found in several inputs; each counted once") }
        log("[reduce] \(out.count) distinct completed task records from \(inputs.count) file(s); \(duplicates) duplicate(s) ignored")
        return out
    }
}
