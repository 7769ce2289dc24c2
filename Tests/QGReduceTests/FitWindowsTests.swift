import XCTest
@testable import QGReduce

/// The window-systematic rule of FitWindows.swift on hand cases, and the S3
/// window set built from `--growth-window`. (The reducers' use of it is tested
/// end to end in Tests/Python/test_fit_windows.py.)
final class FitWindowsTests: XCTestCase {
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
    }

    func testEstimateTakesTheDefaultsValueAndErrorAndNamesFailedWindows() {
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
        var failures = WindowFailures(set)
        failures.add(e)
        failures.add(set.estimate { i, _ in (i == 0 ? .nan : 1, 0) })   // the default failed: nothing left out
        XCTAssertEqual(failures.counts, [0, 1, 0])
        XCTAssertEqual(failures.note, "window systematic: fits that failed in a window where the default succeeded, left out of the spread: a 1")
        XCTAssertNil(WindowFailures(set).note)
        let two = set.estimates(2) { i, _ in [(Double(i), 0.1), (2 * Double(i), 0.2)] }
        XCTAssertEqual(two.map(\.sys), [1, 2])
        XCTAssertEqual(two.map(\.stat), [0.1, 0.2])
    }

    func testAvalancheWindowsFollowTheGrowthWindowOption() {
        let s = AvalancheGrowthWindows.set((0.02, 0.8))
        XCTAssertEqual(s.windows.map(\.label), ["default", "start-earlier", "start-later", "end-earlier"])
        XCTAssertEqual(s.windows.map(\.lower), [0.02, 0.01, 0.04, 0.02])
        XCTAssertEqual(s.windows.map(\.upper), [0.8, 0.8, 0.8, 0.4])
        // 200 steps, the mean reaches L/2 at step 100: steps 4..99; no cap: 4..160.
        XCTAssertTrue(AvalancheGrowthWindows.steps(s.central, steps: 200, cap: 100) == (4, 99))
        XCTAssertTrue(AvalancheGrowthWindows.steps(s.central, steps: 200, cap: 201) == (4, 160))
        // A cap before the start keeps one step (no exponent).
        XCTAssertTrue(AvalancheGrowthWindows.steps(s.central, steps: 200, cap: 2) == (4, 4))
    }
}
