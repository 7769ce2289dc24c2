import Foundation
import QGMPI
import QGHDF5
import QGCampaign
#if canImport(Glibc)
import Glibc
#endif

/// What rank 0 learned about the inputs before any task is read
/// (`ReduceOptions.survey`). Only rank 0's copy is filled in, except `study`.
struct InputSurvey {
    /// The study of the inputs (every input has the same one, with a reducer).
    var study = ""
    /// Per input: the git commit of the build that wrote it.
    var commits: [String] = []
    /// Per input: completed and total task rows (all `done` flags counted;
    /// the total is the rows of its blocks).
    var done: [Int64] = []
    var total: [Int64] { blocks.map { Int64($0.reduce(0) { $0 + $1.rows }) } }
    /// Per input: the blocks its stored config declares that it holds, in
    /// declaration order, with their rows (the pipeline's work items).
    var blocks: [[(path: String, rows: Int)]] = []
    /// Per input: its stored config (`config_canonical`), parsed.
    var plans: [CampaignPlan?] = []
    /// Per input: its stored config text (`config_canonical`) as stored,
    /// recorded in the reduced file (`writeInputConfigs`).
    var configs: [String] = []
}

extension ReduceOptions {
    /// Collective: rank 0 checks the options, the output path and every input
    /// (existence, readability, HDF5 header, campaign kind, schema version,
    /// study and its reducer, finished tasks) and then the study's own checks
    /// (`ReducibleStudy.checkOptions`); every rank throws the same refusal,
    /// one line per problem, before anything is opened for writing. Returns
    /// rank 0's survey (other ranks get the study only).
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
        if let w = ReduceOptions.epsWindowWarning(epsWindow) { warnLoudly(w) }
        if let why = bootstrapRefusal { return [why] }
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

        // The inputs: each a readable campaign file of one study with a
        // reducer, of a schema this build reads, finished unless --allow-partial.
        s.commits = [String](repeating: "unknown", count: inputs.count)
        s.done = [Int64](repeating: 0, count: inputs.count)
        s.plans = [CampaignPlan?](repeating: nil, count: inputs.count)
        s.configs = [String](repeating: "", count: inputs.count)
        s.blocks = [[(path: String, rows: Int)]](repeating: [], count: inputs.count)
        var partial: [String] = []
        var reducer: (any ReducibleStudy.Type)? = nil
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
                    let version = f.hasAttribute("schema_version") ? try f.numericAttribute("schema_version", as: Int64.self).first : nil
                    if let why = ReducibleStudies.schemaRefusal(version) { throw ReduceError(message: why) }
                    // Older campaign schemas drew the disorder differently (InputSchema): refused, not mixed.
                    do { try InputSchema.check(f) } catch let e as CampaignError {
                        throw ReduceError(message: e.message.replacingOccurrences(of: "\(f.path): ", with: ""))
                    }
                    let found = try ReducibleStudies.find(study).get()
                    if s.study.isEmpty { s.study = study; reducer = found }
                    guard study == s.study else {
                        throw ReduceError(message: "is a '\(study)' campaign, but the first readable input is a '\(s.study)' campaign; reduce each study separately")
                    }
                    s.commits[i] = (try? f.stringAttribute("git_commit")) ?? "unknown"
                    do {
                        s.configs[i] = try f.stringAttribute("config_canonical")
                        s.plans[i] = try CampaignPlan(configText: s.configs[i])
                    } catch {
                        throw ReduceError(message: "its stored config cannot be read (\(error))")
                    }
                    // The blocks the stored config declares (any depth, e.g. /quench/L{L}/Ls{Ls}).
                    let blocks = (s.plans[i]?.study.blocks ?? []).map(\.path).filter { f.exists($0 + "/done") }
                    guard !blocks.isEmpty else { throw ReduceError(message: "holds none of the /\(study) blocks its config declares") }
                    for m in blocks {
                        let flags = try f.openDataset(m + "/done").readAll(as: UInt8.self)
                        s.blocks[i].append((m, flags.count))
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
        // The realizations of one point: at most those of the inputs that hold
        // its block (an array job's parts over L share no point), the most over blocks.
        var perBlock: [String: Int] = [:]
        for plan in s.plans.compactMap({ $0 }) {
            for b in Set(plan.study.blocks.map(\.path)) { perBlock[b, default: 0] += plan.settings.realizations }
        }
        let realizations = perBlock.values.max() ?? 0
        if let why = bootstrapMemoryRefusal(realizations: realizations, available: Provenance.availableMemory().map(Double.init)) { return [why] }
        for line in partial { log("[reduce] \(line)") }
        return reducer?.checkOptions(self, plans: s.plans.compactMap { $0 }) ?? []
    }

    /// Why `stat` failed on `path` (call right after the failure).
    private func missingText(_ path: String) -> String {
        var st = stat()
        let why = stat(path, &st) == 0 ? "it vanished" : errnoText()
        var lst = stat()
        return lstat(path, &lst) == 0 && why != "it vanished" ? "dangling symlink" : why
    }
}
