import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// `qglass reduce` end to end, run as a subprocess (under mpirun for the
/// parallel merge) on real campaign files.
final class ReduceTests: XCTestCase {
    static let reducedDatasets: [String] = {
        var d = ["/lrsg/points/L", "/lrsg/points/alpha", "/lrsg/points/hx", "/lrsg/points/n_realizations", "/lrsg/eps/eps_edges", "/lrsg/eps/n_states",
                 "/lrsg/window/n_states"]
        for o in ["r", "m_ea"] {
            d += ["/lrsg/eps/\(o)_mean", "/lrsg/eps/\(o)_err", "/lrsg/eps/\(o)_typ", "/lrsg/eps/\(o)_typ_err",
                  "/lrsg/window/\(o)_mean", "/lrsg/window/\(o)_err", "/lrsg/window/\(o)_typ", "/lrsg/window/\(o)_typ_err",
                  "/lrsg/crossings/\(o)/hc", "/lrsg/crossings/\(o)/hc_err", "/lrsg/collapse/\(o)/hc", "/lrsg/collapse/\(o)/nu"]
        }
        return d
    }()

    let common = ["--alpha", "0.7", "--hx", "0.05,0.3,1.0", "--seed", "5"]

    func ed(_ dir: URL, _ name: String, _ args: [String]) throws -> String {
        let out = dir.appendingPathComponent(name).path
        let r = try MPIRun.qglass(ranks: 2, ["ed", "--out", out] + common + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    func reduce(_ ranks: Int, _ inputs: [String], _ out: String) throws -> ProcessResult {
        try MPIRun.qglass(ranks: ranks, ["reduce"] + inputs + ["--out", out, "--bootstrap", "50", "--force"])
    }

    func read(_ file: String, _ path: String) throws -> [UInt64] {
        try HDF5File.with(path: file, mode: .readOnly) { f in
            let d = try f.openDataset(path)
            return path.hasSuffix("/L") || path.hasSuffix("n_realizations") ? try d.readAll(as: Int64.self).map { UInt64(bitPattern: $0) }
                : try d.readAll(as: Double.self).map(\.bitPattern)
        }
    }

    func assertSameReduction(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for ds in Self.reducedDatasets {
            XCTAssertEqual(try read(a, ds), try read(b, ds), "\(ds) differs", file: file, line: line)
        }
    }

    func testSplitFilesMergeToTheUnsplitReduction() throws {
        let dir = try TestPaths.scratch("reduce-split")
        let full = try ed(dir, "full.h5", ["--L", "6,7", "--realizations", "8"])
        let a = try ed(dir, "a.h5", ["--L", "6", "--realizations", "8"])
        let b1 = try ed(dir, "b1.h5", ["--L", "7", "--realizations", "5"])
        let b2 = try ed(dir, "b2.h5", ["--L", "7", "--realizations", "3", "--first-realization", "5"])
        let r1 = dir.appendingPathComponent("r-full.h5").path, r2 = dir.appendingPathComponent("r-split.h5").path
        let r3 = dir.appendingPathComponent("r-split-1rank.h5").path
        XCTAssertEqual(try reduce(2, [full], r1).status, 0)
        let split = try reduce(2, [b2, a, b1], r2)
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual(try reduce(1, [a, b1, b2], r3).status, 0)
        try assertSameReduction(r1, r2)
        try assertSameReduction(r1, r3)
        XCTAssertEqual(try read(r1, "/lrsg/points/n_realizations"), [UInt64](repeating: 8, count: 6))
    }

    func testDuplicatesAreCountedOnceAndReported() throws {
        let dir = try TestPaths.scratch("reduce-dup")
        let full = try ed(dir, "full.h5", ["--L", "6", "--realizations", "6"])
        let part = try ed(dir, "part.h5", ["--L", "6", "--realizations", "2", "--first-realization", "3"])
        let r1 = dir.appendingPathComponent("r1.h5").path, r2 = dir.appendingPathComponent("r2.h5").path
        XCTAssertEqual(try reduce(2, [full], r1).status, 0)
        let res = try reduce(2, [full, part], r2)
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("6 duplicated task(s) found in several inputs"), res.stdout)
        XCTAssertTrue(res.stdout.contains(", seed 5, realization "), res.stdout)  // the first duplicated key, by its own description
        try assertSameReduction(r1, r2)
    }

    /// A truncated file is an error (named, exit 2, nothing written), also
    /// with --allow-partial. A task whose data were damaged is an error by
    /// default, naming file, block, row and task; --allow-partial skips it
    /// (named) and reduces the rest.
    func testCorruptInputsAreErrorsUnlessAllowPartialSkipsCorruptTasks() throws {
        let dir = try TestPaths.scratch("reduce-corrupt")
        let good = try ed(dir, "good.h5", ["--L", "6", "--realizations", "4"])
        let other = try ed(dir, "other.h5", ["--L", "7", "--realizations", "4"])
        // Truncate a copy of `other` to half its size.
        let truncated = dir.appendingPathComponent("truncated.h5").path
        let data = try Data(contentsOf: URL(fileURLWithPath: other))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        // Damage one completed task of a copy of `good`: NaN histogram row 5.
        let damaged = dir.appendingPathComponent("damaged.h5").path
        try FileManager.default.copyItem(atPath: good, toPath: damaged)
        try HDF5File.with(path: damaged, mode: .readWrite) { f in
            let d = try f.openDataset("/lrsg/L6/hist_count")
            try d.writeRows(start: 5, count: 1, [Double](repeating: .nan, count: d.rowLength))
        }
        let out = dir.appendingPathComponent("r.h5").path
        for extra in [[], ["--allow-partial"]] {
            let res = try MPIRun.qglass(ranks: 2, ["reduce", damaged, truncated, other, "--out", out, "--bootstrap", "50"] + extra)
            XCTAssertEqual(res.status, 2, res.stderr)
            XCTAssertTrue(res.stderr.contains("error: \(truncated): not a readable HDF5 campaign file"), res.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        let strict = try MPIRun.qglass(ranks: 2, ["reduce", damaged, other, "--out", out, "--bootstrap", "50"])
        XCTAssertEqual(strict.status, 2, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("error: \(damaged), /lrsg/L6 row 5 (alpha 0.7, hx 0.3, realization 1): marked done but its histograms are corrupt"), strict.stderr)
        XCTAssertTrue(strict.stderr.contains("--allow-partial"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let res = try MPIRun.qglass(ranks: 2, ["reduce", damaged, other, "--out", out, "--bootstrap", "50", "--allow-partial"])
        XCTAssertEqual(res.status, 0, res.stderr)
        XCTAssertTrue(res.stdout.contains("damaged.h5, /lrsg/L6 row 5"), res.stdout)
        // Row 5 of L=6 is (h_x = 0.3, realization 1): that point keeps 3 realizations; L=7 (from `other`) is complete.
        let n = try read(out, "/lrsg/points/n_realizations").map { Int64(bitPattern: $0) }
        XCTAssertEqual(n, [4, 3, 4, 4, 4, 4])
        let skipped = try HDF5File.with(path: out, mode: .readOnly) { try $0.numericAttribute("skipped_corrupt", as: Int64.self) }
        XCTAssertEqual(skipped, [1])
    }

    func testMismatchedConfigsAreAnError() throws {
        let dir = try TestPaths.scratch("reduce-mismatch")
        let a = try ed(dir, "a.h5", ["--L", "6", "--realizations", "2"])
        let b = try ed(dir, "b.h5", ["--L", "6", "--realizations", "2", "--first-realization", "2", "--boundary", "open"])
        let res = try reduce(2, [a, b], dir.appendingPathComponent("r.h5").path)
        XCTAssertEqual(res.status, 2)
        XCTAssertTrue(res.stderr.contains("mismatched configs"), res.stderr)
    }
}
