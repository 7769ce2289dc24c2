import XCTest
import QGCampaign
@testable import QGReduce

/// Issue 22: the rule "every input has the same setting" is declared once
/// (`ReductionContext.sameSetting`/`requireSame`), for drh's J1, diamond's g0,
/// hopping and convention, meanfield's g10, S9's interior depth and S6c's grid.
final class SameSettingTests: XCTestCase {
    func plan(_ study: String, _ body: String) throws -> CampaignPlan {
        try CampaignPlan(configText: "[campaign]\nseed = 1\nrealizations = 1\n\n[\(study)]\n\(body)")
    }

    func testTheFirstDifferingInputIsNamedWithBothValues() throws {
        let plans = [try plan("drh", "N = [4]\na = [0.5]\nJ1 = 1.0\n"), try plan("drh", "N = [5]\na = [0.5]\nJ1 = 1.0\n"),
                     try plan("drh", "N = [4]\na = [0.5]\nJ1 = 2.0\n")]
        let inputs = ["a.h5", "b.h5", "c.h5"]
        XCTAssertNil(ReductionContext.sameSetting("J1", of: DRHStudy.self, inputs: Array(inputs.prefix(2)), plans: Array(plans.prefix(2))) { $0.J1 })
        XCTAssertEqual(ReductionContext.sameSetting("J1", of: DRHStudy.self, inputs: inputs, plans: plans) { $0.J1 },
                       "mismatched configs: c.h5 has a different J1 (2.0) from a.h5 (1.0)")
        let context = ReductionContext(options: ReduceOptions(inputs: inputs, output: "r.h5"), plans: plans)
        XCTAssertThrowsError(try context.requireSame(DRHStudy.self, ["J1": { "\($0.J1)" }])) { error in
            XCTAssertEqual((error as? ReduceError)?.message, "mismatched configs: c.h5 has a different J1 (2.0) from a.h5 (1.0)")
        }
        XCTAssertNoThrow(try ReductionContext(options: ReduceOptions(inputs: Array(inputs.prefix(2)), output: "r.h5"),
                                              plans: Array(plans.prefix(2))).requireSame(DRHStudy.self, ["J1": { "\($0.J1)" }]))
    }
}
