import XCTest
import Foundation
import QGNumerics

/// The quadratures against exactness degrees and closed forms.
final class QuadratureTests: XCTestCase {
    /// K15 integrates x^k exactly for k <= 22 and the embedded G7 for k <= 13 (odd k vanish).
    func testGaussKronrodRuleIsExactOnMonomials() {
        for k in 0...22 {
            let (kv, gv) = GaussKronrod15.panel(-1, 1) { pow($0, Double(k)) }
            let exact = k % 2 == 1 ? 0 : 2 / Double(k + 1)
            XCTAssertEqual(kv, exact, accuracy: 1e-15, "K15, x^\(k)")
            if k <= 13 { XCTAssertEqual(gv, exact, accuracy: 1e-15, "G7, x^\(k)") }
        }
        // Degree 24 is beyond K15: the rule must not be exact there (guards against a wrong node set).
        let (k24, _) = GaussKronrod15.panel(-1, 1) { pow($0, 24) }
        XCTAssertGreaterThan(abs(k24 - 2.0 / 25), 1e-12)
    }

    func testAdaptiveQuadratureClosedFormsAndFailure() throws {
        let r = try GaussKronrod15.integrate(0, 1, relTol: 1e-13) { x in x > 0 ? log(x) / x.squareRoot() : 0 }
        XCTAssertEqual(r.value, -4, accuracy: 1e-10)   // int_0^1 ln x / sqrt x = -4 (endpoint singularity)
        let s = try GaussKronrod15.integrate(-20, 20, relTol: 1e-14, initialPanels: 4) { exp(-$0 * $0) }
        XCTAssertEqual(s.value, Double.pi.squareRoot(), accuracy: 1e-13)
        XCTAssertThrowsError(try GaussKronrod15.integrate(0, 1, relTol: 1e-14, maxPanels: 8) { 1 / $0.squareRoot() }) { e in
            guard case QuadratureError.notConverged(_, _, let panels) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(panels, 8)
        }
        XCTAssertThrowsError(try GaussKronrod15.integrate(0, .infinity) { $0 }) { e in
            XCTAssertEqual(e as? QuadratureError, .nonFiniteBounds(0, .infinity))
        }
        XCTAssertEqual(try GaussKronrod15.integrate(2, 2) { $0 }.value, 0)
    }

    /// The n-point rule integrates every monomial of degree <= 2n - 1 exactly
    /// on [-1, 1] and is not exact at degree 2n; nodes lie in (-1, 1), weights sum to 2.
    func testGaussLegendreIsExactUpToDegreeTwoNMinusOne() {
        for n in [2, 3, 5, 8, 12] {
            let rule = GaussLegendre(points: n)
            XCTAssertEqual(rule.nodes.count, n)
            XCTAssertEqual(rule.weights.reduce(0, +), 2, accuracy: 1e-14, "n = \(n)")
            XCTAssertTrue(rule.nodes.allSatisfy { abs($0) < 1 })
            for k in 0...(2 * n - 1) {
                let exact = k % 2 == 1 ? 0 : 2 / Double(k + 1)
                XCTAssertEqual(rule.integrate(-1, 1) { pow($0, Double(k)) }, exact, accuracy: 1e-14, "n = \(n), x^\(k)")
            }
            let k = 2 * n
            XCTAssertGreaterThan(abs(rule.integrate(-1, 1) { pow($0, Double(k)) } - 2 / Double(k + 1)), 1e-12, "n = \(n) exact beyond 2n - 1")
        }
        // The 5-point nodes and weights (closed forms: sqrt(5 -+ 2 sqrt(10/7))/3, (322 +- 13 sqrt 70)/900, 128/225).
        let five = GaussLegendre(points: 5)
        let outer = (5 + 2 * (10.0 / 7).squareRoot()).squareRoot() / 3, inner = (5 - 2 * (10.0 / 7).squareRoot()).squareRoot() / 3
        XCTAssertEqual(five.nodes.sorted(), [-outer, -inner, 0, inner, outer].map { $0 }, accuracy: 1e-15)
        XCTAssertEqual(five.weights[2], 128.0 / 225, accuracy: 1e-15)
        XCTAssertEqual(five.weights[0], (322 - 13 * 70.0.squareRoot()) / 900, accuracy: 1e-15)
    }

    /// The tabulated 5-point rule: the Newton rule's nodes exactly, its weights to one ulp,
    /// and exact up to degree 9.
    func testTabulatedFivePointRule() {
        let table = GaussLegendre.fivePoint, newton = GaussLegendre(points: 5)
        XCTAssertEqual(table.nodes, newton.nodes.reversed())
        XCTAssertEqual(table.weights, newton.weights.reversed(), accuracy: 2e-16)
        for k in 0...9 {
            XCTAssertEqual(table.integrate(-1, 1) { pow($0, Double(k)) }, k % 2 == 1 ? 0 : 2 / Double(k + 1), accuracy: 1e-15, "x^\(k)")
        }
    }

    /// The composite rule on shifted intervals: a cubic exactly on any panels, and a
    /// smooth function to high accuracy.
    func testCompositeGaussLegendre() {
        let rule = GaussLegendre(points: 2)
        XCTAssertEqual(rule.integrate(1, 3, panels: 3) { $0 * $0 * $0 - 2 * $0 }, (81.0 - 1) / 4 - (9 - 1), accuracy: 1e-12)
        XCTAssertEqual(GaussLegendre(points: 5).integrate(0, Double.pi, panels: 10) { sin($0) }, 2, accuracy: 1e-14)
    }

    /// The trapezoid rule is exact on straight lines and has error -(b-a) h^2 f''/12 on a parabola.
    func testTrapezoidRule() {
        let x = [0.0, 0.5, 1.5, 2.0, 4.0]
        XCTAssertEqual(Trapezoid.integrate(x.map { 3 * $0 + 1 }, at: x), 3 * 8 + 4, accuracy: 1e-13)
        let h = 0.1, grid = (0...10).map { Double($0) * h }
        XCTAssertEqual(Trapezoid.integrate(grid.map { $0 * $0 }, spacing: h), 1.0 / 3 + h * h / 6, accuracy: 1e-14)
        XCTAssertEqual(Trapezoid.integrate(grid.map { $0 * $0 }, at: grid), 1.0 / 3 + h * h / 6, accuracy: 1e-14)
        XCTAssertEqual(Trapezoid.integrate([5], at: [1]), 0)
    }
}

/// Element-wise equality of two arrays within `accuracy`.
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
