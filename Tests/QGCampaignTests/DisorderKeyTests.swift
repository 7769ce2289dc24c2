import XCTest
import Foundation
import QGPhysics
@testable import QGCampaign

/// Disorder keyed by (seed, study, L, realization) (issue 10, item 9): one
/// realization keeps its couplings over the alpha x h_x grid, in S1 and in the
/// classical studies.
final class DisorderKeyTests: XCTestCase {
    func lrsg(_ body: String) throws -> LRSGStudy {
        let plan = try CampaignPlan(configText: "[campaign]\nseed = 3\nrealizations = 4\n\n[lrsg]\n" + body)
        return try XCTUnwrap(plan.study as? LRSGStudy)
    }

    /// Every task of realization r and size L gets the same J, whatever its
    /// alpha and h_x; different realizations and sizes get different J.
    func testLRSGRealizationKeepsJOverAlphaAndHx() throws {
        let s = try lrsg("L = [6, 7]\nalpha = [0.5, 0.7, 1.2]\nhx = [0.1, 0.4, 1.0, 2.5]\n")
        var byKey: [String: [Double]] = [:]
        for t in s.tasks {
            let p = s.points[t.point]
            let J = try s.couplings(point: p, realization: t.realization, seed: 3)
            XCTAssertEqual(J.count, p.L * p.L)
            let key = "\(p.L)|\(t.realization)"
            if let ref = byKey[key] {
                XCTAssertEqual(J, ref, "L = \(p.L), realization \(t.realization): J differs at alpha \(p.alpha), hx \(p.hx)")
            } else {
                byKey[key] = J
            }
        }
        XCTAssertEqual(byKey.count, 2 * 4)
        XCTAssertNotEqual(byKey["6|0"], byKey["6|1"])
        XCTAssertEqual(Set(byKey.values.map { $0.first { $0 != 0 }! }).count, 8, "realizations/sizes must differ")
    }

    /// J does not depend on alpha (alpha enters through d_ij^alpha only) nor
    /// on the boundary: the model's K_ij = J_ij / d_ij^alpha.
    func testAlphaEntersOnlyThroughDistances() throws {
        let periodic = try lrsg("L = 8\nalpha = [0.6, 1.1]\nhx = 0.3\n")
        let open = try lrsg("L = 8\nalpha = [0.6, 1.1]\nhx = 0.3\nboundary = \"open\"\n")
        let J = try periodic.couplings(point: periodic.points[0], realization: 2, seed: 3)
        XCTAssertEqual(try open.couplings(point: open.points[1], realization: 2, seed: 3), J)
        for (a, b) in [(0.6, Boundary.periodic), (1.1, Boundary.open)] {
            let m = LongRangeSpinGlass(L: 8, alpha: a, hx: 0.3, boundary: b, J: J)
            for i in 0..<8 { for j in 0..<8 where i != j {
                let d = Double(LongRangeSpinGlass.distance(i, j, L: 8, boundary: b))
                XCTAssertEqual(m.K[i * 8 + j], J[i * 8 + j] / pow(d, a), accuracy: 1e-15)
            } }
        }
        // A different seed gives different couplings.
        XCTAssertNotEqual(try periodic.couplings(point: periodic.points[0], realization: 2, seed: 4), J)
    }

    /// Classical studies: J of realization r at size L is the same at every
    /// alpha and boundary (and in every classical study); the random initial
    /// state is per-point randomness (keyed by L, alpha, boundary).
    func testClassicalRealizationKeepsJOverAlpha() {
        let a = ClassicalChainSpec.prepare(L: 30, alpha: 0.6, boundary: .periodic, seed: 5, realization: 1, kind: .random, order: .greedy)
        let b = ClassicalChainSpec.prepare(L: 30, alpha: 0.9, boundary: .open, seed: 5, realization: 1, kind: .random, order: .greedy)
        let c = ClassicalChainSpec.prepare(L: 30, alpha: 0.6, boundary: .periodic, seed: 5, realization: 2, kind: .random, order: .greedy)
        XCTAssertEqual(a.J, b.J)
        XCTAssertNotEqual(a.z, b.z)
        XCTAssertNotEqual(a.J, c.J)
        XCTAssertEqual(ClassicalChainSpec.disorderKey(L: 30), ClassicalChainSpec.disorderKey(L: 30))
        XCTAssertNotEqual(ClassicalChainSpec.disorderKey(L: 30), ClassicalChainSpec.disorderKey(L: 31))
    }

    /// `disorder_from` is parsed without touching the file (reducers and
    /// `qglass plan` re-parse stored configs) and is part of the canonical
    /// config; a pinned checksum needs a source.
    func testDisorderFromConfigKey() throws {
        let s = try lrsg("L = 6\nalpha = 0.7\nhx = 0.3\ndisorder_from = \"/nonexistent/j.h5:/set/J\"\n")
        XCTAssertEqual(s.disorderSource?.path, "/nonexistent/j.h5")
        XCTAssertEqual(s.disorderSource?.dataset, "/set/J")
        XCTAssertTrue(s.canonical.contains("disorder_from = \"/nonexistent/j.h5:/set/J\""))
        let again = try lrsg(String(s.canonical.dropFirst("[lrsg]\n".count)))
        XCTAssertEqual(again.canonical, s.canonical)
        XCTAssertThrowsError(try lrsg("L = 6\nalpha = 0.7\nhx = 0.3\ndisorder_checksum = \"sha256:00\"\n"))
        XCTAssertThrowsError(try lrsg("L = 6\nalpha = 0.7\nhx = 0.3\ndisorder_from = \"\"\n"))
        XCTAssertThrowsError(try lrsg("L = 6\nalpha = 0.7\nhx = 0.3\ndisorder_from = \"a.h5\"\ndisorder_checksum = \"md5:00\"\n"))
    }
}
