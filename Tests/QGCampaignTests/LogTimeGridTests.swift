import XCTest
@testable import QGCampaign

/// The log time grid of `quench` and `entgrowth`, declared once (LogTimeGrid).
final class LogTimeGridTests: XCTestCase {
    let head = "[campaign]\nseed = 1\nrealizations = 1\n"

    func refusal(_ text: String) -> String {
        do { _ = try CampaignPlan(configText: text); return "accepted" } catch { return "\(error)" }
    }

    /// Both studies refuse t_max <= t_min with their table and cap, and keep their own defaults.
    func testEachStudyRefusesAnEmptyWindowAndKeepsItsDefaults() throws {
        let quench = head + "[quench]\nL = [60]\nLs = 6\nalpha = 1\nhx = 0.05\n"
        let entgrowth = head + "[entgrowth]\nL = [6]\nalpha = 0.7\nhx = [1.0]\n"
        XCTAssertTrue(refusal(quench + "t_min = 10.0\nt_max = 5.0\n").contains("[quench] need 0 < t_min < t_max <= 1e13 (got 10.0, 5.0)"),
                      refusal(quench + "t_min = 10.0\nt_max = 5.0\n"))
        XCTAssertTrue(refusal(entgrowth + "t_min = 2.0\nt_max = 2.0\n").contains("[entgrowth] need 0 < t_min < t_max <= 1e12 (got 2.0, 2.0)"),
                      refusal(entgrowth + "t_min = 2.0\nt_max = 2.0\n"))
        let q = try XCTUnwrap(try CampaignPlan(configText: quench).study as? QuenchStudy)
        XCTAssertEqual(q.timeGrid, LogTimeGrid(tMin: 0.1, tMax: 1e10, perDecade: 10))
        let e = try XCTUnwrap(try CampaignPlan(configText: entgrowth).study as? EntanglementGrowthStudy)
        XCTAssertEqual(e.timeGrid, LogTimeGrid(tMin: 0.01, tMax: 1e6, perDecade: 8))
    }

    /// Both ends included, t_max exact, even steps in log t, at least per_decade points per decade.
    func testGridEndsAndSpacing() {
        let g = LogTimeGrid(tMin: 0.1, tMax: 1e10, perDecade: 10)
        let t = g.times
        XCTAssertEqual(t.count, 111)
        XCTAssertEqual(t.first, 0.1)
        XCTAssertEqual(t.last, 1e10)
        for k in 1..<t.count { XCTAssertEqual(log10(t[k] / t[k - 1]), 0.1, accuracy: 1e-12) }
        // 2.5 decades at 4 per decade: 10 steps, 11 points.
        XCTAssertEqual(LogTimeGrid(tMin: 1, tMax: 316.22776601683796, perDecade: 4).times.count, 11)
        // Less than one step: the two ends.
        XCTAssertEqual(LogTimeGrid(tMin: 1, tMax: 1.01, perDecade: 1).times, [1, 1.01])
    }
}
