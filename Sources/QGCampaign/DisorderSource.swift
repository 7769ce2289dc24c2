import Foundation
import QGMPI
import QGHDF5
import QGNumerics

/// A study that reads input files (e.g. given couplings) and must validate
/// them before the campaign allocates anything or touches its output.
public protocol InputCheckingStudy {
    /// Collective over `world`: world rank 0 reads and validates the inputs
    /// and broadcasts them; a refusal is thrown as `CampaignError` on every
    /// rank (one line, exit status 2 in the CLI). `output` is the campaign's
    /// output path: an input may not be that file.
    func prepareInputs(world: Communicator, output: String) throws
}

/// Couplings given from a file (`[lrsg] disorder_from`, `qglass ed
/// --disorder-from`), instead of the counter-based stream.
///
/// Two kinds of source:
/// - a qglass campaign file (root attribute `study` = "lrsg"): J of size L and
///   realization r is row `J` of a completed row (`done` = 1) of `/lrsg/L{L}`
///   with `realization` = r; every completed row of r must hold the same J
///   (true for schema 2 files; schema 1 files drew J per (alpha, h_x) point and
///   are refused when their rows differ);
/// - a plain HDF5 dataset of shape [R, L, L] (`FILE.h5:/path/to/dataset`;
///   without `:/path` a non-campaign file must hold `/J`): realization r is
///   row r, for the single size L of the campaign.
///
/// Every needed J is checked before use: shape, finite entries, zero
/// diagonal, exact symmetry. The SHA-256 of the source file is recorded in the
/// campaign's canonical config (`disorder_checksum`), so a resume against a
/// changed file is refused and the output names the exact input.
public final class DisorderSource: @unchecked Sendable {
    /// The spec as written: `FILE.h5` or `FILE.h5:/dataset`.
    public let spec: String
    public let path: String
    public let dataset: String?
    /// A checksum pinned in the config (`disorder_checksum`); checked on load.
    public let pinnedChecksum: String?
    /// "sha256:<hex>" of the source file, set by `load`.
    public private(set) var checksum: String?
    /// L -> realization -> J (L x L, row-major). Written once before the
    /// tasks start (by `load`/`prepareInputs`), then only read.
    private var table: [Int: [Int: [Double]]] = [:]

