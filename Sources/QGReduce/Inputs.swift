import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign
#if canImport(Glibc)
import Glibc
#endif

/// What rank 0 learned about the inputs before any task is read
/// (`ReduceOptions.survey`). Only rank 0's copy is filled in, except `study`.
struct InputSurvey {
    /// The study of the inputs (every input has the same one).
    var study = ""
    /// Per input: the git commit of the build that wrote it.
    var commits: [String] = []
    /// Per input: completed and total task rows (all `done` flags counted).
    var done: [Int64] = []
    var total: [Int64] = []
    /// S1 only, per input: eps_bins of its histograms.
    var epsBins: [Int] = []
}

/// The eps window that the S1 analysis uses: whole histogram bins whose
/// centre lies in the requested [lo, hi).
struct EpsWindow: Equatable {
    var firstBin: Int
    var lastBin: Int        // inclusive
    var bins: Int
    var lo: Double { Double(firstBin) / Double(bins) }
    var hi: Double { Double(lastBin + 1) / Double(bins) }
    var range: ClosedRange<Int> { firstBin...lastBin }

    /// nil when no bin centre lies in [lo, hi).
    static func snap(lo: Double, hi: Double, bins: Int) -> EpsWindow? {
        let inside = (0..<bins).filter { let c = (Double($0) + 0.5) / Double(bins); return c >= lo && c < hi }
        guard let a = inside.first, let b = inside.last else { return nil }
        return EpsWindow(firstBin: a, lastBin: b, bins: bins)
    }

    /// True when the used edges differ from the requested ones.
    func snapped(lo rlo: Double, hi rhi: Double) -> Bool { abs(lo - rlo) > 1e-12 || abs(hi - rhi) > 1e-12 }
}

/// File identity (device, inode) after following symlinks; nil if `stat` fails.
func fileIdentity(_ path: String) -> (dev: UInt64, ino: UInt64)? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino))
}

func errnoText() -> String { String(cString: strerror(errno)) }

extension ReduceOptions {
    /// Collective: rank 0 checks the options, the output path and every input
    /// (existence, readability, HDF5 header, campaign kind, study, finished
    /// tasks), and every rank throws the same refusal, one line per problem,
    /// before anything is opened for writing. Returns rank 0's survey (other
    /// ranks get the study only).
    func survey(world: Communicator, log: (String) -> Void) throws -> InputSurvey {
        var s = InputSurvey()
        var problems: [String] = []
        if world.rank == 0 { problems = check(&s, log: log) }
        let refusal = try world.broadcast(string: problems.joined(separator: "\n"))
        if !refusal.isEmpty { throw ReduceError(message: refusal) }
        s.study = try world.broadcast(string: s.study)
        return s
    }

    /// Local (rank 0): the problems found, one line each.
    private func check(_ s: inout InputSurvey, log: (String) -> Void) -> [String] {
        if inputs.isEmpty { return ["no input files"] }
        if !(epsWindow.lo < epsWindow.hi) { return ["--eps-window must have lo < hi"] }
        if bootstrapSamples < 2 { return ["--bootstrap needs at least 2 samples"] }
        var problems: [String] = []

        // The output: its folder exists, it is never an input (same device and
        // inode, whatever the spelling or symlinks), and it is replaced only with --force.
        let outURL = URL(fileURLWithPath: output)
        let folder = outURL.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) || !isDir.boolValue {
            problems.append("output folder \(folder) does not exist")
        }
        let inputIDs = inputs.map(fileIdentity)
        if let out = fileIdentity(output) {
            if let i = inputIDs.firstIndex(where: { $0.map { $0.dev == out.dev && $0.ino == out.ino } ?? false }) {
                problems.append("output \(output) is the input \(inputs[i]) (same file); --force never overwrites an input")
            } else if FileManager.default.fileExists(atPath: output, isDirectory: &isDir), isDir.boolValue {
                problems.append("output \(output) is a folder")
            } else if !force {
                problems.append("output file \(output) already exists; use --force to overwrite it")
            }
        } else {
            var lst = stat()
            if lstat(output, &lst) == 0 && !force { problems.append("output \(output) exists (a dangling symlink); use --force to replace it") }
        }

