// study-registry-gen: writes `StudyRegistry.all` from the study markers in
// Sources/QGCampaign/Studies/ (run by Plugins/StudyRegistryPlugin at build
// time; docs/adding-a-study.md, "The files you touch").
//
// Usage: study-registry-gen OUTPUT.swift STUDY_FILE.swift...
//
// A marker is one line of its own, in the file that declares the study:
//
//     // @RegisteredStudy(LRSGStudy, order: 1)
//
// naming the study type (a struct, or a typealias of a generic study) and its
// place in `StudyRegistry.all` (the order of `qglass studies`, of the schema
// tables and of the "known" lists in refusals). Every type declared with a
// `...Study` protocol in its inheritance clause must be marked in its file; a
// type or an order marked twice, or a line that starts like a marker but does not
// parse, is an error. A generic study is registered through markers naming
// typealiases of it (`typealias XXZStudy = RandomFieldChainStudy<XXZModel>`)
// in its file. Errors go to stderr, one line each, as `file:line:
// error: ...`; the tool then exits with status 2 and writes nothing. The
// generated array is typed `[any Study.Type]`, so the compiler checks that
// every marked type exists and is a study.
import Foundation

struct Marker {
    var type: String
    var order: Int
    var file: String
    var line: Int
}

let markerPrefix = "// @RegisteredStudy"
let markerPattern = try! NSRegularExpression(pattern: #"^// @RegisteredStudy\(([A-Za-z_][A-Za-z0-9_]*), order: ([0-9]+)\)$"#)
/// A type declaration and its inheritance clause: `public struct X<M: P>: A, B {`.
let declarationPattern = try! NSRegularExpression(
    pattern: #"^(?:(?:public|package|internal|fileprivate|private|final)\s+)*(?:struct|class|enum|actor)\s+([A-Za-z_][A-Za-z0-9_]*)(?:<[^>]*>)?\s*:\s*([^{]*)"#)

func groups(_ re: NSRegularExpression, _ s: String) -> [String]? {
    let ns = s as NSString
    guard let m = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) else { return nil }
    return (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
}

/// `typealias X = G<...>`: the alias and the generic type it specializes.
let aliasPattern = try! NSRegularExpression(
    pattern: #"^(?:(?:public|package|internal|fileprivate|private)\s+)*typealias\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)<"#)

/// The study types a line declares: a type whose inheritance clause names a
/// protocol ending in `Study` (`Study`, `DeclaredStudy`, `GridStudy`, ...).
func declaredStudy(_ line: String) -> String? {
    guard let g = groups(declarationPattern, line) else { return nil }
    let clause = g[1].components(separatedBy: " where ")[0]
    let inherited = clause.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    return inherited.contains { $0.hasSuffix("Study") } ? g[0] : nil
}

var markers: [Marker] = []
var errors: [String] = []

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 1 else {
    FileHandle.standardError.write(Data("usage: study-registry-gen OUTPUT.swift STUDY_FILE.swift...\n".utf8))
    exit(2)
}
let output = URL(fileURLWithPath: arguments[0])
let inputs = arguments.dropFirst().sorted()

for path in inputs {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        errors.append("\(path): error: cannot read the file")
        continue
    }
    var studies: [(String, Int)] = []
    var aliases: [String: String] = [:]  // alias -> generic type
    var marked: [String] = []
    for (i, raw) in text.components(separatedBy: "\n").enumerated() {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.hasPrefix(markerPrefix) {
            guard let g = groups(markerPattern, line), let order = Int(g[1]) else {
                errors.append("\(path):\(i + 1): error: malformed study marker '\(line)'; the form is '// @RegisteredStudy(TypeName, order: N)'")
                continue
            }
            markers.append(Marker(type: g[0], order: order, file: path, line: i + 1))
            marked.append(g[0])
        } else if let study = declaredStudy(line) {
            studies.append((study, i + 1))
        } else if let g = groups(aliasPattern, line) {
            aliases[g[0]] = g[1]
        }
    }
    // A study is registered by a marker naming it, or, for a generic study,
    // naming a typealias of it in the same file.
    for (study, line) in studies where !marked.contains(where: { $0 == study || aliases[$0] == study }) {
        errors.append("\(path):\(line): error: \(study) is a study but the file has no '// @RegisteredStudy(\(study), order: N)' marker (docs/adding-a-study.md)")
    }
}

for (i, m) in markers.enumerated() {
    if let first = markers[..<i].first(where: { $0.type == m.type }) {
        errors.append("\(m.file):\(m.line): error: study \(m.type) is marked twice (also \(first.file):\(first.line))")
    }
    if let first = markers[..<i].first(where: { $0.order == m.order }) {
        errors.append("\(m.file):\(m.line): error: order \(m.order) of \(m.type) is taken by \(first.type) (\(first.file):\(first.line))")
    }
}

if !errors.isEmpty {
    FileHandle.standardError.write(Data(errors.map { $0 + "\n" }.joined().utf8))
    exit(2)
}

let entries = markers.sorted { $0.order < $1.order }.map {
    "        \($0.type).self, // order \($0.order), \(URL(fileURLWithPath: $0.file).lastPathComponent)"
}
let generated = """
// Generated by study-registry-gen (Plugins/StudyRegistryPlugin) from the
// `// @RegisteredStudy(Type, order: N)` markers in Sources/QGCampaign/Studies/.
// Do not edit: add or move a marker (docs/adding-a-study.md).

/// All studies known to the CLI, in their markers' order.
public enum StudyRegistry {
    public static let all: [any Study.Type] = [
\(entries.joined(separator: "\n"))
    ]
}

"""
// Rewrite only on change, so an unchanged registry does not rebuild its module.
if (try? String(contentsOf: output, encoding: .utf8)) != generated {
    do {
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try generated.write(to: output, atomically: true, encoding: .utf8)
    } catch {
        FileHandle.standardError.write(Data("\(output.path): error: cannot write the registry: \(error)\n".utf8))
        exit(1)
    }
}
