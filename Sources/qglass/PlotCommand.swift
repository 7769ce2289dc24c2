import ArgumentParser
import Foundation
import QGlass

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Draw the figures of a reduced file (matplotlib via python/qglass_plot.py).",
        discussion: """
        The reduced file names its figures: its attribute plot_module ("module:function", recorded by the study's reducer) \
        is the function in python/ that python/qglass_plot.py calls. Refused with exit status 2 and one line, before any \
        folder is created: an unknown format, a file that is not a reduced file, a schema_version newer than this qglass, \
        a study this qglass does not know or cannot reduce, a file without plot_module.
        """)

    @Argument(help: "Reduced HDF5 file from `qglass reduce`.") var reduced: String
    @Option(help: "Folder for the figures.") var out: String
    @Option(help: "Formats, comma separated (\(PlotCommand.formats.joined(separator: ", "))).") var format = "png,svg"

    /// File formats that matplotlib's savefig writes without extra packages.
    static let formats = ["png", "svg", "svgz", "pdf", "eps", "ps", "pgf", "jpg", "jpeg", "tif", "tiff", "webp", "raw", "rgba"]

    /// The plotting script: $QGLASS_PLOT_SCRIPT, else python/qglass_plot.py in
    /// the first ancestor folder of the executable that has one.
    static func script() -> String? {
        if let s = ProcessInfo.processInfo.environment["QGLASS_PLOT_SCRIPT"], !s.isEmpty { return s }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("python/qglass_plot.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// Local: why `reduced` cannot be plotted, or nil. Nothing is created.
    func refusal() -> String? {
        let fmts = format.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let bad = fmts.first(where: { !Self.formats.contains($0) }) {
            return "unknown --format '\(bad)'; matplotlib writes \(Self.formats.joined(separator: ", "))"
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reduced, isDirectory: &isDir) else { return "\(reduced): no such file" }
        if isDir.boolValue { return "\(reduced): is a folder, not a reduced file" }
        // A reduced file of this build's schema or older, of a study with a reducer, naming its plot module.
        if let why = Reducer.plotRefusal(reduced) { return why }
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue { return "--out \(out) exists and is not a folder" }
        return nil
    }

    func run() throws {
        if let why = refusal() {
            complain("error: \(why)")
            throw ExitCode(2)
        }
        guard let script = Self.script() else {
            complain("error: cannot find python/qglass_plot.py; set QGLASS_PLOT_SCRIPT")
            throw ExitCode(2)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, reduced, "--out", out, "--format", format.lowercased()]
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw ExitCode(p.terminationStatus) }
    }
}
