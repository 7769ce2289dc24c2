import Foundation
import QGNumerics

/// The type of a declared study parameter (issue 22, step 2).
public enum ParameterKind: String, Sendable {
    case int = "int", double = "float", bool = "bool", string = "string"
    case ints = "list of int", doubles = "list of float", strings = "list of string"

    public var isList: Bool { self == .ints || self == .doubles || self == .strings }
}

/// A value of a declared parameter, as parsed (an integer written for a
/// float is a float; a single value written for a list is a one-element list).
public enum ParameterValue: Sendable, Equatable {
    case int(Int), double(Double), bool(Bool), string(String), ints([Int]), doubles([Double]), strings([String])

    /// The value as the canonical TOML writes it: numbers with round-trip
    /// precision (Swift's description), strings quoted, lists in brackets.
    public var toml: String {
        switch self {
        case .int(let i): return "\(i)"
        case .double(let x): return "\(x)"
        case .bool(let b): return "\(b)"
        case .string(let s): return tomlString(s)
        case .ints(let xs): return tomlList(xs)
        case .doubles(let xs): return tomlList(xs)
        case .strings(let xs): return "[" + xs.map(tomlString).joined(separator: ", ") + "]"
        }
    }

    /// The numbers of the value (empty for bools and strings), for the range checks.
    var numbers: [Double] {
        switch self {
        case .int(let i): return [Double(i)]
        case .double(let x): return [x]
        case .ints(let xs): return xs.map(Double.init)
        case .doubles(let xs): return xs
        default: return []
        }
    }

    /// The integers of the value (empty for the other kinds).
    var integers: [Int] {
        switch self {
        case .int(let i): return [i]
        case .ints(let xs): return xs
        default: return []
        }
    }

    var strings: [String] {
        switch self {
        case .string(let s): return [s]
        case .strings(let xs): return xs
        default: return []
        }
    }
}

/// One end of a float parameter's range.
public struct ParameterBound: Sendable, Equatable {
    public var value: Double
    public var closed: Bool
    /// x >= value.
    public static func atLeast(_ x: Double) -> ParameterBound { .init(value: x, closed: true) }
    /// x > value.
    public static func above(_ x: Double) -> ParameterBound { .init(value: x, closed: false) }
    /// x <= value.
    public static func atMost(_ x: Double) -> ParameterBound { .init(value: x, closed: true) }
    /// x < value.
    public static func below(_ x: Double) -> ParameterBound { .init(value: x, closed: false) }
}

/// One parameter of a study's config table, declared once (issue 22, step
/// 2): its key, type, default (nil: required), range, unit and help. From a
/// study's list of them come the strict parse with its one-line range
/// refusals (`ParameterValues.parse`), the canonical TOML that `--resume`
/// compares (`ParameterValues.canonical`, in declaration order) and the
/// tables of `qglass schema` (docs/study-tables.md).
///
/// Refusals, one line each, naming the table, the key, the range and the value:
/// * integers: "[t] key = v out of range lo...hi" (plus the declared `note`);
/// * floats with two bounds: "[t] key must be in [lo, hi] (got v)" (parentheses for open ends);
///   with a lower bound only: "[t] key must be > lo (got v)" (or ">="); with an upper bound only:
///   "[t] key must be <= hi (got v)"; a float must be finite;
/// * `magnitude` (a `PhysicalBounds` bound, checked after the range):
///   "[t] key = v out of range: |key| <= bound (docs/models.md, parameter bounds)";
/// * integers declared `refusedAsMustBe` (the `[campaign]` table): "[t] key must be in lo...hi (got v)",
///   or "[t] key must be >= lo (got v)" for a range without an upper end (`Int.max`), plus the `note`;
/// * strings: "[t] key must be one of [...] (got 'x')";
/// * lists declared `distinct`: "[t] key must list distinct values";
/// * an explicit empty list: "[t] 'key' must not be empty" (`ConfigTable`).
public struct Parameter: Sendable {
    /// Whether the canonical text writes the key (`never`: a key that does
    /// not change the payload, e.g. `[campaign] output`).
    public enum Canonical: Sendable { case always, unlessDefault, never }

