import Foundation
import QGHDF5
import QGCampaign
#if canImport(Glibc)
import Glibc
#endif

/// Local: writes a new HDF5 file at `path` through a temporary file in the
/// same folder, renamed over `path` only when `body` succeeded, so a failed
/// reduction never leaves a half-written file or destroys an old one.
func writeAtomically(_ path: String, force: Bool, _ body: (HDF5File) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
    unlink(tmp)
    do {
        try HDF5File.with(path: tmp, mode: .create, body)
    } catch {
        unlink(tmp)
        throw error
    }
    var lst = stat()
    if !force && lstat(path, &lst) == 0 {
        unlink(tmp)
        throw ReduceError(message: "output file \(path) appeared while reducing; use --force to overwrite it")
    }
    guard rename(tmp, path) == 0 else {
        let why = errnoText()
        unlink(tmp)
        throw ReduceError(message: "cannot move the reduced file into place as \(path): \(why)")
    }
}

/// Root attributes shared by every reduced file (docs/hdf5-schema.md):
/// among them the study, the layout version and the study's plot entry.
func writeCommonAttributes(_ f: HDF5File, study: any ReducibleStudy.Type, options: ReduceOptions, survey: InputSurvey, skipped: Int) throws {
    try f.setAttribute("kind", "reduced")
    try f.setAttribute("study", study.name)
    try f.setAttribute("reducer_version", Provenance.version)
    try f.setAttribute("git_commit", Provenance.gitCommit())
    try f.setAttribute("schema_version", Provenance.schemaVersion)
    try f.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
    try f.setAttribute("inputs", options.inputs.joined(separator: "\n"))
    try f.setAttribute("input_commits", survey.commits.joined(separator: "\n"))
    try f.setAttribute("input_tasks_done", survey.done)
    try f.setAttribute("input_tasks_total", survey.total)
    try f.setAttribute("allow_partial", Int64(options.allowPartial ? 1 : 0))
    try f.setAttribute("skipped_corrupt", Int64(skipped))
    try f.setAttribute("bootstrap_samples", Int64(options.bootstrapSamples))
    try f.setAttribute("plot_module", study.plotEntry)
    try writeInputConfigs(f, options: options, survey: survey)
}

/// The group of the inputs' stored configs in a reduced file, declared once
/// (docs/hdf5-schema.md, "Root attributes of every reduced file").
let inputConfigsGroup = "/input_configs"

/// Records each input's stored config under `/input_configs/{i}` (i the
/// input's index, in input order): attributes `file` (the path as given) and
/// `config_canonical` (the text the campaign file stores), so that settings
/// no reduced dataset carries (the solver, k, the boundary...) reach the figures.
func writeInputConfigs(_ f: HDF5File, options: ReduceOptions, survey: InputSurvey) throws {
    try f.createGroup(inputConfigsGroup)
    for (i, path) in options.inputs.enumerated() {
        let g = "\(inputConfigsGroup)/\(i)"
        try f.createGroup(g)
        try f.setAttribute("file", path, on: g)
        try f.setAttribute("config_canonical", i < survey.configs.count ? survey.configs[i] : "", on: g)
    }
}

/// Writes datasets and attributes of a reduced file (every study).
struct ReducedWriter {
    let file: HDF5File
    func group(_ p: String) throws { if !file.exists(p) { try file.createGroup(p) } }
    /// Writes `v` as the dataset `p` of its element type, of shape `shape`
    /// (nil: one row per value).
    func put<T: HDF5Scalar>(_ p: String, _ v: [T], _ shape: [Int]? = nil) throws {
        let s = shape ?? [v.count]
        let d = try file.createDataset(p, type: T.h5ElementType, shape: s)
        if !v.isEmpty { try d.writeRows(start: 0, count: s[0], v) }
    }
    func putInt(_ p: String, _ v: [Int64]) throws { try put(p, v) }
    func putFlag(_ p: String, _ v: [UInt8]) throws { try put(p, v) }
    func attr(_ name: String, _ v: Double, on p: String) throws { try file.setAttribute(name, v, on: p) }
    func attr(_ name: String, _ v: String, on p: String) throws { try file.setAttribute(name, v, on: p) }

    /// Sets numeric attributes of the object at `p`, in the order given.
    func attrs(_ p: String, _ values: KeyValuePairs<String, Double>) throws {
        for (name, v) in values { try attr(name, v, on: p) }
    }

    /// Writes a table of a reduced file: creates group `g` if it is missing
    /// (its parent must exist) and writes each column as the dataset
    /// `g/name`, in the order given.
    func table(_ g: String, _ columns: KeyValuePairs<String, ReducedColumn>) throws {
        try group(g)
        for (name, column) in columns {
            switch column {
            case .float(let v, let shape): try put(g + "/" + name, v, shape)
            case .int(let v): try put(g + "/" + name, v)
            case .flag(let v): try put(g + "/" + name, v.map { UInt8($0 ? 1 : 0) })
            }
        }
    }
}

/// One dataset of a reduced table (`ReducedWriter.table`): float64 values
/// of shape `shape` (nil: one row per value), int64 values, or uint8 flags.
enum ReducedColumn {
    case float([Double], shape: [Int]? = nil)
    case int([Int64])
    case flag([Bool])

    /// Integer values (sizes, counts, keys) as int64.
    static func ints<S: Sequence>(_ v: S) -> ReducedColumn where S.Element: BinaryInteger { .int(v.map { Int64($0) }) }
}
