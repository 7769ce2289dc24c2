import ArgumentParser
import Foundation
import QGlass

/// The flags of a study's declared parameters (issue 22, step 2; docs/design.md, step 0 of a run).
///
/// A flag command (`ed`, `fields`, `quench`, `emch-radin`) names the flag of
/// a declared parameter `--key` (the config key, underscores as dashes) and
/// takes its help text, its default and its range from the study's
/// `Parameter` declaration. The values given are written into the study's
/// config table as typed (each checked for its form and refused naming its
/// flag) and the table is parsed by the study's own parser, so that the one
/// range check of the declaration applies. A flag left out is left out of the
/// table, so the declared default applies there too. Flags without a config
/// key of the study are the command's own; those of the `[campaign]` keys
/// (`--seed`, `--realizations`, `--group-size`, `--out`, ...) come the same
/// way from `CampaignSettings.parameters` (`DeclaredFlags.campaign`).
struct DeclaredFlags {
    /// The command's studies, each by the name the command gives it (`ed --model xxz`) and its table name.
    let studies: [(name: String, table: String, parameters: [Parameter])]

    /// The flags of one study.
    init(_ study: any Study.Type) { studies = [(study.name, study.name, study.parameters)] }

    /// The flags of several studies (`ed --model NAME`): a flag applies to the
    /// studies that declare its key and follows the first of them.
    init(models: KeyValuePairs<String, any Study.Type>) { studies = models.map { ($0.key, $0.value.name, $0.value.parameters) } }

    /// The first study's table name and declarations (the one study of a single-study command).
    var table: String { studies[0].table }
    var parameters: [Parameter] { studies[0].parameters }

    /// The flags of the study the command calls `name`, nil for none.
    func model(_ name: String) -> DeclaredFlags? {
        studies.first { $0.name == name }.map { DeclaredFlags(studies: [$0]) }
    }

    private init(studies: [(name: String, table: String, parameters: [Parameter])]) { self.studies = studies }

    /// The flags of the `[campaign]` keys, declared in `CampaignSettings.parameters`.
    static let campaign = DeclaredFlags(studies: [("campaign", "campaign", CampaignSettings.parameters)])

    /// The declaration of `key` in the first study that declares it.
    func declared(_ key: String) -> Parameter? {
        for s in studies { if let p = s.parameters.first(where: { $0.key == key }) { return p } }
        return nil
    }

    /// The declaration of `key` (undeclared: a bug of the command).
    subscript(_ key: String) -> Parameter {
        guard let p = declared(key) else { preconditionFailure("[\(table)] declares no parameter '\(key)'") }
        return p
    }

    /// `--key`, underscores as dashes.
    static func flag(_ key: String) -> String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// The option's name, `--key`, or `--flag` where the command names it otherwise (`emch-radin --samples`).
    func name(_ key: String, flag: String? = nil) -> NameSpecification { .customLong(flag ?? String(Self.flag(self[key].key).dropFirst(2))) }

    /// The option's help from the declaration of `key`: the studies that
    /// declare it where not all do (e.g. "lrsg: "), the declared help
    /// (capitalized without a scope), the declared range, "comma separated"
    /// for a list, the value of another flag it needs, and "(default: d)"
    /// (the form ArgumentParser writes) where the declaration has a default.
    /// `note` follows the declared help: what only the command line knows
    /// (a value's form); `lead` goes before it (what a renamed flag stands for).
    func help(_ key: String, lead: String = "", note: String = "") -> ArgumentHelp {
        let p = self[key]
        let declaring = studies.filter { s in s.parameters.contains { $0.key == key } }.map(\.name)
        let scope = declaring.count == studies.count ? lead : declaring.joined(separator: ", ") + ": "
        var text = (scope.isEmpty ? p.help.prefix(1).uppercased() + p.help.dropFirst() : scope + p.help) + note
        if !p.rangeText.isEmpty { text += "; " + p.rangeText }
        if p.kind.isList { text += "; comma separated" }
        if let (k, v) = p.requires { text += "; only with " + Self.flag(k) + (v == .bool(true) ? "" : " " + Self.flagText(v)) }
        if let d = p.defaultValue, !(p.kind == .bool && d == .bool(false)) { text += " (default: \(Self.flagText(d)))" }
        return ArgumentHelp(text)
    }

