import QGMPI
import QGHDF5
import QGCampaign

/// A study that `qglass reduce` and `qglass plot` can handle: its reducer and
/// its figures. Each study declares the conformance in its own reducer file
/// (`extension LRSGStudy: PipelineStudy` in LRSGReducer.swift; a
/// `PipelineStudy` gets `reduce` from `ReductionPipeline`), so both
/// commands find it through the study's `// @RegisteredStudy` line, i.e. the
/// generated `StudyRegistry.all` (`StudyRegistry.find` in QGCampaign/Study.swift);
/// nothing switches on study names (docs/adding-a-study.md).
protocol ReducibleStudy: Study {
    /// "module:function": the Python function in python/ that draws a reduced
    /// file of this study, called as `function(f, save, options)` by
    /// python/qglass_plot.py. Recorded in every reduced file as the root
    /// attribute `plot_module`.
    static var plotEntry: String { get }

    /// Rank 0, after the inputs passed the common checks and before anything
    /// is written: the study's own checks of the options against the inputs'
    /// stored configs (`plans`, one per input, in input order). One line per
    /// problem; none when the reduction can go ahead.
    static func checkOptions(_ options: ReduceOptions, plans: [CampaignPlan]) -> [String]

    /// Collective over `world`: merge the surveyed inputs (every one a
    /// readable campaign of this study, see `ReduceOptions.survey`) and write
    /// `options.output`. Returns the exit status.
    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32
}

extension ReducibleStudy {
    static func checkOptions(_ options: ReduceOptions, plans: [CampaignPlan]) -> [String] { [] }
}

/// The registry as `reduce` and `plot` see it.
enum ReducibleStudies {
    /// The registered studies that have a reducer, in registry order.
    static var all: [any ReducibleStudy.Type] { StudyRegistry.all.compactMap { $0 as? any ReducibleStudy.Type } }

    /// The reducer of study `name`, or why there is none (one line, naming the study).
    static func find(_ name: String) -> Result<any ReducibleStudy.Type, ReduceError> {
        guard let study = StudyRegistry.find(name) else {
            return .failure(ReduceError(message: "study '\(name)' is not known to this qglass (its studies: \(StudyRegistry.all.map { $0.name }.joined(separator: ", ")))"))
        }
        guard let reducible = study as? any ReducibleStudy.Type else {
            return .failure(ReduceError(message: "study '\(name)' has no reducer in this qglass (reducible: \(all.map { $0.name }.joined(separator: ", ")))"))
        }
        return .success(reducible)
    }

    /// Why a file with root attribute schema_version `version` cannot be read
    /// by this build (newer than `Provenance.schemaVersion`), or nil.
    static func schemaRefusal(_ version: Int64?) -> String? {
        guard let v = version else { return "has no 'schema_version' attribute; not a file written by qglass" }
        guard v <= Provenance.schemaVersion else {
            return "schema_version \(v) is newer than this qglass reads (up to \(Provenance.schemaVersion)); use a newer qglass"
        }
        return nil
    }
}

/// Entry point of `qglass reduce`. Collective over `world`: rank 0 checks the
/// options and inputs (refusals with exit status 2 before anything is written),
/// then the reducer of the inputs' study runs, found through the registry.
public enum Reducer {
    public static func run(world: Communicator, options: ReduceOptions, log: (String) -> Void) throws -> Int32 {
        let survey = try options.survey(world: world, log: log)
        // The survey refused every input whose study has no reducer.
        let study = try ReducibleStudies.find(survey.study).get()
        return try study.reduce(world: world, options: options, survey: survey, log: log)
    }

    /// Local: why the reduced file at `path` cannot be plotted by this build,
    /// or nil. Checks that it is a readable reduced file of a current or older
    /// schema_version, of a study with a reducer, that names its plot entry
    /// (`plot_module`). One line, naming the file and the study or version.
    public static func plotRefusal(_ path: String) -> String? {
        do {
            return try HDF5File.with(path: path, mode: .readOnly) { f -> String? in
                let kind = f.hasAttribute("kind") ? try f.stringAttribute("kind") : nil
                guard kind == "reduced" else {
                    return "\(path) is not a reduced file (a campaign file?); run `qglass reduce \(path) --out REDUCED.h5` first and plot REDUCED.h5"
                }
                let version = f.hasAttribute("schema_version") ? try f.numericAttribute("schema_version", as: Int64.self).first : nil
                if let why = ReducibleStudies.schemaRefusal(version) { return "\(path): \(why)" }
                guard f.hasAttribute("study") else { return "\(path): has no 'study' attribute; not a reduced qglass file" }
                let name = try f.stringAttribute("study")
                if case .failure(let e) = ReducibleStudies.find(name) { return "\(path): \(e.message)" }
                guard f.hasAttribute("plot_module") else {
                    return "\(path): this '\(name)' reduced file names no plot module (written by an older qglass); reduce its campaign files again"
                }
                return nil
            }
        } catch {
            return "\(path): not a readable HDF5 file"
        }
    }
}
