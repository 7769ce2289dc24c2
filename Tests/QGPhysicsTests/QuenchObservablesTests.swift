import XCTest
import QGPhysics

/// The S5 quench observables against hand-computed cases.
final class QuenchObservablesTests: XCTestCase {
    /// Times 1, 10, 100, 1000: the last decade is t >= 100, the last two points.
    func testLateTimeMeans() {
        let trace = [1, 2, 3, 5,  // I = 0
                     0, 0, -1, 1.5]  // I = 1
        XCTAssertEqual(QuenchObservables.lateTimeMeans(trace, times: [1, 10, 100, 1000], count: 2), [4, 0.25])
        XCTAssertEqual(QuenchObservables.lateTimeMeans([7], times: [3], count: 1), [7], "one time: its value")
    }

    /// The smallest spacing of {0, 1, 1 + 1e-15, 3, 7} beyond the degeneracy
    /// 1e-15 (below 1e-12 max|E|) is 1; one level, or only degenerate ones: +inf.
    func testInverseMinimumGap() {
        XCTAssertEqual(QuenchObservables.inverseMinimumGap([3, 0, 7, 1 + 1e-15, 1]), 1)
        XCTAssertEqual(QuenchObservables.inverseMinimumGap([1.5, -2, -0.5]), 1 / 1.5)
        XCTAssertEqual(QuenchObservables.inverseMinimumGap([2]), .infinity)
        XCTAssertEqual(QuenchObservables.inverseMinimumGap([2, 2]), .infinity)
    }

    /// An eigenstate overlaps with one eigenstate; an equal superposition of four with four.
    func testParticipation() {
        XCTAssertEqual(QuenchObservables.participation([0, 1, 0]), 1)
        XCTAssertEqual(QuenchObservables.participation([0.5, -0.5, 0.5, 0.5]), 4)
    }
}
