import QGLinearAlgebra
import QGDistributedLinearAlgebra

/// Campaign-wide settings, from the `[campaign]` table (docs/models.md, "Common conventions").
///
/// The table's keys are declared once, in `parameters` (issue 22, step 2),
/// like a study's: the strict parse with its range refusals (`parse`), the
/// canonical text that `--resume` compares (`canonical`), the `[campaign]`
/// table of `qglass schema` (docs/study-tables.md) and the campaign flags of
/// the flag commands (`--seed`, `--realizations`, `--group-size`, ...) derive
/// from it.
public struct CampaignSettings: Sendable {
    public var seed: UInt64
    public var realizations: Int
    /// Index of the first realization (realizations first ..< first + count);
    /// lets separate jobs cover disjoint realization ranges of one study.
    public var firstRealization: Int
    public var groupSize: Int
    public var output: String?
    /// OpenBLAS threads per rank. Default 1: payload bits depend on the BLAS
    /// thread count, so one thread per rank keeps results bit-identical for any
    /// rank count. 0 = cores on the node / ranks on the node (faster with few
    /// ranks; the count is recorded in the file).
    public var blasThreads: Int
    public var lapackDriver: LAPACKDriver
    public var scalapackDriver: ScaLAPACKDriver
    public var blockSize: Int
    /// The complex Hermitian (S10b O(3)) path's drivers on one rank and on a
    /// group (`complex_lapack_driver`, `complex_scalapack_driver`).
    public var complexLapackDriver: HermitianLAPACKDriver = .measuredDefault
    public var complexScalapackDriver: HermitianScaLAPACKDriver = .measuredDefault

    /// Realization indices stay below 2^31 (`first_realization + realizations`).
    public static let realizationLimit = 1 << 31

    /// The keys of `[campaign]`, declared once, in the order of the canonical
    /// text: the disorder (seed, realizations, first realization) and the
    /// solver setup (group size, BLAS threads, drivers, block size), whose
    /// changes alter payload bits. The complex drivers are written only where
    /// they differ from their defaults, so that the canonical text of files
    /// that never use them (every real-model study) is the one it was before
    /// the keys existed; the output path is never written. `blas_threads = 0`
    /// (auto) is compared as written; the driver also compares its resolved
    /// count on --resume. Integers are refused as "[campaign] key must be in
    /// lo...hi (got v)" (`Parameter.refusedAsMustBe`).
    public static let parameters: [Parameter] = [
        Parameter.int("seed", in: 0...Int.max, example: 1,
                      help: "master seed of the counter-based generator (with the study, point and realization it keys every random draw)")
            .refusedAsMustBe(),
        Parameter.int("realizations", in: 1...(realizationLimit - 1), example: 1,
                      note: "(a run holds at most \(CampaignLimits.maxTasks) tasks: points x realizations)",
                      help: "disorder realizations per parameter point (a run holds at most \(CampaignLimits.maxTasks) tasks: points x realizations; larger counts are refused before anything is written)")
            .refusedAsMustBe(),
        Parameter.int("first_realization", in: 0...(realizationLimit - 1), default: 0,
                      help: "index of the first realization (for splitting realizations over jobs)").refusedAsMustBe(),
        Parameter.int("group_size", in: 1...4096, default: 1, help: "ranks per ED group (1 = LAPACK, >1 = ScaLAPACK)").refusedAsMustBe(),
        Parameter.int("blas_threads", in: 0...1024, default: 1,
                      help: "OpenBLAS threads per rank (1 keeps payloads bit-identical for any rank count; 0 = cores / ranks on the node)")
            .refusedAsMustBe(),
        .choice("lapack_driver", LAPACKDriver.self, default: .dsyevd, help: "LAPACK driver of the real symmetric eigensolver on one rank"),
        .choice("scalapack_driver", ScaLAPACKDriver.self, default: .pdsyevd, help: "ScaLAPACK driver of the real symmetric eigensolver on a group"),
        Parameter.int("block_size", in: 2...1024, default: 64, help: "ScaLAPACK block size of the block-cyclic matrices").refusedAsMustBe(),
        Parameter.choice("complex_lapack_driver", HermitianLAPACKDriver.self, default: .measuredDefault,
                         help: "LAPACK driver of the complex Hermitian eigensolver on one rank (the default is the measured-faster one, docs/performance.md)")
            .omittedAtDefault(),
        Parameter.choice("complex_scalapack_driver", HermitianScaLAPACKDriver.self, default: .measuredDefault,
                         help: "ScaLAPACK driver of the complex Hermitian eigensolver on a group (the default is the measured-faster one, docs/performance.md)")
            .omittedAtDefault(),
        Parameter.string("output", help: "output HDF5 file").optionalKey().notCanonical(),
    ]

    /// Parses `[campaign]` strictly against `parameters`, then the one check
    /// across keys: realization indices below 2^31.
    public static func parse(_ t: ConfigTable) throws -> CampaignSettings {
        let v = try ParameterValues.parse(t, parameters)
        let n = v.int("realizations"), first = v.int("first_realization")
        guard first + n < realizationLimit else {
            throw ConfigError("[campaign] first_realization + realizations must be < 2^31 (got \(first) + \(n))")
        }
        return CampaignSettings(seed: UInt64(v.int("seed")), realizations: n, firstRealization: first, groupSize: v.int("group_size"),
                                output: v.stringIfSet("output"),
                                blasThreads: v.int("blas_threads"), lapackDriver: v.choice("lapack_driver"),
                                scalapackDriver: v.choice("scalapack_driver"), blockSize: v.int("block_size"),
                                complexLapackDriver: v.choice("complex_lapack_driver"),
                                complexScalapackDriver: v.choice("complex_scalapack_driver"))
    }

    /// The settings as values of `parameters` (after any change made in code,
    /// e.g. a solver path's drivers).
    public var values: ParameterValues {
        var v: [String: ParameterValue] = [
            "seed": .int(Int(seed)), "realizations": .int(realizations), "first_realization": .int(firstRealization),
            "group_size": .int(groupSize), "blas_threads": .int(blasThreads), "lapack_driver": .string(lapackDriver.rawValue),
            "scalapack_driver": .string(scalapackDriver.rawValue), "block_size": .int(blockSize),
            "complex_lapack_driver": .string(complexLapackDriver.rawValue), "complex_scalapack_driver": .string(complexScalapackDriver.rawValue),
        ]
        v["output"] = output.map { .string($0) }
        return ParameterValues(table: "campaign", declaration: Self.parameters, values: v)
    }

    /// Canonical TOML of the settings that determine the payload, in the
    /// declaration order of `parameters` (which says which keys it holds).
    public var canonical: String { values.canonical }
}

extension CampaignSettings {
    /// One line on the `[campaign]` table, for `qglass schema`.
    public static let summary = "Campaign-wide settings of every config: the disorder (seed, realizations) and the solver setup."

    /// `qglass schema campaign`: the declared keys of `[campaign]`, as plain text.
    public static func schemaText() -> String {
        StudySchema.parametersText(table: "campaign", summary: summary, parameters).joined(separator: "\n") + "\n"
    }

    /// `qglass schema campaign --markdown`: the section of docs/study-tables.md.
    public static func schemaMarkdown() -> String {
        StudySchema.parametersMarkdown(table: "campaign", summary: summary, parameters).joined(separator: "\n") + "\n"
    }
}
