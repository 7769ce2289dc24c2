import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// S9 `emch_radin` campaigns: payloads bit-identical on 1, 2 and 3 ranks, positions
/// keyed by (seed, d, N, x, realization) only (shared by every alpha and campaign),
/// and strict config refusals.
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

    func testBitIdenticalOnOneTwoThreeRanksAndPositionsSharedAcrossAlpha() throws {
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
        // Positions are keyed by (seed, d, N, x, realization) only: a campaign with another
        // alpha list and other sizes holds the same positions, RSA attempts and alpha = 3
        // curves for d = 2, N = 40 (alpha = 1.5 < d is skipped there anyway).
        let cfg2 = dir.appendingPathComponent("er2.toml")
        try "[campaign]\nseed = 11\nrealizations = 5\n\n[emch_radin]\nd = [2]\nalpha = [3]\nN = [40]\nx = [0.001, 0.2]\ntau_points = 24\n"
            .write(to: cfg2, atomically: true, encoding: .utf8)
        let other = dir.appendingPathComponent("other.h5").path
        let r = try MPIRun.qglass(ranks: 2, ["run", cfg2.path, "--out", other])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let a = try payload(files[0], "/emch_radin/L_d2_N40"), b = try payload(other, "/emch_radin/L_d2_N40")
        for name in ["positions", "rsa_attempts", "disorder_stream", "n_interior", "alpha", "tau", "magnetization_all", "purity_interior"] {
            XCTAssertEqual(a[name], b[name], name)
        }
        try HDF5File.with(path: files[1], mode: .readOnly) { f in
            XCTAssertEqual(try f.openDataset("/emch_radin/L_d2_N40/alpha").readAll(as: Double.self), [Double](repeating: 3, count: 10))
            XCTAssertEqual(try f.openDataset("/emch_radin/L_d1_N24/alpha").readRows(start: 0, count: 1, as: Double.self), [1.5, 3])
            XCTAssertEqual(try f.openDataset("/emch_radin/L_d1_N24/positions").shape, [10, 24, 1])
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
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }
            XCTAssertEqual(errors.count, 1, r.stderr)
            XCTAssertTrue(errors.first?.contains(text) ?? false, "\(text): \(r.stderr)")
        }
    }
}
