import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// End-to-end classical campaigns (S2, S3, S4, S7): the built `qglass` runs
/// under `mpirun` as a subprocess; outputs are read back with serial HDF5.
final class ClassicalCampaignTests: XCTestCase {
    static let int64 = Set(["realization", "point", "disorder_stream", "flips", "ever", "steps_taken", "sweeps",
                            "count_all", "count_genuine", "count_all_pt", "count_genuine_pt", "count_single"])
    static let int8 = Set(["state", "z", "z0"])

    /// Every dataset of a block as bit patterns, timing datasets excluded.
    func payload(_ file: String, _ block: String) throws -> [String: [UInt64]] {
        try HDF5File.with(path: file, mode: .readOnly) { f in
            var out: [String: [UInt64]] = [:]
            for name in try f.members(of: block) where !name.contains("seconds") {
                let d = try f.openDataset(block + "/" + name)
                if Self.int64.contains(name) { out[name] = try d.readAll(as: Int64.self).map { UInt64(bitPattern: $0) } }
                else if Self.int8.contains(name) { out[name] = try d.readAll(as: Int8.self).map { UInt64(bitPattern: Int64($0)) } }
                else if name == "done" { out[name] = try d.readAll(as: UInt8.self).map { UInt64($0) } }
                else { out[name] = try d.readAll(as: Double.self).map(\.bitPattern) }
            }
            return out
        }
    }

    func run(_ ranks: Int, _ config: String, _ out: String) throws {
        let r = try MPIRun.qglass(ranks: ranks, ["run", config, "--out", out])
        XCTAssertEqual(r.status, 0, "qglass run failed:\n\(r.stdout)\n\(r.stderr)")
    }

    /// The `qglass fields` contract: /fields/L{L} with alpha [T], realization [T],
    /// z int8 [T, L], phi [T, L], J [T, L, L] with --store-disorder; SFS rows have
    /// z_i phi_i < 0 and phi is the field of z under the stored J. Bit-identical on 1, 2, 3 ranks.
    func testFieldsContractAndBitIdentityAcrossRankCounts() throws {
        let dir = try TestPaths.scratch("fields")
        var files: [String] = []
        for n in [1, 2, 3] {
            let out = dir.appendingPathComponent("n\(n).h5").path
            let r = try MPIRun.qglass(ranks: n, ["fields", "--model", "lrsg", "--L", "40,64", "--alpha", "0.7", "--state", "random,sfs",
                                                 "--order", "sequential", "--realizations", "5", "--seed", "3", "--store-disorder", "--out", out])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            files.append(out)
        }
        for L in [40, 64] {
            let ref = try payload(files[0], "/fields/L\(L)")
            XCTAssertEqual(ref["done"], [UInt64](repeating: 1, count: 10))
            for f in files.dropFirst() { XCTAssertEqual(try payload(f, "/fields/L\(L)"), ref, "L = \(L), \(f)") }
            try HDF5File.with(path: files[1], mode: .readOnly) { f in
                let g = "/fields/L\(L)"
                XCTAssertEqual(try f.openDataset(g + "/alpha").shape, [10])
                XCTAssertEqual(try f.openDataset(g + "/realization").shape, [10])
                XCTAssertEqual(try f.openDataset(g + "/z").shape, [10, L])
                XCTAssertEqual(try f.openDataset(g + "/phi").shape, [10, L])
                XCTAssertEqual(try f.openDataset(g + "/J").shape, [10, L, L])
                let z = try f.openDataset(g + "/z").readAll(as: Int8.self)
                let phi = try f.openDataset(g + "/phi").readAll(as: Double.self)
                let J = try f.openDataset(g + "/J").readAll(as: Double.self)
                let state = try f.openDataset(g + "/state").readAll(as: Int8.self)
                let alpha = try f.openDataset(g + "/alpha").readAll(as: Double.self)
                XCTAssertEqual(Set(state), [0, 1])
                for t in 0..<10 {
                    for i in 0..<L {
                        var s = 0.0
                        for j in 0..<L where j != i {
                            let d = Double(min(abs(i - j), L - abs(i - j)))
                            s += J[(t * L + i) * L + j] / pow(d, alpha[t]) * Double(z[t * L + j])
                        }
                        XCTAssertEqual(phi[t * L + i], s, accuracy: 1e-9)
                        if state[t] == 1 { XCTAssertLessThan(Double(z[t * L + i]) * phi[t * L + i], 0) }
                    }
                }
            }
        }
    }

    /// Avalanche, two-flip and tempering campaigns are bit-identical on 1 and 3 ranks.
    func testOtherClassicalStudiesBitIdentical() throws {
        let dir = try TestPaths.scratch("classical-bitid")
        let configs = [
            ("avalanche", "[avalanche]\nL = [50, 80]\nalpha = [0.7]\nhx = [0.1, 0.3]\nstate = [\"random\", \"sfs\"]\nsteps = 60\n"),
            ("twoflip", "[twoflip]\nL = [50, 100]\nalpha = [0.6, 0.8]\nhx = [0.1, 0.5]\nstate = [\"random\", \"sfs\"]\n"),
            ("tempering", "[tempering]\nL = [8, 12]\nalpha = 0.75\nT_min = 0.4\nT_max = 1.2\ntemperatures = 5\nsweeps = 32\nstages = 3\n"),
        ]
        for (study, table) in configs {
            let cfg = dir.appendingPathComponent("\(study).toml")
            try ("[campaign]\nseed = 21\nrealizations = 4\n\n" + table).write(to: cfg, atomically: true, encoding: .utf8)
            let a = dir.appendingPathComponent("\(study)-1.h5").path, b = dir.appendingPathComponent("\(study)-3.h5").path
            try run(1, cfg.path, a)
            try run(3, cfg.path, b)
            let blocks = try HDF5File.with(path: a, mode: .readOnly) { try $0.members(of: "/" + study) }
            XCTAssertEqual(blocks.count, 2)
            for blk in blocks {
                let ref = try payload(a, "/\(study)/\(blk)")
                XCTAssertFalse(ref.isEmpty)
                XCTAssertTrue(ref["done"]!.allSatisfy { $0 == 1 })
                XCTAssertEqual(try payload(b, "/\(study)/\(blk)"), ref, "\(study) \(blk)")
            }
        }
    }

