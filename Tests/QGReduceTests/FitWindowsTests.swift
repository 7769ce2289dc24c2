import XCTest
@testable import QGReduce
import QGNumerics

/// The report line of failed window fits (QGReduce's FitWindows.swift; the
/// rule itself is tested in Tests/QGNumericsTests/FitWindowTests.swift), and
/// the S3 window set built from `--growth-window`. (The reducers' use of it is
/// tested end to end in Tests/Python/test_fit_windows.py.)
final class FitWindowsTests: XCTestCase {
    let set = FitWindowSet(units: "test", [
        FitWindow(label: "default", lower: 0.1, upper: 0.7),
        FitWindow(label: "a", lower: 0.05, upper: 0.7),
        FitWindow(label: "b", lower: 0.2, upper: 0.7),
    ])

    func testFailuresNoteNamesFailedWindows() {
        var failures = WindowFailures(set)
        failures.add(set.estimate { i, w in i == 0 ? (0.5, 0.01) : (w.label == "a" ? .nan : 0.56, 99) })
        failures.add(set.estimate { i, _ in (i == 0 ? .nan : 1, 0) })   // the default failed: nothing left out
        XCTAssertEqual(failures.counts, [0, 1, 0])
        XCTAssertEqual(failures.note, "window systematic: fits that failed in a window where the default succeeded, left out of the spread: a 1")
        XCTAssertNil(WindowFailures(set).note)
        XCTAssertEqual(set.reportLine, "fit windows (test): default [0.1, 0.7], a [0.05, 0.7], b [0.2, 0.7]; sys = half the range over them")
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
