import Foundation
import QGMPI
import QGHDF5

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
        let sum = "sha256:" + (try SHA256.hexDigest(ofFile: path))
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
        var s = "disorder_from = \"\(tomlEscaped(spec))\"\n"
        if let c = checksum ?? pinnedChecksum { s += "disorder_checksum = \"\(c)\"\n" }
        return s
    }
}

/// A string escaped for a TOML basic string.
public func tomlEscaped(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 || c.value == 0x7F { out += String(format: "\\u%04X", c.value) } else { out.unicodeScalars.append(c) }
        }
    }
    return out
}

/// SHA-256 (FIPS 180-4), for checksums of input files that users can check
/// with `sha256sum`.
public struct SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var pending: [UInt8] = []
    var length: UInt64 = 0
    var w = [UInt32](repeating: 0, count: 64)

    public init() {}

    @inline(__always) static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    mutating func block(_ p: UnsafeRawBufferPointer, _ o: Int) {
        for t in 0..<16 {
            w[t] = UInt32(p[o + 4 * t]) << 24 | UInt32(p[o + 4 * t + 1]) << 16 | UInt32(p[o + 4 * t + 2]) << 8 | UInt32(p[o + 4 * t + 3])
        }
        for t in 16..<64 {
            let s0 = Self.rotr(w[t - 15], 7) ^ Self.rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = Self.rotr(w[t - 2], 17) ^ Self.rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for t in 0..<64 {
            let S1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = hh &+ S1 &+ ch &+ Self.k[t] &+ w[t]
            let S0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = S0 &+ maj
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }

    public mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        pending += bytes
        let full = pending.count / 64 * 64
        if full > 0 {
            pending.withUnsafeBytes { p in var o = 0; while o < full { block(p, o); o += 64 } }
            pending.removeFirst(full)
        }
    }

    public mutating func hexDigest() -> String {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        let saved = length
        update(tail)
        length = saved
        return h.map { String(format: "%08x", $0) }.joined()
    }

    /// Local: SHA-256 of a file, read in 4 MiB chunks.
    public static func hexDigest(ofFile path: String) throws -> String {
        guard let fh = FileHandle(forReadingAtPath: path) else { throw CampaignError("cannot open \(path)") }
        defer { try? fh.close() }
        var s = SHA256()
        while true {
            let chunk = fh.readData(ofLength: 4 << 20)
            if chunk.isEmpty { break }
            s.update([UInt8](chunk))
        }
        return s.hexDigest()
    }
}