    func reduce(_ inputs: [String], _ out: String, ranks: Int = 1) throws -> ProcessResult {
        try MPIRun.qglass(ranks: ranks, ["reduce"] + inputs + ["--out", out, "--bootstrap", "30", "--force"])
    }

    func reducedBits(_ file: String) throws -> [String: [UInt64]] {
        try HDF5File.with(path: file, mode: .readOnly) { f in
            var out: [String: [UInt64]] = [:]
            for s in try f.members(of: "/twoflip") {
                for name in try f.members(of: "/twoflip/\(s)") {
                    let d = try f.openDataset("/twoflip/\(s)/\(name)")
                    out["\(s)/\(name)"] = name == "L" || name == "n_realizations" ? try d.readAll(as: Int64.self).map { UInt64(bitPattern: $0) }
                        : try d.readAll(as: Double.self).map(\.bitPattern)
                }
            }
            return out
        }
    }

    /// Reducer: split files (two realization ranges, sizes apart) merge to the
    /// unsplit reduction; duplicates are counted once and reported; exponents
    /// from two sizes report dof 0; a corrupt task is an error naming (file,
    /// block, row), skipped with --allow-partial; an unreadable file is an error.
    func testClassicalReduceSplitDuplicateAndCorrupt() throws {
        let dir = try TestPaths.scratch("classical-reduce")
        func write(_ name: String, _ first: Int, _ n: Int, _ sizes: String) throws -> String {
            let cfg = dir.appendingPathComponent("\(name).toml")
            try "[campaign]\nseed = 4\nrealizations = \(n)\nfirst_realization = \(first)\n\n[twoflip]\nL = \(sizes)\nalpha = 0.7\nhx = [0.1, 0.3]\n"
                .write(to: cfg, atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("\(name).h5").path
            try run(2, cfg.path, out)
            return out
        }
        let full = try write("full", 0, 6, "[40, 80, 160]")
        let a = try write("a", 0, 4, "[40, 80, 160]"), b = try write("b", 4, 2, "[40, 80]"), c = try write("c", 4, 2, "[160]")
        let r1 = dir.appendingPathComponent("r1.h5").path, r2 = dir.appendingPathComponent("r2.h5").path
        XCTAssertEqual(try reduce([full], r1).status, 0)
        let split = try reduce([c, a, b], r2, ranks: 2)
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual(try reducedBits(r1), try reducedBits(r2))
        let exps = try HDF5File.with(path: r1, mode: .readOnly) { try $0.numericAttribute("exponent_all", as: Double.self, on: "/twoflip/set0") }
        XCTAssertTrue(exps[0].isFinite && exps[0] > 1, "all-pair resonances grow faster than L: \(exps)")

        // Duplicates: the same file twice.
        let r3 = dir.appendingPathComponent("r3.h5").path
        let dup = try reduce([full, full], r3)
        XCTAssertEqual(dup.status, 0, dup.stderr)
        XCTAssertTrue(dup.stdout.contains("duplicated"), dup.stdout)
        XCTAssertEqual(try reducedBits(r1), try reducedBits(r3))

        // Two sizes only: every exponent passes through both points (dof 0), recorded and warned.
        let r2L = dir.appendingPathComponent("r-2L.h5").path
        let two = try reduce([b], r2L)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stdout.contains("from 2 sizes pass through both points (dof 0)"), two.stdout)
        let dof2 = try HDF5File.with(path: r2L, mode: .readOnly) { try $0.numericAttribute("exponent_all_dof", as: Double.self, on: "/twoflip/set0") }
        XCTAssertEqual(dof2, [0])
        let dof3 = try HDF5File.with(path: r1, mode: .readOnly) { try $0.numericAttribute("exponent_all_dof", as: Double.self, on: "/twoflip/set0") }
        XCTAssertEqual(dof3, [1])

        // Corrupt: a done task whose genuine count exceeds its total. An
        // error by default (file, block, row named); --allow-partial skips it.
        try HDF5File.with(path: b, mode: .readWrite) { f in
            let d = try f.openDataset("/twoflip/L80/count_genuine")
            try d.writeRows(start: 1, count: 1, [Int64(1 << 40), Int64(1 << 40)])
        }
        let r4 = dir.appendingPathComponent("r4.h5").path
        let strict = try reduce([a, b, c], r4)
        XCTAssertEqual(strict.status, 2, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("error: \(b), /twoflip/L80 row 1"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: r4))
        let bad = try MPIRun.qglass(ranks: 1, ["reduce", a, b, c, "--out", r4, "--bootstrap", "30", "--allow-partial"])
        XCTAssertEqual(bad.status, 0, bad.stderr)
        XCTAssertTrue(bad.stdout.contains("\(b), /twoflip/L80 row 1"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("skipped"), bad.stdout)
        // An unreadable file is an error naming it, and nothing is written.
        let junk = dir.appendingPathComponent("junk.h5").path
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: junk))
        let r5 = dir.appendingPathComponent("r5.h5").path
        let j = try reduce([full, junk], r5)
        XCTAssertEqual(j.status, 2, j.stderr)
        XCTAssertTrue(j.stderr.contains("error: \(junk): not a readable HDF5 campaign file"), j.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: r5))
    }
}