    public var key: String
    public var kind: ParameterKind
    /// nil: the key is required.
    public var defaultValue: ParameterValue?
    /// The value `qglass schema` uses for a required key (the example config
    /// whose output columns it prints).
    public var example: ParameterValue?
    public var lower: ParameterBound?
    public var upper: ParameterBound?
    /// Integers: the closed range lo...hi.
    public var intRange: ClosedRange<Int>?
    /// Added after an integer range refusal, e.g. "(dimension 8 * 2^N <= 8192)".
    public var note: String = ""
    /// Integers: the refusal "[t] key must be <range> (got v)" instead of
    /// "[t] key = v out of range lo...hi" (the form of the `[campaign]` table).
    public var intMustBe = false
    /// A physical bound on |value| (`PhysicalBounds`), checked after the range.
    public var magnitude: Double?
    /// Strings: the values allowed.
    public var allowed: [String]?
    /// Lists: every entry must differ.
    public var distinct: Bool = false
    public var canonical: Canonical = .always
    /// Replaces the float range in the refusal "must be <wording> (got v)"
    /// where tests and users rely on an older wording (e.g. "finite and >= 0").
    public var wording: String? = nil
    /// Floats: the refusal "[t] key = v out of range <range><suffix>" (the
    /// form of the older studies) instead of "[t] key must be ...".
    public var outOfRange: (range: String?, suffix: String)? = nil
    /// Optional without a default: absent stays absent (not written in the canonical text).
    public var optional = false
    /// The parameter and value this key needs ("[t] 'key' needs flag = true",
    /// "[t] key applies to solver = "x" only"); the key is written in the
    /// canonical text only then.
    public var requires: (key: String, value: ParameterValue)? = nil
    public var unit: String
    public var help: String

    // MARK: Declarations

    /// An integer in `range`.
    public static func int(_ key: String, in range: ClosedRange<Int>, default d: Int? = nil, example: Int? = nil, note: String = "",
                           unit: String = "1", help: String) -> Parameter {
        Parameter(key: key, kind: .int, defaultValue: d.map { .int($0) }, example: example.map { .int($0) }, intRange: range, note: note,
                  unit: unit, help: help)
    }

    /// A list of integers in `range` (a single integer is a one-element list).
    public static func ints(_ key: String, in range: ClosedRange<Int>, default d: [Int]? = nil, example: [Int]? = nil, distinct: Bool = true,
                            note: String = "", unit: String = "1", help: String) -> Parameter {
        Parameter(key: key, kind: .ints, defaultValue: d.map { .ints($0) }, example: example.map { .ints($0) }, intRange: range, note: note,
                  distinct: distinct, unit: unit, help: help)
    }

    /// A finite float between `lower` and `upper`, with |x| <= `magnitude`.
    public static func double(_ key: String, lower: ParameterBound? = nil, upper: ParameterBound? = nil, magnitude: Double? = nil,
                              default d: Double? = nil, example: Double? = nil, unit: String, help: String) -> Parameter {
        Parameter(key: key, kind: .double, defaultValue: d.map { .double($0) }, example: example.map { .double($0) }, lower: lower, upper: upper,
                  magnitude: magnitude, unit: unit, help: help)
    }

    /// A list of finite floats, each between `lower` and `upper` with |x| <= `magnitude`.
    public static func doubles(_ key: String, lower: ParameterBound? = nil, upper: ParameterBound? = nil, magnitude: Double? = nil,
                               default d: [Double]? = nil, example: [Double]? = nil, distinct: Bool = true, unit: String, help: String) -> Parameter {
        Parameter(key: key, kind: .doubles, defaultValue: d.map { .doubles($0) }, example: example.map { .doubles($0) }, lower: lower, upper: upper,
                  magnitude: magnitude, distinct: distinct, unit: unit, help: help)
    }

