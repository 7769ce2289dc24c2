import XCTest
import Foundation
import QGNumerics

/// The evenly spaced grids against hand-computed points.
final class GridTests: XCTestCase {
    func testLinearGrid() {
        XCTAssertEqual(Grid.linear(0, 1, 5), [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(Grid.linear(-4, 4, 3), [-4, 0, 4])
        XCTAssertEqual(Grid.linear(2, 1, 2), [2, 1])
    }

    func testLogarithmicGrid() {
        XCTAssertEqual(Grid.logarithmic(1, 1000, 4), [1, 10, 100, 1000], accuracy: 1e-12)
        XCTAssertEqual(Grid.logarithmic(1e-6, 1e-2, 3).map(log10), [-6, -4, -2], accuracy: 1e-13)
        let g = Grid.logarithmic(0.05, 2, 7)
        XCTAssertEqual(g.first!, 0.05, accuracy: 1e-16)
        XCTAssertEqual(g.last!, 2, accuracy: 1e-15)
        for k in 1..<6 { XCTAssertEqual(g[k] * g[k], g[k - 1] * g[k + 1], accuracy: 1e-14, "geometric: each point the mean of its neighbours") }
    }
}
