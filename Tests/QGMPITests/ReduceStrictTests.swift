import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// `qglass reduce` refusals and safety (issue 10, items 3, 5, 6, 14) and
/// `qglass plot` refusals (item 11), run as subprocesses on real files.
final class ReduceStrictTests: XCTestCase {
    func ed(_ dir: URL, _ name: String, _ args: [String]) throws -> String {
        let out = dir.appendingPathComponent(name).path
        let r = try MPIRun.qglass(ranks: 2, ["ed", "--out", out, "--alpha", "0.7", "--hx", "0.05,0.3,1.0", "--seed", "5"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    func reduce(_ args: [String], cwd: URL? = nil) throws -> ProcessResult {
        try MPIRun.qglass(ranks: 2, ["reduce", "--bootstrap", "20"] + args, cwd: cwd)
    }

    func errorLines(_ r: ProcessResult) -> [String] {
        r.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error: ") }
    }

    func folderListing(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    /// The output may never be an input, however it is spelled: relative,
    /// with ./ or .., or through a symlink; refused with exit 2 and the input
    /// untouched, also with --force.
    func testOutputThatIsAnInputIsRefusedEvenWithForce() throws {
        let dir = try TestPaths.scratch("reduce-self")
        let v = try ed(dir, "v.h5", ["--L", "6", "--realizations", "2"])
        let before = try Data(contentsOf: URL(fileURLWithPath: v))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.h5").path, withDestinationPath: "v.h5")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let listing = try folderListing(dir)
        for out in ["./v.h5", "v.h5", "link.h5", "sub/../v.h5", v] {
            let r = try reduce(["v.h5", "--out", out, "--force"], cwd: dir)
            XCTAssertEqual(r.status, 2, "\(out): \(r.stderr)")
            XCTAssertEqual(errorLines(r), ["error: output \(out) is the input v.h5 (same file); --force never overwrites an input"], r.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: v)), before, "\(out) changed the input")
            XCTAssertEqual(try folderListing(dir), listing, "\(out) left a file behind")
        }
        // The input through the symlink, the output the real file.
        let r = try reduce(["link.h5", "--out", "v.h5", "--force"], cwd: dir)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("is the input link.h5 (same file)"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: v)), before)
    }