    public init(spec: String, pinnedChecksum: String? = nil) throws {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigError("[lrsg] disorder_from must name a file (FILE.h5 or FILE.h5:/dataset)") }
        self.spec = trimmed
        if let r = trimmed.range(of: ":/", options: .backwards) {
            path = String(trimmed[..<r.lowerBound])
            dataset = String(trimmed[trimmed.index(after: r.lowerBound)...])
        } else {
            path = trimmed
            dataset = nil
        }
        guard !path.isEmpty else { throw ConfigError("[lrsg] disorder_from '\(spec)' has no file name") }
        if let p = pinnedChecksum, !p.hasPrefix("sha256:") {
            throw ConfigError("[lrsg] disorder_checksum must be \"sha256:<hex>\" (got '\(p)')")
        }
        self.pinnedChecksum = pinnedChecksum
    }

    /// Local: J of size L and realization r (after `load`).
    public func couplings(L: Int, realization r: Int) throws -> [Double] {
        guard let J = table[L]?[r] else {
            throw CampaignError("disorder_from \(spec): no couplings loaded for L = \(L), realization \(r)")
        }
        return J
    }

    /// Local: read and validate the couplings of `sizes` x `realizations`
    /// from the source file; throws `CampaignError` with one line naming the
    /// file and the first problem. Reads shapes first, so a wrong file is
    /// refused before its data are read.
    public func load(sizes: [Int], realizations: Range<Int>, output: String? = nil) throws {
        let what = "disorder_from \(spec)"
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CampaignError("\(what): cannot read \(path) (missing or not readable)")
        }
        if let output, Self.sameFile(path, output) {
            throw CampaignError("\(what): the source is the output file \(output); write the new campaign elsewhere")
        }
        var loaded: [Int: [Int: [Double]]] = [:]
        do {
            try HDF5File.with(path: path, mode: .readOnly) { f in
                let isCampaign = f.hasAttribute("study") && (try? f.stringAttribute("study")) == "lrsg"
                if dataset == nil && isCampaign {
                    for L in sizes { loaded[L] = try Self.fromCampaign(f, L: L, realizations: realizations, what: what) }
                } else {
                    let name = dataset ?? "/J"
                    guard f.exists(name) else {
                        throw CampaignError(dataset == nil
                            ? "\(what): not a qglass lrsg campaign file and it has no dataset /J; name the dataset as \(path):/path"
                            : "\(what): no dataset \(name) in \(path)")
                    }
                    guard sizes.count == 1, let L = sizes.first else {
                        throw CampaignError("\(what): a plain [R, L, L] dataset gives one size, but the campaign has L = \(sizes)")
                    }
                    let d = try f.openDataset(name)
                    guard d.shape.count == 3, d.shape[1] == L, d.shape[2] == L else {
                        throw CampaignError("\(what): dataset \(name) has shape \(d.shape), expected [R, \(L), \(L)] (R >= \(realizations.upperBound))")
                    }
                    guard d.shape[0] >= realizations.upperBound else {
                        throw CampaignError("\(what): dataset \(name) has \(d.shape[0]) realizations, the campaign needs rows "
                                            + "\(realizations.lowerBound)..<\(realizations.upperBound)")
                    }
                    let rows = try d.readRows(start: realizations.lowerBound, count: realizations.count, as: Double.self)
                    var byR: [Int: [Double]] = [:]
                    for (k, r) in realizations.enumerated() {
                        let J = Array(rows[(k * L * L)..<((k + 1) * L * L)])
                        try Self.validate(J, L: L, realization: r, what: what)
                        byR[r] = J
                    }
                    loaded[L] = byR
                }
            }
        } catch let e as CampaignError {
            throw e
        } catch {
            throw CampaignError("\(what): cannot read \(path) as HDF5 (\(Self.firstLine(error)))")
        }
        guard let digest = SHA256.hexDigest(ofFile: path) else { throw CampaignError("cannot open \(path)") }
        let sum = "sha256:" + digest
        if let pinned = pinnedChecksum, pinned != sum {
            throw CampaignError("\(what): checksum \(sum) differs from disorder_checksum \(pinned) in the config")
        }
        table = loaded
        checksum = sum
    }

    /// Collective over `world`: rank 0 loads and validates, then broadcasts
    /// the error (if any), the checksum and the couplings.
    public func loadCollective(world: Communicator, sizes: [Int], realizations: Range<Int>, output: String? = nil) throws {
        var error = ""
        if world.rank == 0 {
            do { try load(sizes: sizes, realizations: realizations, output: output) } catch let e as CampaignError { error = e.message }
        }
        error = try world.broadcast(string: error)
        if !error.isEmpty { throw CampaignError(error) }
        let sum = try world.broadcast(string: checksum ?? "")
        var out: [Int: [Int: [Double]]] = [:]
        for L in sizes {
            var flat: [Double] = world.rank == 0 ? realizations.flatMap { table[L]![$0]! } : [Double](repeating: 0, count: realizations.count * L * L)
            try world.broadcast(&flat)
            var byR: [Int: [Double]] = [:]
            for (k, r) in realizations.enumerated() { byR[r] = Array(flat[(k * L * L)..<((k + 1) * L * L)]) }
            out[L] = byR
        }
        table = out
        checksum = sum
    }

    /// Realizations `realizations` of /lrsg/L{L} of a campaign file.
    static func fromCampaign(_ f: HDF5File, L: Int, realizations: Range<Int>, what: String) throws -> [Int: [Double]] {
        let block = "/lrsg/L\(L)"
        guard f.exists(block + "/J"), f.exists(block + "/realization"), f.exists(block + "/done") else {
            throw CampaignError("\(what): the campaign file has no \(block) (J, realization, done)")
        }
        let jd = try f.openDataset(block + "/J")
        guard jd.shape.count == 3, jd.shape[1] == L, jd.shape[2] == L else {
            throw CampaignError("\(what): \(block)/J has shape \(jd.shape), expected [rows, \(L), \(L)]")
        }
        let done = try f.openDataset(block + "/done").readAll(as: UInt8.self)
        let real = try f.openDataset(block + "/realization").readAll(as: Int64.self)
        guard done.count == jd.shape[0], real.count == jd.shape[0] else {
            throw CampaignError("\(what): \(block) datasets disagree in their number of rows")
        }
        var rowOf: [Int: Int] = [:]
        var extra: [Int: [Int]] = [:]
        for i in done.indices where done[i] == 1 && realizations.contains(Int(real[i])) {
            let r = Int(real[i])
            if rowOf[r] == nil { rowOf[r] = i } else { extra[r, default: []].append(i) }
        }
        var out: [Int: [Double]] = [:]
        for r in realizations {
            guard let i = rowOf[r] else {
                throw CampaignError("\(what): \(block) has no completed row of realization \(r)")
            }
            let J = try jd.readRows(start: i, count: 1, as: Double.self)
            try validate(J, L: L, realization: r, what: what)
            for k in extra[r] ?? [] where try jd.readRows(start: k, count: 1, as: Double.self) != J {
                throw CampaignError("\(what): \(block) rows \(i) and \(k) of realization \(r) hold different J "
                                    + "(a schema 1 file, disorder drawn per point); name one J with FILE.h5:/dataset instead")
            }
            out[r] = J
        }
        return out
    }

    /// One J: finite, zero diagonal, exactly symmetric.
    static func validate(_ J: [Double], L: Int, realization r: Int, what: String) throws {
        for i in 0..<L {
            for j in 0..<L {
                let v = J[i * L + j]
                guard v.isFinite else { throw CampaignError("\(what): J of realization \(r) has a non-finite entry at [\(i), \(j)]") }
                if i == j, v != 0 { throw CampaignError("\(what): J of realization \(r) has a nonzero diagonal entry J[\(i), \(i)] = \(v)") }
                if j > i, v != J[j * L + i] {
                    throw CampaignError("\(what): J of realization \(r) is not symmetric: J[\(i), \(j)] = \(v) but J[\(j), \(i)] = \(J[j * L + i])")
                }
            }
        }
    }

    /// Whether two paths name the same existing file (device and inode).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    static func firstLine(_ e: Error) -> String {
        String(String(describing: e).split(separator: "\n").first ?? "")
    }

    /// TOML lines for the canonical config.
    var canonicalLines: String {
        var s = "disorder_from = \(tomlString(spec))\n"
        if let c = checksum ?? pinnedChecksum { s += "disorder_checksum = \"\(c)\"\n" }
        return s
    }
}
