import XCTest
import Foundation
import QGHDF5
import QGTestSupport

/// End-to-end S1 campaigns: the built `qglass` runs under `mpirun` as a
/// subprocess; its HDF5 output is read back here (serial HDF5, no MPI).
final class EDCampaignTests: XCTestCase {
    static let payload = ["alpha", "hx", "realization", "point", "J", "energy", "sector", "eps", "r", "m_ea",
                          "e_min", "e_max", "hist_count", "hist_count_r", "hist_sum_r", "hist_sum_r2", "hist_sum_m_ea", "hist_sum_m_ea2", "hist_count_log_r", "hist_sum_log_r", "hist_sum_log_m_ea", "done"]

    func ed(_ ranks: Int, _ dir: URL, _ name: String, _ extra: [String]) throws -> URL {
        let out = dir.appendingPathComponent(name)
        let res = try MPIRun.qglass(ranks: ranks, ["ed", "--model", "lrsg", "--out", out.path] + extra)
        XCTAssertEqual(res.status, 0, "qglass ed failed:\n\(res.stdout)\n\(res.stderr)")
        return out
    }

    /// All datasets of a block as raw bytes (for bit-identity) or doubles.
    func read(_ file: URL, _ path: String) throws -> [Double] {
        try HDF5File.with(path: file.path, mode: .readOnly) { f in
            let d = try f.openDataset(path)
            switch path.split(separator: "/").last! {
            case "realization", "point": return try d.readAll(as: Int64.self).map(Double.init)
            case "sector": return try d.readAll(as: Int8.self).map(Double.init)
            case "done": return try d.readAll(as: UInt8.self).map(Double.init)
            default: return try d.readAll(as: Double.self)
            }
        }
    }

    func bits(_ xs: [Double]) -> [UInt64] { xs.map(\.bitPattern) }

    /// Payloads are bit-identical for 1, 2 and 3 ranks (group size 1).
    func testBitIdenticalAcrossRankCounts() throws {
        let dir = try TestPaths.scratch("bitid")
        let args = ["--L", "6,8", "--alpha", "0.7", "--hx", "0.3,1.0", "--realizations", "5", "--seed", "7"]
        let files = try [1, 2, 3].map { try ed($0, dir, "n\($0).h5", args) }
        for L in [6, 8] {
            for name in Self.payload {
                let ref = bits(try read(files[0], "/lrsg/L\(L)/\(name)"))
                XCTAssertFalse(ref.isEmpty)
                for f in files.dropFirst() {
                    XCTAssertEqual(bits(try read(f, "/lrsg/L\(L)/\(name)")), ref, "\(name) at L=\(L) differs for \(f.lastPathComponent)")
                }
            }
        }
    }

    /// LAPACK (group size 1) and ScaLAPACK (group size 2 on a 1x2 BLACS grid)
    /// agree to 1e-10 on eigenvalues and observables.
    func testScaLAPACKMatchesLAPACK() throws {
        let dir = try TestPaths.scratch("scalapack")
        let args = ["--L", "7,9", "--alpha", "0.7", "--hx", "0.2,1.5", "--realizations", "3", "--seed", "11"]
        let serial = try ed(2, dir, "lapack.h5", args + ["--group-size", "1"])
        for (name, extra) in [("pdsyevd.h5", [String]()), ("pdsyevr.h5", ["--scalapack-driver", "pdsyevr"])] {
            let dist = try ed(2, dir, name, args + ["--group-size", "2"] + extra)
            for L in [7, 9] {
                for ds in ["energy", "eps", "r", "m_ea", "e_min", "e_max"] {
                    let d = maxAbsDifference(try read(serial, "/lrsg/L\(L)/\(ds)"), try read(dist, "/lrsg/L\(L)/\(ds)"))
                    XCTAssertLessThan(d, 1e-10, "\(ds) at L=\(L) (\(name))")
                }
                XCTAssertEqual(try read(serial, "/lrsg/L\(L)/J"), try read(dist, "/lrsg/L\(L)/J"))
                XCTAssertEqual(try read(dist, "/lrsg/L\(L)/done"), [Double](repeating: 1, count: 6))
            }
        }
        // The dsyevr driver agrees too.
        let evr = try ed(1, dir, "dsyevr.h5", args + ["--lapack-driver", "dsyevr"])
        XCTAssertLessThan(maxAbsDifference(try read(serial, "/lrsg/L9/energy"), try read(evr, "/lrsg/L9/energy")), 1e-10)
        XCTAssertLessThan(maxAbsDifference(try read(serial, "/lrsg/L9/m_ea"), try read(evr, "/lrsg/L9/m_ea")), 1e-10)
    }

