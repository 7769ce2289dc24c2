import ArgumentParser
import Foundation
import QGlass

/// The command line as ArgumentParser must see it (issue 21, 2.1 and 6).
///
/// ArgumentParser reads a token that starts with '-' as a flag, so `--xi -20`
/// fails with "Missing value for '--xi'". Here a negative number (or a comma
/// list that starts with one, e.g. `-1,2`, or `-inf`) that follows a long
/// option taking a value is joined to it (`--xi=-20`), which ArgumentParser
/// parses as the value. Which options take a value is read from the commands'
/// own definitions (ArgumentParser's help dump), never listed here, so flags
/// (`--force`), short options (`-h`) and positional arguments are left alone.
///
/// A first word that names no subcommand is refused with one line and exit
/// status 2, with the closest subcommand (`unknown subcommand 'quenc', did
/// you mean quench?`) instead of ArgumentParser's message about its options.
enum CommandLineArguments {
    /// A negative number as a value: -20, -1.5, -.5, -2e-3, -inf, or a comma
    /// list that starts with one (-1,2,3).
    static let negativeNumber = #"^-(inf|infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)(,.*)?$"#

    static func isNegativeNumber(_ s: String) -> Bool {
        s.range(of: negativeNumber, options: [.regularExpression, .caseInsensitive]) != nil
    }

    /// One command of the tree: its name, the long names of its options
    /// that take a value, and its subcommands.
    struct CommandShape {
        var name: String
        var valueOptions: Set<String>
        var subcommands: [CommandShape]
    }

    /// The command tree from ArgumentParser's JSON help dump of the root.
    static func shape() -> CommandShape? {
        guard let data = QGlassCommand._dumpHelp().data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let command = root["command"] as? [String: Any] else { return nil }
        func build(_ c: [String: Any]) -> CommandShape {
            var options = Set<String>()
            for a in c["arguments"] as? [[String: Any]] ?? [] where a["kind"] as? String == "option" {
                for n in a["names"] as? [[String: Any]] ?? [] where n["kind"] as? String == "long" {
                    if let name = n["name"] as? String { options.insert(name) }
                }
            }
            let subs = (c["subcommands"] as? [[String: Any]] ?? []).map(build)
            return CommandShape(name: c["commandName"] as? String ?? "", valueOptions: options, subcommands: subs)
        }
        return build(command)
    }

    /// `args` (without the program name) with negative values joined to their
    /// options. Refuses (exit 2) a first word that is no subcommand.
    static func prepared(_ args: [String]) -> [String] {
        guard let root = shape() else { return args }
        var out: [String] = []
        var command = root
        var descending = true
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" {  // everything after the terminator is passed as is
                out += args[i...]
                break
            }
            if descending && !a.hasPrefix("-") && !command.subcommands.isEmpty {
                if let sub = command.subcommands.first(where: { $0.name == a }) {
                    command = sub
                    out.append(a)
                    i += 1
                    continue
                }
                // `help` is ArgumentParser's own subcommand (its topics are checked by refuseUnknownHelpTopic).
                if a == "help" { return args }
                let names = command.subcommands.map(\.name)
                let hint = closestName(to: a, among: names).map { ", did you mean \($0)?" } ?? "; known: " + names.joined(separator: ", ")
                let parent = command.name == root.name ? "" : " of '\(command.name)'"
                if launcherRank == 0 { complain("error: unknown subcommand '\(a)'\(parent)\(hint)") }
                exit(2)
            }
            descending = false
            if a.hasPrefix("--"), !a.contains("="), i + 1 < args.count, command.valueOptions.contains(String(a.dropFirst(2))),
               isNegativeNumber(args[i + 1]) {
                out.append(a + "=" + args[i + 1])
                i += 2
                continue
            }
            out.append(a)
            i += 1
        }
        return out
    }
}

/// `qglass help NAME...`: ArgumentParser answers an unknown NAME with the
/// root help and exit status 0; refuse it with one line and status 2.
func refuseUnknownHelpTopic(_ args: [String]) {
    guard args.first == "help" else { return }
    var command: ParsableCommand.Type = QGlassCommand.self
    for name in args.dropFirst() where !name.hasPrefix("-") {
        if name == "help" { return }
        let subs = command.configuration.subcommands
        guard let sub = subs.first(where: { $0.configuration.commandName == name }) else {
            if launcherRank == 0 {
                complain("error: no help topic '\(name)'; " + (subs.isEmpty ? "'\(command.configuration.commandName ?? "")' has no subcommands"
                    : "known: " + subs.compactMap { $0.configuration.commandName }.joined(separator: ", ")))
            }
            exit(2)
        }
        command = sub
    }
}