    /// One of `allowed`.
    public static func choice(_ key: String, _ allowed: [String], default d: String? = nil, help: String) -> Parameter {
        Parameter(key: key, kind: .string, defaultValue: d.map { .string($0) }, example: allowed.first.map { .string($0) }, allowed: allowed,
                  unit: "", help: help)
    }

    /// One of the cases of `E`.
    public static func choice<E: CaseIterable & RawRepresentable>(_ key: String, _ type: E.Type, default d: E? = nil, help: String) -> Parameter
        where E.RawValue == String {
        choice(key, E.allCases.map(\.rawValue), default: d?.rawValue, help: help)
    }

    /// A list of distinct values of `allowed`.
    public static func choices(_ key: String, _ allowed: [String], default d: [String]? = nil, help: String) -> Parameter {
        Parameter(key: key, kind: .strings, defaultValue: d.map { .strings($0) }, example: allowed.first.map { .strings([$0]) }, allowed: allowed,
                  distinct: true, unit: "", help: help)
    }

    /// Any string (a path, a checksum).
    public static func string(_ key: String, default d: String? = nil, help: String) -> Parameter {
        Parameter(key: key, kind: .string, defaultValue: d.map { .string($0) }, unit: "", help: help)
    }

    /// true or false.
    public static func bool(_ key: String, default d: Bool, help: String) -> Parameter {
        Parameter(key: key, kind: .bool, defaultValue: .bool(d), unit: "", help: help)
    }

    /// The same declaration, written in the canonical text only where it differs from its default.
    public func omittedAtDefault() -> Parameter { var p = self; p.canonical = .unlessDefault; return p }
    /// The same declaration, never written in the canonical text (a key that does not change the payload).
    public func notCanonical() -> Parameter { var p = self; p.canonical = .never; return p }
    /// The same integer declaration, refused as "[t] key must be in lo...hi (got v)" (or ">= lo").
    public func refusedAsMustBe() -> Parameter { var p = self; p.intMustBe = true; return p }
    /// The same declaration with the refusal wording "must be <wording> (got v)".
    public func worded(_ w: String) -> Parameter { var p = self; p.wording = w; return p }
    /// The same declaration, refusing a float as "[t] key = v out of range <range><suffix>"
    /// (`range` nil: the declared bounds, e.g. "(0, 1e6]").
    public func refusedAsOutOfRange(_ range: String? = nil, suffix: String = "") -> Parameter {
        var p = self; p.outOfRange = (range, suffix); return p
    }
    /// The same declaration without a default and not required (absent: no value, no canonical line).
    public func optionalKey() -> Parameter { var p = self; p.optional = true; p.defaultValue = nil; return p }
    /// The same declaration, allowed only when the bool parameter `flag` is true.
    public func requiring(_ flag: String) -> Parameter { var p = self; p.requires = (flag, .bool(true)); return p }
    /// The same declaration, allowed only when the parameter `key` (declared before it) has `value`.
    public func requiring(_ key: String, _ value: ParameterValue) -> Parameter { var p = self; p.requires = (key, value); return p }

    /// "[t] 'key' needs flag = true" or "[t] key applies to solver = "x" only".
    func requiresRefusal(table: String) -> ConfigError? {
        guard let (k, v) = requires else { return nil }
        return ConfigError(v == .bool(true) ? "[\(table)] '\(key)' needs \(k) = true" : "[\(table)] \(key) applies to \(k) = \(v.toml) only")
    }

    // MARK: Parse and check