    /// Issue 15: the lean dense path (dsyevr, 2 D^2 instead of 3 D^2, the
    /// path that fits L = 16 on a 24 GiB node) against the standard one
    /// (dsyevd) at L = 10 and 12: eigenvalues, r and m_EA of every eigenstate
    /// to 1e-10.
    func testLeanDriverMatchesTheStandardOneAtL10And12() throws {
        let dir = try TestPaths.scratch("lean")
        let args = ["--L", "10,12", "--alpha", "0.7", "--hx", "0.3,1.0", "--realizations", "1", "--seed", "21", "--group-size", "1"]
        let standard = try ed(2, dir, "dsyevd.h5", args)
        let lean = try ed(2, dir, "dsyevr.h5", args + ["--lapack-driver", "dsyevr"])
        for L in [10, 12] {
            for ds in ["energy", "eps", "r", "m_ea"] {
                let a = try read(standard, "/lrsg/L\(L)/\(ds)"), b = try read(lean, "/lrsg/L\(L)/\(ds)")
                XCTAssertEqual(a.count, 2 << L)
                XCTAssertLessThan(maxAbsDifference(a, b), 1e-10, "\(ds) at L=\(L)")
            }
        }
    }

    /// h_x = 0 through the whole pipeline (LAPACK and ScaLAPACK): m_EA = 1
    /// exactly and energies = classical energies from the stored J.
    func testClassicalLimitEndToEnd() throws {
        let dir = try TestPaths.scratch("classical")
        for gs in ["1", "2"] {
            let f = try ed(2, dir, "h0-\(gs).h5", ["--L", "6", "--alpha", "0.7", "--hx", "0", "--realizations", "2", "--seed", "3", "--group-size", gs])
            XCTAssertTrue(try read(f, "/lrsg/L6/m_ea").allSatisfy { $0 == 1.0 })
            let J = try read(f, "/lrsg/L6/J"), E = try read(f, "/lrsg/L6/energy")
            for t in 0..<2 {
                var classical: [Double] = []
                for s in 0..<64 {
                    var e = 0.0
                    for i in 0..<6 { for j in (i + 1)..<6 {
                        let d = Double(min(j - i, 6 - (j - i)))
                        e += J[t * 36 + i * 6 + j] / pow(d, 0.7) * ((((s >> i) ^ (s >> j)) & 1) == 0 ? 1 : -1)
                    } }
                    classical.append(e)
                }
                let got = Array(E[(t * 64)..<((t + 1) * 64)]).sorted()
                XCTAssertLessThanOrEqual(maxAbsDifference(got, classical.sorted()), gs == "1" ? 0 : 1e-12)
            }
        }
    }

