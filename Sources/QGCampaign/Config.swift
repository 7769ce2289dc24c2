import Foundation
import TOMLKit
import QGNumerics

/// A configuration problem, reported before any allocation.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "config error: \(message)" }
}

/// A strict view of one TOML table: every key must be read by the parser,
/// and `finish()` rejects whatever is left (typos cost cluster hours).
public final class ConfigTable {
    public let name: String
    let table: TOMLTable
    private var consumed: Set<String> = []
    /// The keys the parser may read (`declare`), nil until declared.
    private var declared: Set<String>? = nil

    init(name: String, table: TOMLTable) {
        self.name = name
        self.table = table
    }

    public var keys: [String] { table.keys }

    /// Declares every key the table's parser may read, before it reads any
    /// (issue 21): an unknown key is then reported first, before any value or
    /// cross-key check (a misspelled key otherwise surfaced as, e.g., "profile_N
    /// and profile_delta_a go together"), with the closest declared key.
    /// `finish()` checks that the parser read only declared keys.
    public func declare(_ keys: [String]) throws {
        declared = Set(keys)
        let unknown = table.keys.filter { !keys.contains($0) }.sorted()
        if !unknown.isEmpty { throw unknownKeysError(unknown, allowed: keys.sorted()) }
    }

    /// "[t] unknown key 'x' (did you mean 'y'?); allowed: ...".
    func unknownKeysError(_ unknown: [String], allowed: [String]) -> ConfigError {
        let named = unknown.map { k in "'\(k)'" + (closestName(to: k, among: allowed).map { " (did you mean '\($0)'?)" } ?? "") }
        return ConfigError("[\(name)] unknown key\(unknown.count > 1 ? "s" : "") \(named.joined(separator: ", "))"
                           + "; allowed: \(allowed.joined(separator: ", "))")
    }

    /// An explicit empty list is refused naming the key (issue 21: an empty
    /// `L` was reported as "L must list distinct sizes"), unless the key's
    /// default is the empty list (then empty means "none", e.g. `map_W = []`,
    /// and a stored canonical config that writes the default back parses).
    private func nonEmpty<T>(_ xs: [T], _ key: String, default d: [T]?) throws -> [T] {
        if xs.isEmpty && d?.isEmpty != true { throw ConfigError("[\(name)] '\(key)' must not be empty (list at least one value)") }
        return xs
    }

    /// Whether the table sets `key` (does not consume it).
    public func has(_ key: String) -> Bool { table[key] != nil }

    private func value(_ key: String) -> TOMLValueConvertible? {
        consumed.insert(key)
        return table[key]
    }

    /// The value of `key`, or `d` when the table lacks it (a required key when `d` is nil).
    private func present<T>(_ key: String, default d: T?) throws -> TOMLValueConvertible? {
        if let v = value(key) { return v }
        if d != nil { return nil }
        throw ConfigError("[\(name)] missing required key '\(key)'")
    }

    /// A number: a TOML float, or an integer taken as a double.
    private static func number(_ v: TOMLValueConvertible) -> Double? { v.double ?? v.int.map(Double.init) }

    public func int(_ key: String, default d: Int? = nil) throws -> Int {
        guard let v = try present(key, default: d) else { return d! }
        guard let i = v.int else { throw ConfigError("[\(name)] '\(key)' must be an integer") }
        return i
    }

    public func double(_ key: String, default d: Double? = nil) throws -> Double {
        guard let v = try present(key, default: d) else { return d! }
        guard let x = Self.number(v) else { throw ConfigError("[\(name)] '\(key)' must be a number") }
        return x
    }

    public func string(_ key: String, default d: String? = nil) throws -> String {
        guard let v = try present(key, default: d) else { return d! }
        guard let s = v.string else { throw ConfigError("[\(name)] '\(key)' must be a string") }
        return s
    }

    public func optionalString(_ key: String) throws -> String? {
        guard table[key] != nil else { consumed.insert(key); return nil }
        return try string(key)
    }