    /// Reads the key from `t` (its default when absent) and checks it.
    func read(_ t: ConfigTable) throws -> ParameterValue {
        let v: ParameterValue
        switch kind {
        case .int: v = .int(try t.int(key, default: defaultValue.flatMap { if case .int(let x) = $0 { x } else { nil } }))
        case .double: v = .double(try t.double(key, default: defaultValue.flatMap { if case .double(let x) = $0 { x } else { nil } }))
        case .bool: v = .bool(try t.bool(key, default: defaultValue.flatMap { if case .bool(let x) = $0 { x } else { nil } } ?? false))
        case .string: v = .string(try t.string(key, default: defaultValue.flatMap { if case .string(let x) = $0 { x } else { nil } }))
        case .ints: v = .ints(try t.ints(key, default: defaultValue.flatMap { if case .ints(let x) = $0 { x } else { nil } }))
        case .doubles: v = .doubles(try t.doubles(key, default: defaultValue.flatMap { if case .doubles(let x) = $0 { x } else { nil } }))
        case .strings: v = .strings(try t.strings(key, default: defaultValue.flatMap { if case .strings(let x) = $0 { x } else { nil } }))
        }
        try check(v, table: t.name)
        return v
    }

    /// The range, allowed-value and distinctness checks of a value.
    public func check(_ v: ParameterValue, table: String) throws {
        let head = "[\(table)] \(key)"
        if let r = intRange {
            for x in v.integers where !r.contains(x) && intMustBe {
                let range = r.upperBound == Int.max ? rangeText : "in " + rangeText
                throw ConfigError("\(head) must be \(range) (got \(x))" + (note.isEmpty ? "" : " " + note))
            }
            for x in v.integers where !r.contains(x) {
                throw ConfigError("\(head) = \(x) out of range \(r.lowerBound)...\(r.upperBound)" + (note.isEmpty ? "" : " " + note))
            }
        } else if kind == .double || kind == .doubles {
            for x in v.numbers where lower != nil || upper != nil {
                let ok = (lower.map { $0.closed ? x >= $0.value : x > $0.value } ?? !x.isNaN)
                    && (upper.map { $0.closed ? x <= $0.value : x < $0.value } ?? true)
                if !ok, let o = outOfRange {
                    let bare = rangeText.hasPrefix("in ") ? String(rangeText.dropFirst(3)) : rangeText
                    throw ConfigError("\(head) = \(x) out of range \(o.range ?? bare)\(o.suffix)")
                }
                if !ok { throw ConfigError("\(head) must be \(wording ?? rangeText) (got \(x))") }
            }
            if let m = magnitude {
                for x in v.numbers where !(abs(x) <= m) {
                    throw ConfigError("\(head) = \(x) out of range: |\(key)| <= \(PhysicalBounds.text(m)) (docs/models.md, parameter bounds)")
                }
            }
            for x in v.numbers where !x.isFinite { throw ConfigError("\(head) must be finite (got \(x))") }
        }
        if let allowed {
            for s in v.strings where !allowed.contains(s) { throw ConfigError("\(head) must be one of \(allowed) (got '\(s)')") }
        }
        if distinct {
            let n = v.numbers.isEmpty ? Set(v.strings).count : Set(v.numbers).count
            if n != max(v.numbers.count, v.strings.count) { throw ConfigError("\(head) must list distinct values") }
        }
    }

    /// The range as the refusals and `qglass schema` write it: "in [0, 2]",
    /// "> 0", "1...10", ">= 0" (an integer range up to `Int.max`), "one of [...]", "" for none.
    public var rangeText: String {
        if let r = intRange { return r.upperBound == Int.max ? ">= \(r.lowerBound)" : "\(r.lowerBound)...\(r.upperBound)" }
        if let allowed { return "one of " + allowed.joined(separator: ", ") }
        switch (lower, upper) {
        case let (lo?, hi?):
            return "in \(lo.closed ? "[" : "(")\(Self.boundText(lo.value)), \(Self.boundText(hi.value))\(hi.closed ? "]" : ")")"
        case let (lo?, nil): return "\(lo.closed ? ">=" : ">") \(Self.boundText(lo.value))"
        case let (nil, hi?): return "\(hi.closed ? "<=" : "<") \(Self.boundText(hi.value))"
        case (nil, nil): return ""
        }
    }