    /// A value as a flag takes it: "1,2", "0.5", "1e10", "periodic", "true".
    static func flagText(_ v: ParameterValue) -> String {
        switch v {
        case .int(let i): return "\(i)"
        case .double(let x): return number(x)
        case .bool(let b): return "\(b)"
        case .string(let s): return s
        case .ints(let xs): return xs.map(String.init).joined(separator: ",")
        case .doubles(let xs): return xs.map(number).joined(separator: ",")
        case .strings(let xs): return xs.joined(separator: ",")
        }
    }

    /// A number as the help writes it: 0.5, 8, 1e10, 1e-4.
    static func number(_ x: Double) -> String {
        x == 0 || !x.isFinite ? "\(x)" : (x < 0 ? "-" : "") + PhysicalBounds.text(abs(x))
    }
}

extension Option where Value: ExpressibleByArgument {
    /// The required option of a declared key: `@Option(flags, "L") var sizes: String`
    /// (`flag`: the option's name where it is not `--key`; `lead`, `note`: `DeclaredFlags.help`).
    init(_ flags: DeclaredFlags, _ key: String, flag: String? = nil, lead: String = "", note: String = "") {
        self.init(name: flags.name(key, flag: flag), help: flags.help(key, lead: lead, note: note))
    }
}

extension Option {
    /// The option of a declared key, nil when not given (the declared default
    /// applies in the study's parser): `@Option(flags, "t_min") var tMin: String?`.
    init<T>(_ flags: DeclaredFlags, _ key: String, flag: String? = nil, lead: String = "", note: String = "")
        where T: ExpressibleByArgument, Value == T? {
        self.init(name: flags.name(key, flag: flag), help: flags.help(key, lead: lead, note: note))
    }
}

extension Flag where Value == Bool {
    /// The flag of a declared bool key with default false: `@Flag(flags, "store_disorder") var storeDisorder = false`.
    init(wrappedValue: Bool, _ flags: DeclaredFlags, _ key: String) {
        precondition(flags[key].defaultValue == .bool(false), "--\(key): a flag can only turn on a key whose declared default is false")
        self.init(wrappedValue: wrappedValue, name: flags.name(key), help: flags.help(key))
    }
}

/// The flags of the SFS-chain keys that `fields` and `quench` share (each
/// declared by its study `S`): sizes, alpha, boundary, relaxation order and
/// whether the couplings are stored.
struct SFSChainFlags<S: Study>: ParsableArguments {
    @Option(DeclaredFlags(S.self), "L") var sizes: String
    @Option(DeclaredFlags(S.self), "alpha") var alpha: String
    @Option(DeclaredFlags(S.self), "boundary") var boundary: String?
    @Option(DeclaredFlags(S.self), "order") var order: String?
    @Flag(DeclaredFlags(S.self), "store_disorder") var storeDisorder = false

    /// The flags given, by key (nil: not given).
    var given: [(key: String, value: String?)] {
        [("L", sizes), ("alpha", alpha), ("boundary", boundary), ("order", order), ("store_disorder", storeDisorder ? "true" : nil)]
    }
}

/// The values of a flag command's declared flags, as typed, and the study
/// table written from them.
struct DeclaredFlagValues {
    let flags: DeclaredFlags
    /// The flags given (nil values dropped), by key, in the command's order.
    let given: [(key: String, value: String)]

    /// `values`: the command's declared flags by key (nil: not given), in the
    /// order its refusals name them. With `strict`, every key must be
    /// declared by the study (a command of one study); otherwise the keys
    /// the study does not declare are `foreign` (flags of another model).
    init(_ flags: DeclaredFlags, _ values: KeyValuePairs<String, String?>, strict: Bool = true) {
        self.init(flags, values.map { (key: $0.key, value: $0.value) }, strict: strict)
    }