    public func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = value(key) else { return d }
        guard let b = v.bool else { throw ConfigError("[\(name)] '\(key)' must be true or false") }
        return b
    }

    /// A list of numbers; a single number is accepted as a one-element list.
    public func doubles(_ key: String, default d: [Double]? = nil) throws -> [Double] {
        try list(key, default: d, one: "a number", many: "numbers", Self.number)
    }

    /// A list of integers; a single integer is accepted.
    public func ints(_ key: String, default d: [Int]? = nil) throws -> [Int] {
        try list(key, default: d, one: "an integer", many: "integers") { $0.int }
    }

    /// A list of strings; a single string is accepted.
    public func strings(_ key: String, default d: [String]? = nil) throws -> [String] {
        try list(key, default: d, one: "a string", many: "strings") { $0.string }
    }

    /// A list of `read`'s values ("`one` or a list of `many`"); a single value
    /// is a one-element list, an empty list is refused unless the default is empty.
    private func list<T>(_ key: String, default d: [T]?, one: String, many: String,
                         _ read: (TOMLValueConvertible) -> T?) throws -> [T] {
        guard let v = try present(key, default: d) else { return d! }
        if let x = read(v) { return [x] }
        guard let a = v.array else { throw ConfigError("[\(name)] '\(key)' must be \(one) or a list of \(many)") }
        return try nonEmpty(a.map { e in
            guard let x = read(e) else { throw ConfigError("[\(name)] '\(key)' must contain only \(many)") }
            return x
        }, key, default: d)
    }

    /// Rejects keys that no parser read.
    public func finish() throws {
        if let declared {
            let undeclared = consumed.subtracting(declared).sorted()
            if !undeclared.isEmpty {
                throw ConfigError("[\(name)] internal: the parser reads undeclared keys \(undeclared) (a bug: add them to its declare list)")
            }
        }
        let unknown = Set(table.keys).subtracting(consumed).sorted()
        if !unknown.isEmpty { throw unknownKeysError(unknown, allowed: (declared ?? consumed).sorted()) }
    }
}

/// The parsed document: named tables, each strict.
public struct ConfigDocument {
    public let text: String
    let root: TOMLTable

    public init(text: String) throws {
        self.text = text
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigError("TOML syntax error at \(e.source.begin.debugDescription): \(e.description)")
        } catch {
            throw ConfigError("TOML syntax error: \(error)")
        }
    }

    public var tableNames: [String] { root.keys }

    /// The table `name`, or an empty table if absent.
    public func table(_ name: String) throws -> ConfigTable {
        guard let v = root[name] else { return ConfigTable(name: name, table: TOMLTable()) }
        guard let t = v.table else { throw ConfigError("'\(name)' must be a table ([\(name)])") }
        return ConfigTable(name: name, table: t)
    }
}

/// Renders a TOML list of numbers with round-trip precision.
public func tomlList(_ xs: [Double]) -> String { "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]" }
public func tomlList(_ xs: [Int]) -> String { "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]" }

extension ConfigDocument {
    /// Applies `table.key=value` overrides (value in TOML syntax, e.g.
    /// `lrsg.L=[12]`, `campaign.group_size=4`) and returns the new config
    /// text, headed by a comment listing the overrides. Used by job arrays
    /// that run one config with one parameter varied per array task.
    ///
    /// The text is edited line by line (the overridden key's line is
    /// replaced, or the key is added to its table), so that comments and the
    /// values as the user wrote them are kept; the result is checked against
    /// TOMLKit's own application of the overrides, and that rendering is used
    /// only when the line edit cannot express it (e.g. a multi-line value).
    public static func applying(overrides: [String], to text: String) throws -> String {
        guard !overrides.isEmpty else { return text }
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch { return text }  // the strict parse reports the syntax error later
        var edited: String? = text
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else { throw ConfigError("--set expects table.key=value (got '\(o)')") }
            let path = o[..<eq].split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces) }
            let valueText = String(o[o.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            guard path.count == 2 else { throw ConfigError("--set expects table.key=value (got '\(o)')") }
            let value: TOMLValueConvertible
            do {
                guard let v = try TOMLTable(string: "v = \(valueText)")["v"] else { throw ConfigError("empty value") }
                value = v
            } catch {
                throw ConfigError("--set \(o): the value is not valid TOML (strings need quotes)")
            }
            // A second study table names the two found (the generic message lists every known table).
            if root[path[0]] == nil, path[0] != "campaign", StudyRegistry.find(path[0]) != nil,
               let present = root.keys.first(where: { $0 != "campaign" && StudyRegistry.find($0) != nil }) {
                throw ConfigError("--set \(o): the config's study is [\(present)]; a config names exactly one study table "
                                  + "(found [\(present)] and [\(path[0])])")
            }
            if root[path[0]] == nil { root[path[0]] = TOMLTable() }
            guard let table = root[path[0]]?.table else { throw ConfigError("--set \(o): '\(path[0])' is not a table") }
            table[path[1]] = value
            edited = edited.flatMap { setLine(table: path[0], key: path[1], value: valueText, in: $0) }
        }
        let rendered = root.convert()
        if let edited, let check = try? TOMLTable(string: edited), check.convert() == rendered {
            return "# overrides: \(overrides.joined(separator: " "))\n" + edited
        }
        return "# overrides: \(overrides.joined(separator: " "))\n" + rendered
    }

    /// Sets `[campaign] output` to `path` (a TOML string) in the config text,
    /// keeping everything else as written.
    public static func settingOutput(_ path: String, in text: String) throws -> String {
        if let root = try? TOMLTable(string: text), root["campaign"]?.table?["output"]?.string == path { return text }
        let quoted = tomlString(path)
        guard let edited = setLine(table: "campaign", key: "output", value: quoted, in: text),
              let check = try? TOMLTable(string: edited), check["campaign"]?.table?["output"]?.string == path else {
            return text  // not expressible by a line edit: the stored config keeps its own output
        }
        return edited
    }

    /// The text with `key = value` in `[table]`: replaces the key's line
    /// (single-line values only) or inserts the line after the table's
    /// header (appending the table when absent). nil when the edit is not
    /// a plain line edit.
    static func setLine(table: String, key: String, value: String, in text: String) -> String? {
        var lines = text.components(separatedBy: "\n")
        func isHeader(_ l: String) -> Bool { l.trimmingCharacters(in: .whitespaces).hasPrefix("[") }
        func headerName(_ l: String) -> String? {
            var t = l.trimmingCharacters(in: .whitespaces)
            if let hash = t.firstIndex(of: "#") { t = String(t[..<hash]).trimmingCharacters(in: .whitespaces) }
            guard t.hasPrefix("["), !t.hasPrefix("[["), t.hasSuffix("]") else { return nil }
            return t.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        }
        let newLine = "\(key) = \(value)"
        guard let h = lines.firstIndex(where: { headerName($0) == table }) else {
            if lines.last == "" { lines.removeLast() }
            lines += ["", "[\(table)]", newLine, ""]
            return lines.joined(separator: "\n")
        }
        var i = h + 1
        while i < lines.count && !isHeader(lines[i]) {
            let t = lines[i].trimmingCharacters(in: .whitespaces)
            if let eq = t.firstIndex(of: "="), t[..<eq].trimmingCharacters(in: .whitespaces) == key {
                let rest = t[t.index(after: eq)...]
                // Multi-line values (an array continued on later lines, multi-line strings) are not line edits.
                if rest.filter({ $0 == "[" }).count != rest.filter({ $0 == "]" }).count || rest.contains("\"\"\"") || rest.contains("'''") {
                    return nil
                }
                lines[i] = newLine
                return lines.joined(separator: "\n")
            }
            i += 1
        }
        lines.insert(newLine, at: h + 1)
        return lines.joined(separator: "\n")
    }
}