    /// A bound as the messages write it: 0, 2, 0.5, 1e6, 1e-6.
    static func boundText(_ x: Double) -> String {
        if x == 0 { return "0" }
        return (x < 0 ? "-" : "") + PhysicalBounds.text(abs(x))
    }
}

/// The parsed values of a study's declared parameters.
public struct ParameterValues: Sendable {
    public let table: String
    public let declaration: [Parameter]
    private var values: [String: ParameterValue]

    /// Values set in code (e.g. settings a program changed after the parse),
    /// for the canonical text; every key must be declared.
    public init(table: String, declaration: [Parameter], values: [String: ParameterValue]) {
        for k in values.keys { precondition(declaration.contains { $0.key == k }, "[\(table)] sets the undeclared parameter '\(k)'") }
        self.table = table
        self.declaration = declaration
        self.values = values
    }

    /// Parses `t` strictly against `declaration`: an unknown key is refused
    /// first (with the closest declared key), then each key is read in
    /// declaration order and checked; `extraKeys` are keys the study reads by
    /// hand (declared for the unknown-key check only). Ends with
    /// `t.finish()` unless `finish` is false.
    public static func parse(_ t: ConfigTable, _ declaration: [Parameter], extraKeys: [String] = [], finish: Bool = true) throws -> ParameterValues {
        try t.declare(declaration.map(\.key) + extraKeys)
        var values: [String: ParameterValue] = [:]
        for p in declaration {
            if let (k, v) = p.requires, values[k] != v {
                if t.has(p.key), let e = p.requiresRefusal(table: t.name) { throw e }
            }
            if p.optional && !t.has(p.key) { _ = try t.optionalString(p.key); continue }
            values[p.key] = try p.read(t)
        }
        if finish { try t.finish() }
        return ParameterValues(table: t.name, declaration: declaration, values: values)
    }

    public subscript(_ key: String) -> ParameterValue {
        guard let v = values[key] else { preconditionFailure("[\(table)] reads the undeclared or unset parameter '\(key)' (a bug)") }
        return v
    }

    /// An optional parameter's value, nil when absent.
    public func ifSet(_ key: String) -> ParameterValue? {
        precondition(declaration.contains { $0.key == key }, "[\(table)] reads the undeclared parameter '\(key)' (a bug: declare it)")
        return values[key]
    }

    /// An optional int parameter's value, nil when absent.
    public func intIfSet(_ key: String) -> Int? { ifSet(key).map { _ in int(key) } }
    /// An optional float parameter's value, nil when absent.
    public func doubleIfSet(_ key: String) -> Double? { ifSet(key).map { _ in double(key) } }
    /// An optional string parameter's value, nil when absent.
    public func stringIfSet(_ key: String) -> String? { ifSet(key).map { _ in string(key) } }

    /// Refuses an entry of list `key` that is not an entry of list `all` (both
    /// ints or both floats): "[table] key = x is not one of the all values".
    public func requireEntries(_ key: String, in all: String) throws {
        let bad: String?
        switch (self[key], self[all]) {
        case let (.ints(xs), .ints(ys)): bad = xs.first { !ys.contains($0) }.map { "\($0)" }
        case let (.doubles(xs), .doubles(ys)): bad = xs.first { !ys.contains($0) }.map { "\($0)" }
        default: preconditionFailure("[\(table)] \(key) and \(all) are not lists of the same kind")
        }
        if let x = bad { throw ConfigError("[\(table)] \(key) = \(x) is not one of the \(all) values") }
    }

