import TOMLKit

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

    init(name: String, table: TOMLTable) {
        self.name = name
        self.table = table
    }

    public var keys: [String] { table.keys }

    private func value(_ key: String) -> TOMLValueConvertible? {
        consumed.insert(key)
        return table[key]
    }

    public func int(_ key: String, default d: Int? = nil) throws -> Int {
        guard let v = value(key) else {
            if let d { return d }
            throw ConfigError("[\(name)] missing required key '\(key)'")
        }
        guard let i = v.int else { throw ConfigError("[\(name)] '\(key)' must be an integer") }
        return i
    }

    public func double(_ key: String, default d: Double? = nil) throws -> Double {
        guard let v = value(key) else {
            if let d { return d }
            throw ConfigError("[\(name)] missing required key '\(key)'")
        }
        if let x = v.double { return x }
        if let i = v.int { return Double(i) }
        throw ConfigError("[\(name)] '\(key)' must be a number")
    }

    public func string(_ key: String, default d: String? = nil) throws -> String {
        guard let v = value(key) else {
            if let d { return d }
            throw ConfigError("[\(name)] missing required key '\(key)'")
        }
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
        guard let v = value(key) else {
            if let d { return d }
            throw ConfigError("[\(name)] missing required key '\(key)'")
        }
        if let x = v.double { return [x] }
        if let i = v.int { return [Double(i)] }
        guard let a = v.array else { throw ConfigError("[\(name)] '\(key)' must be a number or a list of numbers") }
        return try a.map { e in
            if let x = e.double { return x }
            if let i = e.int { return Double(i) }
            throw ConfigError("[\(name)] '\(key)' must contain only numbers")
        }
    }

    /// A list of integers; a single integer is accepted.
    public func ints(_ key: String, default d: [Int]? = nil) throws -> [Int] {
        guard let v = value(key) else {
            if let d { return d }
            throw ConfigError("[\(name)] missing required key '\(key)'")
        }
        if let i = v.int { return [i] }
        guard let a = v.array else { throw ConfigError("[\(name)] '\(key)' must be an integer or a list of integers") }
        return try a.map { e in
            guard let i = e.int else { throw ConfigError("[\(name)] '\(key)' must contain only integers") }
            return i
        }
    }

    /// A list of strings; a single string is accepted.
    public func strings(_ key: String, default d: [String]? = nil) throws -> [String] {
        guard let v = value(key) else {
            if let d { return d }
            throw ConfigError("[\(name)] missing required key '\(key)'")
        }
        if let s = v.string { return [s] }
        guard let a = v.array else { throw ConfigError("[\(name)] '\(key)' must be a string or a list of strings") }
        return try a.map { e in
            guard let s = e.string else { throw ConfigError("[\(name)] '\(key)' must contain only strings") }
            return s
        }
    }

    /// Rejects keys that no parser read.
    public func finish() throws {
        let unknown = Set(table.keys).subtracting(consumed).sorted()
        if !unknown.isEmpty {
            throw ConfigError("[\(name)] unknown key\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", "))"
                              + "; allowed: \(consumed.sorted().joined(separator: ", "))")
        }
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
    public static func applying(overrides: [String], to text: String) throws -> String {
        guard !overrides.isEmpty else { return text }
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch { return text }  // the strict parse reports the syntax error later
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else { throw ConfigError("--set expects table.key=value (got '\(o)')") }
            let path = o[..<eq].split(separator: ".").map(String.init)
            let valueText = String(o[o.index(after: eq)...])
            guard path.count == 2 else { throw ConfigError("--set expects table.key=value (got '\(o)')") }
            let value: TOMLValueConvertible
            do {
                guard let v = try TOMLTable(string: "v = \(valueText)")["v"] else { throw ConfigError("empty value") }
                value = v
            } catch {
                throw ConfigError("--set \(o): the value is not valid TOML (strings need quotes)")
            }
            if root[path[0]] == nil { root[path[0]] = TOMLTable() }
            guard let table = root[path[0]]?.table else { throw ConfigError("--set \(o): '\(path[0])' is not a table") }
            table[path[1]] = value
        }
        return "# overrides: \(overrides.joined(separator: " "))\n" + root.convert()
    }
}