/// The name among `names` closest to `word` by edit distance (insertions,
/// deletions, substitutions and swaps of neighbours, case ignored), or nil
/// when none is within a third of the longer word (at least 2): the "did you
/// mean" of unknown subcommands and config keys.
public func closestName(to word: String, among names: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
    let w = Array(word.lowercased())
    var best: (name: String, d: Int)? = nil
    for n in names {
        let d = distance(w, Array(n.lowercased()))
        // Close: at most a third of the longer name (at least 1) and fewer
        // edits than the shorter name has letters (so "hx" never suggests "L").
        if d <= max(1, max(w.count, n.count) / 3), d < min(w.count, n.count), d < (best?.d ?? Int.max) { best = (n, d) }
    }
    return best?.name
}

/// Bounds of the physical parameters of the studies, declared once (issue 21,
/// 2.3; docs/models.md "Parameter bounds"). A value past its bound is refused
/// in the study's parse (the preflight, before MPI and before any file).
public enum PhysicalBounds {
    /// Largest |h_x|, W, |Delta|, g and temperature, in units of the model's
    /// coupling (J = 1): 1e6. Energies of the largest chains stay below ~1e11
    /// and their squares (matrix norms, second moments) far below overflow;
    /// 1e300 overflowed in the eigensolver and aborted the run mid-file.
    public static let magnitude = 1e6
    /// Smallest temperature (the Boltzmann factors exp(-Delta E / T) with
    /// |Delta E| <= ~1e11 stay representable or underflow to 0): 1e-6.
    public static let smallestTemperature = 1e-6
    /// Largest interaction exponent alpha: 100. J/r^alpha at r = 2 is then
    /// 7.9e-31 of the nearest-neighbour coupling; larger alpha only adds
    /// underflow (alpha = 1e300 made every coupling beyond r = 1 zero or NaN).
    public static let alpha = 100.0

    /// A bound as written in the docs: 1e6, 1e-6, 100.
    public static func text(_ x: Double) -> String {
        let e = log10(x)
        if e == e.rounded(), abs(e) >= 3 { return "1e\(Int(e))" }
        return x == x.rounded() ? "\(Int(x))" : "\(x)"
    }
}

extension ConfigTable {
    /// Refuses a value of `key` whose magnitude exceeds `bound` (NaN and
    /// infinities included): "[t] key = v out of range: |key| <= bound".
    public func checkMagnitude(_ key: String, _ values: [Double], bound: Double = PhysicalBounds.magnitude) throws {
        for v in values where !(abs(v) <= bound) {
            throw ConfigError("[\(name)] \(key) = \(v) out of range: |\(key)| <= \(PhysicalBounds.text(bound)) (docs/models.md, parameter bounds)")
        }
    }
}
