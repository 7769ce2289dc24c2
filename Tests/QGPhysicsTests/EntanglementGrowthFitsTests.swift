import XCTest
import Foundation
import QGNumerics
import QGPhysics

/// S6c's growth-law fits (EntanglementGrowthFits): exact growth laws give
/// their parameters back, the window takes the grid points between its
/// fractions of S_sat, and too few points leave the fit empty.
final class EntanglementGrowthFitsTests: XCTestCase {
    typealias Fits = EntanglementGrowthFits
    /// t = 0 and 8 points per decade on [1e-2, 1e4].
    let times = [0.0] + (0...48).map { pow(10, -2 + Double($0) / 8) }

    func testLogarithmicGrowthGivesItsSlope() {
        let mean = times.map { 0.5 + 0.1 * log($0) }, err = times.map { _ in 0.01 }
        let window = Fits.windows.central
        let r = Fits.fit(times: times, mean: mean, err: err, saturation: 2, window: window)
        // The window: 0.2 <= S <= 1.4, i.e. t in [e^-3, e^9], t > 0.
        XCTAssertEqual(r.points, times.indices.filter { times[$0] > 0 && times[$0] >= exp(-3.0) && times[$0] <= exp(9.0) })
        XCTAssertEqual(r.logSlope, 0.1, accuracy: 1e-12)
        // Weighted line, errors 0.01: sigma_b = 0.01 / sqrt(sum (x - mean x)^2) in x = ln t.
        let x = r.points.map { log(times[$0]) }, xMean = x.reduce(0, +) / Double(x.count)
        XCTAssertEqual(r.logSlopeErr, 0.01 / x.map { ($0 - xMean) * ($0 - xMean) }.reduce(0, +).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(r.logChi2, 0, accuracy: 1e-18)
        XCTAssertGreaterThan(r.powerChi2, 1)
        XCTAssertNil(Fits.reentry(r.points))
    }

    func testPowerLawGrowthGivesItsExponent() {
        let mean = times.map { 0.05 * pow($0, 0.4) }, err = times.map { _ in 0.0 }
        let r = Fits.fit(times: times, mean: mean, err: err, saturation: 3, window: Fits.windows.central)
        XCTAssertGreaterThanOrEqual(r.points.count, Fits.minimumPoints)
        XCTAssertEqual(r.powerExponent, 0.4, accuracy: 1e-12)
        XCTAssertEqual(r.powerChi2, 0, accuracy: 1e-12)
    }

    func testTooFewPointsLeaveTheFitEmptyAndReentryFindsTheGap() {
        let mean = times.map { $0 < 1 ? 0.0 : ($0 < 1.5 ? 1.0 : 2.0) }
        let r = Fits.fit(times: times, mean: mean, err: mean, saturation: 2, window: Fits.windows.central)
        XCTAssertEqual(r.points, times.indices.filter { times[$0] >= 1 && times[$0] < 1.5 })
        XCTAssertLessThan(r.points.count, Fits.minimumPoints)
        XCTAssertTrue(r.logSlope.isNaN && r.logSlopeErr.isNaN && r.powerExponent.isNaN && r.powerChi2.isNaN)
        XCTAssertEqual(Fits.reentry([3, 4, 5, 8, 9]).map { [$0.0, $0.1] }, [5, 8])
        XCTAssertNil(Fits.reentry([]))
    }
}