        // The inputs: each a readable campaign file of one study, finished unless --allow-partial.
        s.commits = [String](repeating: "unknown", count: inputs.count)
        s.done = [Int64](repeating: 0, count: inputs.count)
        s.total = s.done
        s.epsBins = [Int](repeating: 0, count: inputs.count)
        var partial: [String] = []
        for (i, path) in inputs.enumerated() {
            guard inputIDs[i] != nil else { problems.append("\(path): cannot be read (\(missingText(path)))"); continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { problems.append("\(path): is a folder, not a campaign file"); continue }
            guard access(path, R_OK) == 0 else { problems.append("\(path): cannot be read (\(errnoText()))"); continue }
            do {
                try HDF5File.with(path: path, mode: .readOnly) { f in
                    if f.hasAttribute("kind"), (try? f.stringAttribute("kind")) == "reduced" {
                        throw ReduceError(message: "is a reduced file (written by qglass reduce), not a campaign file")
                    }
                    guard f.hasAttribute("study") else { throw ReduceError(message: "has no 'study' attribute; not a qglass campaign file") }
                    let study = try f.stringAttribute("study")
                    guard study == LRSGStudy.name || ClassicalReducer.studies.contains(study) else {
                        throw ReduceError(message: "study '\(study)' cannot be reduced (known: \(([LRSGStudy.name] + ClassicalReducer.studies).joined(separator: ", ")))")
                    }
                    do { try InputSchema.check(f) } catch let e as CampaignError {
                        throw ReduceError(message: e.message.replacingOccurrences(of: "\(f.path): ", with: ""))
                    }
                    if s.study.isEmpty { s.study = study }
                    guard study == s.study else {
                        throw ReduceError(message: "is a '\(study)' campaign, but the first readable input is a '\(s.study)' campaign; reduce each study separately")
                    }
                    s.commits[i] = (try? f.stringAttribute("git_commit")) ?? "unknown"
                    let plan: CampaignPlan
                    do { plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical")) } catch {
                        throw ReduceError(message: "its stored config cannot be read (\(error))")
                    }
                    if let lrsg = plan.study as? LRSGStudy { s.epsBins[i] = lrsg.epsBins }
                    let blocks = try f.members(of: "/" + study).filter { $0.hasPrefix("L") }
                    guard !blocks.isEmpty else { throw ReduceError(message: "holds no /\(study)/L* block") }
                    for m in blocks {
                        let flags = try f.openDataset("/\(study)/\(m)/done").readAll(as: UInt8.self)
                        s.total[i] += Int64(flags.count)
                        s.done[i] += Int64(flags.filter { $0 == 1 }.count)
                    }
                }
            } catch let e as ReduceError {
                problems.append("\(path): \(e.message)"); continue
            } catch {
                problems.append("\(path): not a readable HDF5 campaign file, or its header is damaged (\(error))"); continue
            }
            if s.done[i] < s.total[i] {
                if allowPartial { partial.append("\(path): \(s.done[i]) of \(s.total[i]) tasks done (--allow-partial)") }
                else { problems.append("\(path): unfinished campaign, \(s.done[i]) of \(s.total[i]) tasks done; finish it with --resume, or pass --allow-partial") }
            }
        }
        if !problems.isEmpty { return problems }
        for line in partial { log("[reduce] \(line)") }

        // S1: the eps window in whole bins, the same edges for every input.
        if s.study == LRSGStudy.name {
            var used: [Int: EpsWindow] = [:]
            for b in Set(s.epsBins).sorted() {
                guard let w = EpsWindow.snap(lo: epsWindow.lo, hi: epsWindow.hi, bins: b) else {
                    return ["--eps-window \(epsWindow.lo),\(epsWindow.hi) holds no whole eps bin: the \(b) bins have width \(1 / Double(b)) "
                            + "and a bin is used when its centre lies in [lo, hi); widen the window"]
                }
                used[b] = w
            }
            let edges = Set(used.values.map { "\($0.lo),\($0.hi)" })
            if edges.count > 1 {
                return ["--eps-window \(epsWindow.lo),\(epsWindow.hi) snaps to different edges for the inputs' eps_bins "
                        + used.keys.sorted().map { "\($0): [\(used[$0]!.lo), \(used[$0]!.hi))" }.joined(separator: ", ")
                        + "; choose a window on edges common to all of them"]
            }
            if let w = used.values.first, w.snapped(lo: epsWindow.lo, hi: epsWindow.hi) {
                warnLoudly("--eps-window \(epsWindow.lo),\(epsWindow.hi) is not on bin edges: the analysis uses whole bins, "
                           + "eps in [\(w.lo), \(w.hi)) (\(w.range.count) of \(w.bins) bins); recorded as eps_window")
            }
        }
        return []
    }

    /// Why `stat` failed on `path` (call right after the failure).
    private func missingText(_ path: String) -> String {
        var st = stat()
        let why = stat(path, &st) == 0 ? "it vanished" : errnoText()
        var lst = stat()
        return lstat(path, &lst) == 0 && why != "it vanished" ? "dangling symlink" : why
    }
}

/// Local: a warning the user must not miss, on stderr.
func warnLoudly(_ s: String) {
    FileHandle.standardError.write(Data("warning: \(s)\n".utf8))
}

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

/// Entry point of `qglass reduce`. Collective over `world`: rank 0 checks the
/// options and inputs (refusals with exit status 2 before anything is written),
/// then the reducer of the inputs' study runs.
public enum Reducer {
    public static func run(world: Communicator, options: ReduceOptions, log: (String) -> Void) throws -> Int32 {
        let survey = try options.survey(world: world, log: log)
        if ClassicalReducer.studies.contains(survey.study) {
            return try ClassicalReducer.run(world: world, options: options, survey: survey, log: log)
        }
        return try LRSGReducer.run(world: world, options: options, survey: survey, log: log)
    }
}

/// Root attributes shared by every reduced file (docs/hdf5-schema.md).
func writeCommonAttributes(_ f: HDF5File, study: String, options: ReduceOptions, survey: InputSurvey, skipped: Int) throws {
    try f.setAttribute("kind", "reduced")
    try f.setAttribute("study", study)
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
}
