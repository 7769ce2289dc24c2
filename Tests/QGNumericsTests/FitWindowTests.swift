import XCTest
@testable import QGNumerics

/// The window-systematic rule of QGNumerics' FitWindows.swift on hand cases:
/// `systematic`, `estimate(s)`, `combine` and the failure counts. (The
/// reducers' use of it is tested end to end in Tests/Python/test_fit_windows.py.)
final class FitWindowTests: XCTestCase {
    let set = FitWindowSet(units: "test", [
        FitWindow(label: "default", lower: 0.1, upper: 0.7),
        FitWindow(label: "a", lower: 0.05, upper: 0.7),
        FitWindow(label: "b", lower: 0.2, upper: 0.7),
    ])

    func testSystematicIsHalfTheRangeOverTheWindowsThatSucceeded() {
        XCTAssertEqual(FitWindowSet.systematic([0.5, 0.44, 0.53]), 0.045, accuracy: 1e-15)
        // The default need not be inside the others: the band is the envelope of all of them.
        XCTAssertEqual(FitWindowSet.systematic([0.40, 0.45, 0.47]), 0.035, accuracy: 1e-15)
        // A failed variation is left out.
        XCTAssertEqual(FitWindowSet.systematic([0.5, .nan, 0.46]), 0.02, accuracy: 1e-15)
        // No default, or nothing to compare it with: no systematic.
        XCTAssertTrue(FitWindowSet.systematic([.nan, 0.4, 0.5]).isNaN)
        XCTAssertTrue(FitWindowSet.systematic([0.5, .nan, .nan]).isNaN)
        XCTAssertTrue(FitWindowSet.systematic([]).isNaN)
    }

    func testEstimateTakesTheDefaultsValueAndError() {
        var calls: [String] = []
        let e = set.estimate { i, w in
            calls.append(w.label)
            return i == 0 ? (0.5, 0.01) : (w.label == "a" ? .nan : 0.56, 99)
        }
        XCTAssertEqual(calls, ["default", "a", "b"])
        XCTAssertEqual(e.value, 0.5)
        XCTAssertEqual(e.stat, 0.01, "the variations' statistical errors are not used")
        XCTAssertEqual(e.sys, 0.03, accuracy: 1e-15)
        XCTAssertEqual(e.perWindow.count, 3)
        XCTAssertTrue(e.perWindow[1].isNaN)
        XCTAssertEqual(e.perWindow[2], 0.56)
    }

    func testEstimatesFitsEveryParameterInEveryWindow() {
        let two = set.estimates(2) { i, _ in [(Double(i), 0.1), (2 * Double(i), 0.2)] }
        XCTAssertEqual(two.map(\.value), [0, 0])
        XCTAssertEqual(two.map(\.sys), [1, 2])
        XCTAssertEqual(two.map(\.stat), [0.1, 0.2])
        XCTAssertEqual(two.map(\.perWindow), [[0, 1, 2], [0, 2, 4]])
    }

    func testCombineTakesValuesPerWindowAndTheDefaultsError() {
        let e = set.combine([1.0, 1.25, 0.5], stat: 0.125)
        XCTAssertEqual(e.value, 1.0)
        XCTAssertEqual(e.stat, 0.125)
        XCTAssertEqual(e.sys, 0.375)
        XCTAssertEqual(e.perWindow, [1.0, 1.25, 0.5])
        let failed = set.combine([.nan, 1.25, 0.5], stat: 0.125)
        XCTAssertTrue(failed.value.isNaN)
        XCTAssertTrue(failed.sys.isNaN, "no systematic without the default")
    }

    func testFailuresCountWindowsThatFailedWhereTheDefaultSucceeded() {
        var failures = WindowFailures(set)
        XCTAssertEqual(failures.counts, [0, 0, 0])
        failures.add(set.combine([0.5, .nan, 0.56], stat: 0))
        failures.add(set.combine([0.5, .nan, .nan], stat: 0))
        failures.add(set.combine([.nan, 1, .nan], stat: 0))   // the default failed: nothing left out
        failures.add(set.combine([0.5, 0.4, 0.6], stat: 0))
        XCTAssertEqual(failures.counts, [0, 2, 1])
    }
}