    /// Mid-spectrum <r> (0.4 <= eps < 0.6, disorder average of per-realization
    /// means) is GOE-like at h_x = 1 and Poisson-like at h_x = 0.02 for L = 10.
    /// Bounds are about 4 standard errors of the disorder average plus the
    /// finite-size offset measured at L = 10 from the large-L values (Poisson
    /// 2 ln 2 - 1 ≈ 0.386, GOE ≈ 0.531; docs/design.md, "The reducer").
    func testLevelStatisticsPhases() throws {
        let dir = try TestPaths.scratch("levels")
        let f = try ed(2, dir, "levels.h5", ["--L", "10", "--alpha", "0.7", "--hx", "0.02,1.0", "--realizations", "24", "--seed", "5"])
        let hx = try read(f, "/lrsg/L10/hx"), eps = try read(f, "/lrsg/L10/eps"), r = try read(f, "/lrsg/L10/r")
        var means: [Double: [Double]] = [:]
        for t in hx.indices {
            var s = 0.0, c = 0.0
            for n in 0..<1024 where eps[t * 1024 + n] >= 0.4 && eps[t * 1024 + n] < 0.6 && r[t * 1024 + n].isFinite {
                s += r[t * 1024 + n]; c += 1
            }
            means[hx[t], default: []].append(s / c)
        }
        let ergodic = means[1.0]!.reduce(0, +) / 24, localized = means[0.02]!.reduce(0, +) / 24
        XCTAssertEqual(ergodic, 0.53, accuracy: 0.02, "<r> at h_x = 1")
        XCTAssertEqual(localized, 0.39, accuracy: 0.03, "<r> at h_x = 0.02")
    }

    /// Provenance, completion flags and per-realization checks are recorded.
    func testProvenanceAndChecks() throws {
        let dir = try TestPaths.scratch("prov")
        let f = try ed(2, dir, "p.h5", ["--L", "5", "--alpha", "0.9", "--hx", "0.5", "--realizations", "3", "--seed", "1", "--boundary", "open"])
        try HDF5File.with(path: f.path, mode: .readOnly) { h in
            XCTAssertEqual(try h.stringAttribute("study"), "lrsg")
            XCTAssertEqual(try h.numericAttribute("schema_version", as: Int64.self), [2])
            XCTAssertEqual(try h.numericAttribute("seed", as: Int64.self), [1])
            XCTAssertTrue(try h.stringAttribute("config").contains("boundary = \"open\""))
            XCTAssertFalse(try h.stringAttribute("git_commit").isEmpty)
            XCTAssertFalse(try h.stringAttribute("qglass_version").isEmpty)
            XCTAssertFalse(try h.stringAttribute("created").isEmpty)
            XCTAssertEqual(try h.numericAttribute("finished", as: Int64.self), [1])
            XCTAssertTrue(try h.stringAttribute("config").contains("output = \"\(f.path)\""))
            // L is an int64 attribute; readers asking for float64 get HDF5's conversion.
            XCTAssertEqual(try h.numericAttribute("L", as: Int64.self, on: "/lrsg/L5"), [5])
            XCTAssertEqual(try h.numericAttribute("L", as: Double.self, on: "/lrsg/L5"), [5.0])
            for name in try h.members(of: "/lrsg/L5") {
                XCTAssertFalse(try h.stringAttribute("description", on: "/lrsg/L5/" + name).isEmpty, name)
                XCTAssertTrue(h.hasAttribute("units", on: "/lrsg/L5/" + name), name)
            }
            XCTAssertEqual(try h.stringAttribute("units", on: "/lrsg/L5/e_min"), "J")
        }
        XCTAssertEqual(try read(f, "/lrsg/L5/done"), [1, 1, 1])
        XCTAssertTrue(try read(f, "/lrsg/L5/residual_max").allSatisfy { $0 < 1e-10 })
        XCTAssertTrue(try read(f, "/lrsg/L5/orthogonality_max").allSatisfy { $0 < 1e-12 })
        // r is NaN exactly at the two ends of each sector.
        let r = try read(f, "/lrsg/L5/r")
        let nanIdx = (0..<32).filter { r[$0].isNaN }
        XCTAssertEqual(nanIdx, [0, 15, 16, 31])
        let sector = try read(f, "/lrsg/L5/sector")
        XCTAssertEqual(Array(sector[0..<32]), [Double](repeating: 1, count: 16) + [Double](repeating: -1, count: 16))
    }
}
