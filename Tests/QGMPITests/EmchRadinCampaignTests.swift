import XCTest
import Foundation
import QGHDF5
import QGPhysics
import QGTestSupport

/// S9 `emch_radin` campaigns: payloads bit-identical on 1, 2 and 3 ranks, the
/// positions regenerate from (seed, disorder_stream, realization), all alpha of a
/// block share them, and strict config refusals.
final class EmchRadinCampaignTests: XCTestCase {
    static let ints = Set(["realization", "point", "disorder_stream", "rsa_attempts", "n_interior"])

    func payload(_ file: String, _ block: String) throws -> [String: [UInt64]] {
        try HDF5File.with(path: file, mode: .readOnly) { f in
            var out: [String: [UInt64]] = [:]
            for name in try f.members(of: block) where !name.contains("seconds") {
                let d = try f.openDataset(block + "/" + name)
                if Self.ints.contains(name) { out[name] = try d.readAll(as: Int64.self).map { UInt64(bitPattern: $0) } }
                else if name == "done" { out[name] = try d.readAll(as: UInt8.self).map { UInt64($0) } }
                else { out[name] = try d.readAll(as: Double.self).map(\.bitPattern) }
            }
            return out
        }
    }

    func testBitIdenticalOnOneTwoThreeRanksAndPositionsRegenerate() throws {
        let dir = try TestPaths.scratch("emch-radin")
        let cfg = dir.appendingPathComponent("er.toml")
        try """
        [campaign]
        seed = 11
        realizations = 5

        [emch_radin]
        d = [1, 2]
        alpha = [1.5, 3]
        N = [24, 40]
        x = [0.001, 0.2]
        tau_points = 24

        """.write(to: cfg, atomically: true, encoding: .utf8)
        var files: [String] = []
        for n in [1, 2, 3] {
            let out = dir.appendingPathComponent("n\(n).h5").path
            let r = try MPIRun.qglass(ranks: n, ["run", cfg.path, "--out", out])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            files.append(out)
        }
        let blocks = try HDF5File.with(path: files[0], mode: .readOnly) { try $0.members(of: "/emch_radin") }
        XCTAssertEqual(blocks, ["L_d1_N24", "L_d1_N40", "L_d2_N24", "L_d2_N40"])
        for b in blocks {
            let ref = try payload(files[0], "/emch_radin/\(b)")
            XCTAssertEqual(ref["done"], [UInt64](repeating: 1, count: 10))
            for f in files.dropFirst() { XCTAssertEqual(try payload(f, "/emch_radin/\(b)"), ref, "\(b), \(f)") }
        }
        // Regenerate row 7 of d = 2, N = 40 (x = 0.2, realization 2) from the stored key; alpha = 1.5 < d is skipped.
        try HDF5File.with(path: files[1], mode: .readOnly) { f in
            let g = "/emch_radin/L_d2_N40"
            XCTAssertEqual(try f.openDataset(g + "/alpha").readAll(as: Double.self), [Double](repeating: 3, count: 10))
            let key = try f.openDataset(g + "/disorder_stream").readAll(as: Int64.self)[7]
            let real = try f.openDataset(g + "/realization").readAll(as: Int64.self)[7]
            XCTAssertEqual(try f.openDataset(g + "/x").readAll(as: Double.self)[7], 0.2)
            XCTAssertEqual(real, 2)
            let s = try EmchRadin.sample(d: 2, N: 40, packing: 0.2, seed: 11, stream: UInt64(bitPattern: key), realization: Int(real))
            let pos = try f.openDataset(g + "/positions").readRows(start: 7, count: 1, as: Double.self)
            XCTAssertEqual(pos.map(\.bitPattern), s.positions.map(\.bitPattern))
            XCTAssertEqual(UInt64(bitPattern: key), StreamKey.make(EmchRadin.streamText(d: 2, N: 40, packing: 0.2)))
            let m = try f.openDataset(g + "/magnetization_all").readRows(start: 7, count: 1, as: Double.self)
            let tau = try f.openDataset(g + "/tau").readRows(start: 7, count: 1, as: Double.self)
            let dyn = try EmchRadin.evolve(s, alpha: 3, taus: tau)
            XCTAssertEqual(dyn.average().magnetization.map(\.bitPattern), m.map(\.bitPattern))
            // The same positions serve every alpha: d = 1 rows hold two alphas with one position set.
            XCTAssertEqual(try f.openDataset("/emch_radin/L_d1_N24/alpha").readRows(start: 0, count: 1, as: Double.self), [1.5, 3])
        }
    }

    func testConfigRefusals() throws {
        let dir = try TestPaths.scratch("emch-radin-refusals")
        let cases: [(String, String)] = [
            ("d = [1]\nalpha = [2]\nN = [10]\ntypo = 1\n", "unknown key 'typo'"),
            ("d = [2]\nalpha = [1]\nN = [10]\n", "no alpha >= d = 2"),
            ("d = [1]\nalpha = [2]\nN = [10]\nx = [2.0]\n", "RSA jamming"),
            ("d = [1]\nalpha = [2]\nN = [10]\ndecay_min = 5\ndecay_max = 1\n", "decay_min < decay_max"),
            ("d = [1]\nalpha = [2]\nN = [10]\ntau_points = 3\n", "tau_points = 3 out of range"),
        ]
        for (table, text) in cases {
            let cfg = dir.appendingPathComponent("c.toml")
            try ("[campaign]\nseed = 1\nrealizations = 2\n\n[emch_radin]\n" + table).write(to: cfg, atomically: true, encoding: .utf8)
            let r = try MPIRun.qglass(ranks: 1, ["run", cfg.path, "--out", dir.appendingPathComponent("o.h5").path])
            XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
            XCTAssertTrue(r.stderr.contains(text), "\(text): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }
}