    /// Floats `lo` and `hi` with lo < hi, refused otherwise as "[table] need
    /// \(need) (got lo, hi)" (the declaration bounds each, not their order).
    public func increasing(_ lo: String, _ hi: String, need: String) throws -> (lo: Double, hi: Double) {
        let a = double(lo), b = double(hi)
        guard b > a else { throw ConfigError("[\(table)] need \(need) (got \(a), \(b))") }
        return (a, b)
    }

    /// The two-entry float list `key`, [lo, hi] with lo < hi, refused
    /// otherwise as "[table] key must be \(shape)", then " (got [..])" when `showingValue`.
    public func increasingPair(_ key: String, shape: String, showingValue: Bool = false) throws -> (lo: Double, hi: Double) {
        let x = doubles(key)
        guard x.count == 2, x[0] < x[1] else { throw ConfigError("[\(table)] \(key) must be \(shape)" + (showingValue ? " (got \(x))" : "")) }
        return (x[0], x[1])
    }

    /// Refuses `a` without `b` or `b` without `a` (a key counts as given when
    /// set and, for a list, not empty): "[table] a and b go together".
    public func requireTogether(_ a: String, _ b: String) throws {
        func given(_ k: String) -> Bool {
            switch ifSet(k) {
            case nil: return false
            case .ints(let x)?: return !x.isEmpty
            case .doubles(let x)?: return !x.isEmpty
            case .strings(let x)?: return !x.isEmpty
            default: return true
            }
        }
        if given(a) != given(b) { throw ConfigError("[\(table)] \(a) and \(b) go together") }
    }

