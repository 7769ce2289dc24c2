import QGHDF5

/// The tables of `qglass schema`: a study's declared parameters and the
/// output columns (`DatasetSpec`s of its `blocks`) of an example campaign,
/// both generated from the declarations. `docs/study-tables.md` is the
/// Markdown form for every study (`qglass schema --markdown`), checked
/// against the build by `Tests/Python/test_schema_docs.py`.
public enum StudySchema {
    /// The example config of a declared study: `[campaign] seed = 1,
    /// realizations = 1` and the declared defaults, with the declared
    /// examples for required keys.
    public static func exampleConfig(_ study: any Study.Type) -> String {
        "[campaign]\nseed = 1\nrealizations = 1\n\n[\(study.name)]\n" + study.parameters.exampleTable
    }

    /// The study parsed from its example config.
    static func example(_ study: any Study.Type) throws -> any Study {
        let doc = try ConfigDocument(text: exampleConfig(study))
        let campaign = try CampaignSettings.parse(doc.table("campaign"))
        func open<S: Study>(_ s: S.Type) throws -> any Study { try s.parse(doc.table(s.name), campaign: campaign) }
        return try open(study)
    }

    /// The blocks whose dataset lists differ, in order (one of each kind).
    static func distinctBlocks(_ study: any Study) -> [OutputBlock] {
        var seen: [[String]] = [], out: [OutputBlock] = []
        for b in study.blocks {
            let names = b.datasets.map(\.name)
            if !seen.contains(names) { seen.append(names); out.append(b) }
        }
        return out
    }

    static func defaultText(_ p: Parameter) -> String {
        if let d = p.defaultValue { return d.toml }
        if p.optional { return "unset" }
        return "required" + (p.example.map { " (e.g. \($0.toml))" } ?? "")
    }

    /// The range column: the range, the physical bound, distinctness.
    static func rangeText(_ p: Parameter) -> String {
        var parts = p.rangeText.isEmpty ? [] : [p.rangeText]
        if let m = p.magnitude { parts.append("|\(p.key)| <= \(PhysicalBounds.text(m))") }
        if p.distinct { parts.append("distinct") }
        if let (k, v) = p.requires { parts.append("only with \(k) = \(v.toml)") }
        return parts.joined(separator: "; ")
    }

    static func shapeText(_ d: DatasetSpec) -> String {
        d.rowShape.isEmpty ? "scalar" : "[" + d.rowShape.map(String.init).joined(separator: ", ") + "]"
    }

    /// The header and parameter table of a config table (`[campaign]` or a
    /// study's), as plain text: key, type, default, range, unit, help.
    static func parametersText(table name: String, summary: String, _ parameters: [Parameter]) -> [String] {
        ["[\(name)]  \(summary)", "", "parameters of [\(name)]:"]
            + columns([["key", "type", "default", "range", "unit", "help"]]
                      + parameters.map { [$0.key, $0.kind.rawValue, defaultText($0), rangeText($0), $0.unit, $0.help] })
    }

    /// The same header and parameter table as Markdown (docs/study-tables.md).
    static func parametersMarkdown(table name: String, summary: String, _ parameters: [Parameter]) -> [String] {
        ["## `\(name)`", "", summary, "", "Parameters of `[\(name)]`:", ""]
            + table(["key", "type", "default", "range", "unit", "help"],
                    parameters.map { ["`\($0.key)`", $0.kind.rawValue, defaultText($0), rangeText($0), $0.unit, $0.help] })
    }

    /// The plain-text tables of one study.
    public static func text(_ study: any Study.Type) throws -> String {
        var lines = parametersText(table: study.name, summary: study.summary, study.parameters)
        let example = try example(study)
        for b in distinctBlocks(example) {
            lines += ["", "columns of \(b.path) (example config; the last \(Campaign.driverDatasets.count) are the driver's, in every block):"]
            lines += columns([["name", "type", "row shape", "units", "description"]]
                             + (b.datasets + Campaign.driverDatasets).map { [$0.name, $0.type.rawValue, shapeText($0), $0.units, $0.description] })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The Markdown section of one study (the form of docs/study-tables.md).
    public static func markdown(_ study: any Study.Type) throws -> String {
        var lines = parametersMarkdown(table: study.name, summary: study.summary, study.parameters)
        let example = try example(study)
        let config = exampleConfig(study).split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("[") }
        for b in distinctBlocks(example) {
            lines += ["", "Columns of `\(b.path)` (row shapes of the example config: \(config.joined(separator: ", "))):", ""]
            lines += table(["name", "type", "row shape", "units", "description"],
                           (b.datasets + Campaign.driverDatasets).map { ["`\($0.name)`", $0.type.rawValue, shapeText($0), $0.units, $0.description] })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `[campaign]` table and every study's Markdown section under one
    /// header: docs/study-tables.md.
    public static func markdownDocument(_ studies: [any Study.Type] = StudyRegistry.all) throws -> String {
        var out = """
        # Study parameters and output columns

        Generated by `qglass schema --markdown` from the declarations (the
        `[campaign]` table's `CampaignSettings.parameters`, then each study's
        `static let parameters` and the `DatasetSpec`s of its blocks); do not
        edit by hand: regenerate with
        `qglass schema --markdown > docs/study-tables.md`
        (`Tests/Python/test_schema_docs.py` checks that this file matches the build).
        Ranges are closed unless written with ( ); an integer range `a...b`
        includes both ends. The last rows of each column table (`done`,
        `wall_seconds`, `write_seconds`) are added by the driver to every
        block (docs/hdf5-schema.md).

        """
        out += "\n" + CampaignSettings.schemaMarkdown()
        for s in studies { out += "\n" + (try markdown(s)) }
        return out
    }

    static func columns(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in
            "  " + r.enumerated().map { c, x in c == r.count - 1 ? x : x.padding(toLength: widths[c] + 2, withPad: " ", startingAt: 0) }.joined()
        }
    }

    static func table(_ head: [String], _ rows: [[String]]) -> [String] {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        return ["| " + head.joined(separator: " | ") + " |", "|" + head.map { _ in "---|" }.joined()]
            + rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
    }
}
