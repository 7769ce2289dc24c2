import Foundation
import QGMPI
import QGHDF5
import QGCampaign

/// A classical study's reducer (fields, avalanche, twoflip, tempering) on the
/// reduction pipeline: how it reads one block of its campaign file into
/// records (`PipelineStudy.read`, through a `ClassicalBlock`; a task marked
/// done whose data are inconsistent is named through `ClassicalBlock.corrupt`)
/// and what it computes from the merged records. Each study conforms in its
/// own reducer file (e.g. FieldsReducer.swift); reading, the duplicate rule
/// and writing are the pipeline's (`ReductionPipeline`).
protocol ClassicalReduction: PipelineStudy where Record == ClassicalRecord {
    /// Rank 0: the disorder averages and fits of the merged records, written
    /// through `out` under the group /<study> (created before); returns the report lines.
    static func analyse(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String]
}

extension ClassicalReduction {
    /// The figures: python/qglass_plot_classical.py, the function named as the study.
    static var plotEntry: String { "qglass_plot_classical:\(name)" }

    /// Every task of a (set, L) shares its layout (bins, steps, T grid...).
    static func checkMerged(_ records: [ClassicalRecord], context: ReductionContext) throws {
        try context.requireShared(records, by: { $0.set.key + "|L=\($0.L)" }, \.layout) { f, r in
            "mismatched configs for \(f.set.key)|L=\(f.L): \(context.input(of: f)) has \(f.layout); \(context.input(of: r)) has \(r.layout)"
        }
    }

    static func analyse(_ records: [ClassicalRecord], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        try out.group("/" + name)
        return try analyse(records, options: context.options, out: out, warnings: &warnings)
    }
}