    public func int(_ key: String) -> Int { if case .int(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not an int") }
    public func double(_ key: String) -> Double {
        if case .double(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not a float")
    }
    public func bool(_ key: String) -> Bool { if case .bool(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not a bool") }
    public func string(_ key: String) -> String {
        if case .string(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not a string")
    }
    public func ints(_ key: String) -> [Int] { if case .ints(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not a list of int") }
    public func doubles(_ key: String) -> [Double] {
        if case .doubles(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not a list of float")
    }
    public func strings(_ key: String) -> [String] {
        if case .strings(let x) = self[key] { return x }; preconditionFailure("[\(table)] \(key) is not a list of string")
    }
    /// A `choice` parameter as its enum (the parse checked the value).
    public func choice<E: RawRepresentable>(_ key: String, as: E.Type = E.self) -> E where E.RawValue == String {
        guard let e = E(rawValue: string(key)) else { preconditionFailure("[\(table)] \(key): declared values and \(E.self) differ") }
        return e
    }
    /// A `choices` parameter as its enums.
    public func choices<E: RawRepresentable>(_ key: String, as: E.Type = E.self) -> [E] where E.RawValue == String {
        strings(key).map { s in
            guard let e = E(rawValue: s) else { preconditionFailure("[\(table)] \(key): declared values and \(E.self) differ") }
            return e
        }
    }

    /// Replaces a value by the one the study uses (e.g. a value it derives
    /// exactly as older runs wrote it); the key must be declared.
    public mutating func set(_ key: String, _ v: ParameterValue) {
        precondition(declaration.contains { $0.key == key }, "[\(table)] sets the undeclared parameter '\(key)'")
        values[key] = v
    }

    /// The canonical TOML lines `key = value` in declaration order (no table
    /// header); a key declared `omittedAtDefault` is written only when it
    /// differs from its default. `--resume` compares this text with the
    /// stored one, so changing a study's declaration order or a value's
    /// rendering makes older files unresumable.
    public var canonicalLines: String { canonicalLines(from: nil, upTo: nil) }

    /// The canonical lines of the keys from `from` (included) up to `upTo`
    /// (excluded), in declaration order (nil: the first key, the end), for a
    /// study that writes other lines between them.
    public func canonicalLines(from: String?, upTo: String?) -> String {
        let keys = declaration.map(\.key)
        let start = from.flatMap { keys.firstIndex(of: $0) } ?? 0, end = upTo.flatMap { keys.firstIndex(of: $0) } ?? keys.count
        precondition(from == nil || keys.contains(from!), "[\(table)] canonical lines from the undeclared key '\(from!)'")
        precondition(upTo == nil || keys.contains(upTo!), "[\(table)] canonical lines up to the undeclared key '\(upTo!)'")
        return declaration[start..<max(start, end)].compactMap { p in
            guard let v = values[p.key], p.canonical != .never else { return nil }  // an optional key left unset, or never written
            if p.canonical == .unlessDefault && v == p.defaultValue { return nil }
            if let (k, needed) = p.requires, values[k] != needed { return nil }
            return "\(p.key) = \(v.toml)\n"
        }.joined()
    }

    /// "[table]\n" and the canonical lines.
    public var canonical: String { "[\(table)]\n" + canonicalLines }
}

extension Array where Element == Parameter {
    /// The TOML table of the declared defaults and, for required keys, the examples.
    public var exampleTable: String {
        compactMap { p in p.requires != nil ? nil : (p.defaultValue ?? p.example).map { "\(p.key) = \($0.toml)\n" } }.joined()
    }
}

/// The points of a study: the cartesian product of its list-valued
/// parameters, outermost first, grouped by the first factor (one output
/// block per value of it, e.g. per size L). Replaces the studies'
/// hand-written point loops and `pointsOf` filters.
public struct ParameterGrid<Point: Sendable>: Sendable {
    public let points: [Point]
    /// The point indices of each block, ascending.
    public let blockPoints: [[Int]]

    /// The points of each value of `blocks`, in order (block b holds a contiguous run).
    public init<B>(blocks: [B], _ pointsOfBlock: (B) -> [Point]) {
        var points: [Point] = [], members: [[Int]] = []
        for b in blocks {
            let start = points.count
            points += pointsOfBlock(b)
            members.append(Array(start..<points.count))
        }
        self.points = points
        self.blockPoints = members
    }

    /// Points in a given order, each in block `blockOf(point)` of `blocks`
    /// (for a study whose point order is not its block order).
    public init(points: [Point], blocks: Int, blockOf: (Point) -> Int) {
        var members = [[Int]](repeating: [], count: blocks)
        for (i, p) in points.enumerated() { members[blockOf(p)].append(i) }
        self.points = points
        self.blockPoints = members
    }

    /// blocks x b.
    public init<B, C>(_ blocks: [B], _ b: [C], _ make: (B, C) -> Point) {
        self.init(blocks: blocks) { x in b.map { make(x, $0) } }
    }

    /// blocks x b x c.
    public init<B, C, D>(_ blocks: [B], _ b: [C], _ c: [D], _ make: (B, C, D) -> Point) {
        self.init(blocks: blocks) { x in b.flatMap { y in c.map { make(x, y, $0) } } }
    }

    /// blocks x b x c x d.
    public init<B, C, D, E>(_ blocks: [B], _ b: [C], _ c: [D], _ d: [E], _ make: (B, C, D, E) -> Point) {
        self.init(blocks: blocks) { x in b.flatMap { y in c.flatMap { z in d.map { make(x, y, z, $0) } } } }
    }

    /// The point indices of block b.
    public func pointsOf(block b: Int) -> [Int] { blockPoints[b] }

    /// Every task: block b holds its points, each with the campaign's
    /// realizations (row = point-in-block x realizations + r).
    public func tasks(campaign: CampaignSettings, cost: (Int) -> Double) -> [TaskSpec] {
        var out: [TaskSpec] = []
        for (b, members) in blockPoints.enumerated() {
            for (j, p) in members.enumerated() {
                for r in 0..<campaign.realizations {
                    out.append(TaskSpec(index: out.count, block: b, row: j * campaign.realizations + r, point: p,
                                        realization: campaign.firstRealization + r, cost: cost(p)))
                }
            }
        }
        return out
    }
}
