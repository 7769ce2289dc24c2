import XCTest
@testable import QGReduce

/// AnalysisKit.swift: the grouping every analysis starts from and the
/// order-keeping de-duplication.
final class AnalysisKitTests: XCTestCase {
    /// Records arrive in input order (as split over inputs and ranks); the groups
    /// come out in point order, each in realization order, whatever the input order.
    func testGroupedByPointIsIndependentOfTheInputOrder() {
        struct R: Equatable { var L: Int; var realization: Int }
        let records = [R(L: 12, realization: 3), R(L: 8, realization: 1), R(L: 12, realization: 0), R(L: 8, realization: 0), R(L: 12, realization: 1)]
        for input in [records, records.reversed(), Array(records[2...] + records[..<2])] {
            let g = groupedByPoint(input, \.L, pointOrder: <, recordOrder: { $0.realization < $1.realization })
            XCTAssertEqual(g.map(\.point), [8, 12])
            XCTAssertEqual(g.map { $0.records.map(\.realization) }, [[0, 1], [0, 1, 3]])
        }
        XCTAssertTrue(groupedByPoint([R](), \.L, pointOrder: <, recordOrder: { _, _ in false }).isEmpty)
    }

    func testUniquedKeepsTheFirstAppearance() {
        XCTAssertEqual([3, 1, 3, 2, 1].uniqued(), [3, 1, 2])
        XCTAssertEqual([Int]().uniqued(), [])
    }
}
