import ArgumentParser
import Foundation
import QGlass

/// `qglass schema [STUDY] [--markdown]`: the study's declared parameters
/// and output columns (`StudySchema`), or the declared keys of `[campaign]`
/// (`CampaignSettings.parameters`) for `campaign`; all of them, `[campaign]`
/// first, without STUDY.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print a study's parameters (key, type, default, range, unit, help) and output columns, from its declarations.")
    @Argument(help: "The study (its table name, e.g. drh), or campaign for the [campaign] table; all tables when omitted.") var study: String?
    @Flag(help: "Markdown, the form of docs/study-tables.md (all studies: the whole file).") var markdown = false
    func run() throws {
        let text: String
        do {
            text = try output()
        } catch let e as ConfigError {
            refuse("schema: the example config does not parse (a bug in the declaration): \(e.message)")
        }
        print(text, terminator: "")
    }

    func output() throws -> String {
        let names = ["campaign"] + StudyRegistry.all.map { $0.name }
        guard let study else {
            if markdown { return try StudySchema.markdownDocument() }   // header, [campaign], every study
            var parts = [CampaignSettings.schemaText()]
            for s in StudyRegistry.all { parts.append(try StudySchema.text(s)) }
            return parts.joined(separator: "\n")
        }
        if study == "campaign" { return markdown ? CampaignSettings.schemaMarkdown() : CampaignSettings.schemaText() }
        guard let s = StudyRegistry.find(study) else {
            let hint = closestName(to: study, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            refuse("schema: unknown study '\(study)'\(hint); known: \(names.joined(separator: ", "))")
        }
        if markdown { return try StudySchema.markdown(s) }
        return try StudySchema.text(s)
    }
}