    /// Missing, non-HDF5, reduced and other-study inputs, and an unfinished
    /// campaign: exit 2, one line per bad file, no output. --allow-partial
    /// accepts the unfinished campaign, prints and stores its task counts.
    func testBadInputsAreErrorsOneLinePerFile() throws {
        let dir = try TestPaths.scratch("reduce-strict")
        let good = try ed(dir, "good.h5", ["--L", "6", "--realizations", "4"])
        let missing = dir.appendingPathComponent("missing.h5").path
        let junk = dir.appendingPathComponent("junk.h5").path
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: junk))
        let reduced = dir.appendingPathComponent("reduced.h5").path
        let ok = try reduce([good, "--out", reduced])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let cfg = dir.appendingPathComponent("tf.toml")
        try "[campaign]\nseed = 4\nrealizations = 2\n\n[twoflip]\nL = [20]\nalpha = 0.7\nhx = [0.1]\n".write(to: cfg, atomically: true, encoding: .utf8)
        let twoflip = dir.appendingPathComponent("twoflip.h5").path
        XCTAssertEqual(try MPIRun.qglass(ranks: 1, ["run", cfg.path, "--out", twoflip]).status, 0)
        // An unfinished campaign: one task's done flag cleared (as after a kill).
        let unfinished = dir.appendingPathComponent("unfinished.h5").path
        try FileManager.default.copyItem(atPath: good, toPath: unfinished)
        try HDF5File.with(path: unfinished, mode: .readWrite) { f in
            try f.openDataset("/lrsg/L6/done").writeRows(start: 7, count: 1, [UInt8(0)])
        }
        let out = dir.appendingPathComponent("r.h5").path
        let r = try reduce([good, missing, junk, reduced, twoflip, unfinished, "--out", out])
        XCTAssertEqual(r.status, 2, r.stderr)
        let lines = errorLines(r)
        XCTAssertEqual(lines.count, 5, r.stderr)
        XCTAssertTrue(lines[0].hasPrefix("error: \(missing): cannot be read (No such file or directory)"), r.stderr)
        XCTAssertTrue(lines[1].hasPrefix("error: \(junk): not a readable HDF5 campaign file"), r.stderr)
        XCTAssertTrue(lines[2].hasPrefix("error: \(reduced): is a reduced file"), r.stderr)
        XCTAssertTrue(lines[3].hasPrefix("error: \(twoflip): is a 'twoflip' campaign, but the first readable input is a 'lrsg' campaign"), r.stderr)
        XCTAssertEqual(lines[4], "error: \(unfinished): unfinished campaign, 11 of 12 tasks done; finish it with --resume, or pass --allow-partial")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(r.stdout.contains("wrote"), r.stdout)

        // Each alone is refused too (exit 2, its name).
        for bad in [missing, junk, reduced, unfinished] {
            let one = try reduce([bad, "--out", out])
            XCTAssertEqual(one.status, 2, one.stderr)
            XCTAssertTrue(errorLines(one).count == 1 && errorLines(one)[0].contains(bad), one.stderr)
        }
        // A missing file stays an error with --allow-partial.
        XCTAssertEqual(try reduce([good, missing, "--out", out, "--allow-partial"]).status, 2)

        let partial = try reduce([unfinished, "--out", out, "--allow-partial"])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertTrue(partial.stdout.contains("\(unfinished): 11 of 12 tasks done (--allow-partial)"), partial.stdout)
        try HDF5File.with(path: out, mode: .readOnly) { f in
            XCTAssertEqual(try f.numericAttribute("input_tasks_done", as: Int64.self), [11])
            XCTAssertEqual(try f.numericAttribute("input_tasks_total", as: Int64.self), [12])
            XCTAssertEqual(try f.numericAttribute("allow_partial", as: Int64.self), [1])
            XCTAssertEqual(try f.openDataset("/lrsg/points/n_realizations").readAll(as: Int64.self), [4, 3, 4])
        }
    }

    /// The eps window in whole bins: a window off the bin edges is snapped
    /// with a warning on stderr and the used edges recorded (same numbers as
    /// the window on the edges); an empty window is an error, no output.
    func testEpsWindowIsRecordedAsUsedAndEmptyIsAnError() throws {
        let dir = try TestPaths.scratch("reduce-eps")
        let v = try ed(dir, "v.h5", ["--L", "6", "--realizations", "3"])
        let exact = dir.appendingPathComponent("exact.h5").path, snapped = dir.appendingPathComponent("snapped.h5").path
        let a = try reduce([v, "--out", exact, "--eps-window", "0.4,0.6"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertFalse(a.stderr.contains("warning"), a.stderr)
        let b = try reduce([v, "--out", snapped, "--eps-window", "0.42,0.58"])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertTrue(b.stderr.contains("warning: --eps-window 0.42,0.58 is not on bin edges: the analysis uses whole bins, eps in [0.4, 0.6) (4 of 20 bins)"), b.stderr)
        func attrs(_ p: String) throws -> ([Double], [Double], [Int64], [Double]) {
            try HDF5File.with(path: p, mode: .readOnly) { f in
                (try f.numericAttribute("eps_window", as: Double.self), try f.numericAttribute("eps_window_requested", as: Double.self),
                 try f.numericAttribute("eps_window_snapped", as: Int64.self), try f.openDataset("/lrsg/window/r_mean").readAll(as: Double.self))
            }
        }
        let (wa, ra, sa, ya) = try attrs(exact), (wb, rb, sb, yb) = try attrs(snapped)
        XCTAssertEqual(wa, [0.4, 0.6]); XCTAssertEqual(ra, [0.4, 0.6]); XCTAssertEqual(sa, [0])
        XCTAssertEqual(wb, [0.4, 0.6]); XCTAssertEqual(rb, [0.42, 0.58]); XCTAssertEqual(sb, [1])
        XCTAssertEqual(ya.map(\.bitPattern), yb.map(\.bitPattern))

        let empty = dir.appendingPathComponent("empty.h5").path
        let e = try reduce([v, "--out", empty, "--eps-window", "0.4,0.41"])
        XCTAssertEqual(e.status, 2, e.stderr)
        XCTAssertEqual(errorLines(e).count, 1, e.stderr)
        XCTAssertTrue(e.stderr.contains("error: --eps-window 0.4,0.41 holds no whole eps bin"), e.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty))
    }

    /// Malformed reduce options: one line, exit 2, nothing written.
    func testBadReduceOptionsAreOneLineExitTwo() throws {
        let dir = try TestPaths.scratch("reduce-options")
        let v = try ed(dir, "v.h5", ["--L", "6", "--realizations", "2"])
        let out = dir.appendingPathComponent("r.h5").path
        for (args, message) in [(["--eps-window", "nan,0.6"], "error: --eps-window takes lo,hi"),
                                (["--eps-window", "0.6,0.4"], "error: --eps-window must have lo < hi"),
                                (["--average", "mean"], "error: --average takes realization or pooled, got 'mean'"),
                                (["--bootstrap", "1"], "error: --bootstrap needs at least 2 samples")] {
            let r = try reduce([v, "--out", out] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertEqual(errorLines(r).count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
    }

    /// Reduced files record the reducer's version and commit and the inputs' commits.
    func testReducedFileRecordsReducerAndInputCommits() throws {
        let dir = try TestPaths.scratch("reduce-provenance")
        let v = try ed(dir, "v.h5", ["--L", "6", "--realizations", "2"])
        let out = dir.appendingPathComponent("r.h5").path
        XCTAssertEqual(try reduce([v, "--out", out]).status, 0)
        let campaignCommit = try HDF5File.with(path: v, mode: .readOnly) { try $0.stringAttribute("git_commit") }
        let version = try MPIRun.run([TestPaths.qglass, "--version"]).stdout
        try HDF5File.with(path: out, mode: .readOnly) { f in
            let commit = try f.stringAttribute("git_commit")
            XCTAssertFalse(commit.isEmpty)
            XCTAssertEqual(commit, campaignCommit, "same executable, same commit")
            XCTAssertEqual(try f.stringAttribute("input_commits"), campaignCommit)
            let rv = try f.stringAttribute("reducer_version")
            XCTAssertTrue(version.contains(rv), "\(rv) vs \(version)")
        }
    }

    /// A reduction that fails while writing leaves the old output as it was
    /// and no temporary file: S7 sizes with different temperature grids are
    /// refused inside the writer.
    func testFailedReductionKeepsTheOldOutputAndLeavesNoTemporary() throws {
        let dir = try TestPaths.scratch("reduce-atomic")
        func tempering(_ name: String, _ L: Int, _ tmax: Double) throws -> String {
            let cfg = dir.appendingPathComponent("\(name).toml")
            try "[campaign]\nseed = 3\nrealizations = 2\n\n[tempering]\nL = [\(L)]\nalpha = 0.75\nT_min = 0.3\nT_max = \(tmax)\ntemperatures = 4\nsweeps = 16\nstages = 2\n"
                .write(to: cfg, atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("\(name).h5").path
            let r = try MPIRun.qglass(ranks: 1, ["run", cfg.path, "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            return out
        }
        let a = try tempering("a", 8, 1.2), b = try tempering("b", 12, 1.5)
        let out = dir.appendingPathComponent("r.h5").path
        let first = try reduce([a, "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let listing = try folderListing(dir)
        let r = try reduce([a, b, "--out", out, "--force"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("different temperature grids"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before, "the old reduced file was touched")
        XCTAssertEqual(try folderListing(dir), listing, "a temporary file was left behind")
    }

    /// `qglass plot` refusals: one line, exit 2, and no folder created.
    func testPlotRefusalsCreateNothing() throws {
        let dir = try TestPaths.scratch("plot-refusals")
        let v = try ed(dir, "v.h5", ["--L", "6", "--realizations", "2"])
        let reduced = dir.appendingPathComponent("r.h5").path
        XCTAssertEqual(try reduce([v, "--out", reduced]).status, 0)
        let figs = dir.appendingPathComponent("figs").path
        let cases: [([String], String)] = [
            ([reduced, "--format", "jpgx"], "error: unknown --format 'jpgx'; matplotlib writes png, svg"),
            ([reduced, "--format", "png,"], "error: unknown --format ''"),
            ([v], "error: \(v) is not a reduced file (a campaign file?); run `qglass reduce \(v) --out REDUCED.h5` first"),
            ([dir.appendingPathComponent("nosuch.h5").path], "error: \(dir.appendingPathComponent("nosuch.h5").path): no such file"),
        ]
        for (args, message) in cases {
            let r = try MPIRun.run([TestPaths.qglass, "plot"] + args + ["--out", figs])
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: figs), "\(args) created \(figs)")
        }
    }
}
