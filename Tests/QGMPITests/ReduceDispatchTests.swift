import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// `qglass reduce` and `qglass plot` dispatch through the study registry
/// (issue 11, item 2): a file of a study this build does not know, or of a
/// newer schema_version, is one line naming the study or the version, exit
/// status 2, nothing written; reduced files name their plot entry.
final class ReduceDispatchTests: XCTestCase {
    func errorLines(_ r: ProcessResult) -> [String] {
        r.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error: ") }
    }

    /// A small finished XXZ campaign and its reduction.
    func chain(_ dir: URL) throws -> (campaign: String, reduced: String) {
        let cfg = dir.appendingPathComponent("xxz.toml")
        try "[campaign]\nseed = 2\nrealizations = 2\n\n[xxz]\nL = [6]\nW = [1.0]\n".write(to: cfg, atomically: true, encoding: .utf8)
        let campaign = dir.appendingPathComponent("xxz.h5").path, reduced = dir.appendingPathComponent("xxz-reduced.h5").path
        let run = try MPIRun.qglass(ranks: 2, ["run", cfg.path, "--out", campaign])
        XCTAssertEqual(run.status, 0, run.stderr)
        let red = try MPIRun.qglass(ranks: 2, ["reduce", campaign, "--out", reduced, "--bootstrap", "10"])
        XCTAssertEqual(red.status, 0, red.stderr)
        return (campaign, reduced)
    }

    /// The schema_version this build writes (read back, never a literal).
    func currentSchema(_ path: String) throws -> Int64 {
        try HDF5File.with(path: path, mode: .readOnly) { try $0.numericAttribute("schema_version", as: Int64.self)[0] }
    }

    /// A copy of `source` with one root attribute replaced.
    func copy(_ source: String, to name: String, in dir: URL, _ edit: (HDF5File) throws -> Void) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: source, toPath: path)
        try HDF5File.with(path: path, mode: .readWrite, edit)
        return path
    }

    func testUnknownStudyAndNewerSchemaAreOneLineForReduce() throws {
        let dir = try TestPaths.scratch("dispatch-reduce")
        let (campaign, _) = try chain(dir)
        let schema = try currentSchema(campaign)
        let unknown = try copy(campaign, to: "unknown.h5", in: dir) { try $0.setAttribute("study", "nosuch") }
        let newer = try copy(campaign, to: "newer.h5", in: dir) { try $0.setAttribute("schema_version", schema + 1) }
        let out = dir.appendingPathComponent("r.h5").path
        for (input, message) in [(unknown, "error: \(unknown): study 'nosuch' is not known to this qglass (its studies: lrsg, "),
                                 (newer, "error: \(newer): schema_version \(schema + 1) is newer than this qglass reads (up to \(schema)); use a newer qglass")] {
            let r = try MPIRun.qglass(ranks: 2, ["reduce", input, "--out", out, "--bootstrap", "10"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(errorLines(r).count, 1, r.stderr)
            XCTAssertTrue(errorLines(r).first?.hasPrefix(message) ?? false, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        // Next to a good input: one line per bad file, the good one is not named.
        let both = try MPIRun.qglass(ranks: 2, ["reduce", campaign, unknown, newer, "--out", out, "--bootstrap", "10"])
        XCTAssertEqual(both.status, 2, both.stderr)
        XCTAssertEqual(errorLines(both).count, 2, both.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // The same file at the current schema reduces: the check is "newer than", not "different from".
        let same = try copy(campaign, to: "same.h5", in: dir) { try $0.setAttribute("schema_version", schema) }
        XCTAssertEqual(try MPIRun.qglass(ranks: 1, ["reduce", same, "--out", out, "--bootstrap", "10"]).status, 0)
    }

    func testUnknownStudyAndNewerSchemaAreOneLineForPlot() throws {
        let dir = try TestPaths.scratch("dispatch-plot")
        let (_, reduced) = try chain(dir)
        let schema = try currentSchema(reduced)
        let unknown = try copy(reduced, to: "unknown.h5", in: dir) { try $0.setAttribute("study", "nosuch") }
        let newer = try copy(reduced, to: "newer.h5", in: dir) { try $0.setAttribute("schema_version", schema + 1) }
        let figs = dir.appendingPathComponent("figs").path
        for (input, message) in [(unknown, "error: \(unknown): study 'nosuch' is not known to this qglass (its studies: lrsg, "),
                                 (newer, "error: \(newer): schema_version \(schema + 1) is newer than this qglass reads (up to \(schema)); use a newer qglass")] {
            let r = try MPIRun.run([TestPaths.qglass, "plot", input, "--out", figs])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix(message), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: figs), "\(input) created \(figs)")
        }
    }

    /// Every study's reduced file names its plot entry and its study; the
    /// entry of the chain studies is their plot module.
    func testReducedFileRecordsStudyAndPlotEntry() throws {
        let dir = try TestPaths.scratch("dispatch-entry")
        let (campaign, reduced) = try chain(dir)
        try HDF5File.with(path: reduced, mode: .readOnly) { f in
            XCTAssertEqual(try f.stringAttribute("study"), "xxz")
            XCTAssertEqual(try f.stringAttribute("plot_module"), "qglass_plot_chains:plot")
            XCTAssertEqual(try f.numericAttribute("schema_version", as: Int64.self), [try currentSchema(campaign)])
        }
    }
}