    /// The same from a list (flags gathered from several option groups).
    init(_ flags: DeclaredFlags, _ values: [(key: String, value: String?)], strict: Bool = true) {
        self.flags = flags
        given = values.compactMap { k, v in v.map { (k, $0) } }
        if strict { for (k, _) in values { _ = flags[k] } }
    }

    /// The flags given whose keys the study does not declare, in the command's order.
    var foreign: [String] { given.filter { flags.declared($0.key) == nil }.map { DeclaredFlags.flag($0.key) } }

    /// The flags of the declared required keys (no default, not optional)
    /// that were not given, in declaration order.
    var missing: [String] {
        flags.parameters.filter { p in p.defaultValue == nil && !p.optional && p.requires == nil && !given.contains { $0.key == p.key } }
            .map { DeclaredFlags.flag($0.key) }
    }

    func value(_ key: String) -> String? { given.first { $0.key == key }?.value }

    /// Local: the refusal of flags that need another flag's value they did
    /// not get ("--k and --filter-degree need --solver midspectrum"), or of a
    /// value of that other flag that is not allowed ("--solver must be dense
    /// or midspectrum (got 'x')"); nil when none. From the declarations'
    /// `requires` (a key of the study with the value it needs).
    var requirementRefusal: String? {
        // A flag that others need a value of (e.g. --solver) is checked first: it steers which flags apply.
        for target in flags.parameters where flags.parameters.contains(where: { $0.requires?.key == target.key }) {
            if let typed = value(target.key), let allowed = target.allowed, !allowed.contains(typed) {
                let choices = allowed.count == 1 ? allowed[0] : allowed.dropLast().joined(separator: ", ") + " or " + allowed.last!
                return "\(DeclaredFlags.flag(target.key)) must be \(choices) (got '\(typed)')"
            }
        }
        var unmet: [String: [String]] = [:], order: [String] = []
        for (key, _) in given {
            guard let p = flags.declared(key), let (k, needed) = p.requires else { continue }
            let now = value(k) ?? flags[k].defaultValue.map(DeclaredFlags.flagText)
            if now != DeclaredFlags.flagText(needed) {
                let need = DeclaredFlags.flag(k) + (needed == .bool(true) ? "" : " " + DeclaredFlags.flagText(needed))
                if unmet[need] == nil { order.append(need) }
                unmet[need, default: []].append(DeclaredFlags.flag(key))
            }
        }
        guard let need = order.first, let given = unmet[need] else { return nil }
        return "\(flagPhrase(given)) need\(given.count == 1 ? "s" : "") \(need)"
    }

    /// The study table, "[table]\n" and a line `key = value` for each flag
    /// given, in declaration order, each value written as typed; a value of
    /// the wrong form is refused naming its flag.
    var table: String {
        var text = "[\(flags.table)]\n"
        for p in flags.parameters {
            guard let v = value(p.key) else { continue }
            text += "\(p.key) = \(Self.toml(v, p))\n"
        }
        return text
    }

    /// A typed value as TOML of the declared kind, or a refusal naming the flag.
    static func toml(_ v: String, _ p: Parameter) -> String {
        let flag = DeclaredFlags.flag(p.key)
        switch p.kind {
        case .int:
            guard let n = Int(v.trimmingCharacters(in: .whitespaces)) else { refuse("\(flag): '\(v)' is not an integer") }
            return "\(n)"
        case .double: return numberLiteral(v, flag: flag)
        case .bool:
            guard v == "true" || v == "false" else { refuse("\(flag) takes true or false (got '\(v)')") }
            return v
        case .string: return tomlString(v)
        case .ints: return numberList(v, flag: flag, integers: true)
        case .doubles: return numberList(v, flag: flag)
        case .strings: return wordList(v, flag: flag)
        }
    }
}
