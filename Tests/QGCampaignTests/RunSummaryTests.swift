import XCTest
import Foundation
import QGHDF5
@testable import QGCampaign

/// The end-of-run summary (`RunSummary`) read from a file whose `done` flags
/// and check columns are written here: counts of done of planned per point
/// (a partial file shows its partial counts), the worst |value| over the done
/// rows only, NaN reported, and the table aligned.
final class RunSummaryTests: XCTestCase {
    func testCountsAndWorstChecksOfAPartialFile() throws {
        let plan = try CampaignPlan(configText: """
            [campaign]
            seed = 1
            realizations = 2

            [lrsg]
            L = [6, 8]
            alpha = 0.7
            hx = [0.1, 1.0]
            """)
        let blocks = plan.study.blocks
        XCTAssertEqual(blocks.map(\.path), ["/lrsg/L6", "/lrsg/L8"])
        XCTAssertEqual(blocks[0].datasets.filter(\.isCheck).map(\.name), ["residual_max", "orthogonality_max"])
        // Rows: point-in-block x realizations + r (`ParameterGrid.tasks`).
        let done: [[UInt8]] = [[1, 1, 1, 0], [0, 0, 1, 1]]
        let residual: [[Double]] = [[1e-14, -3e-13, 2e-15, 99], [5, 5, .nan, 4e-15]]
        let orthogonality: [[Double]] = [[1e-15, 2e-15, 0, 0], [0, 0, 1e-16, 3e-16]]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("run-summary-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try HDF5File.with(path: path, mode: .truncate) { f in
            for (b, blk) in blocks.enumerated() {
                try f.createGroup(blk.path)
                try f.createDataset(blk.path + "/done", type: .uint8, shape: [blk.rows]).writeRows(start: 0, count: blk.rows, done[b])
                try f.createDataset(blk.path + "/residual_max", type: .float64, shape: [blk.rows]).writeRows(start: 0, count: blk.rows, residual[b])
                try f.createDataset(blk.path + "/orthogonality_max", type: .float64, shape: [blk.rows])
                    .writeRows(start: 0, count: blk.rows, orthogonality[b])
            }
        }
        let text = try HDF5File.with(path: path, mode: .readOnly) { try RunSummary.text(study: plan.study, file: $0, output: "out.h5") }
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("[qglass] summary of out.h5 (lrsg): realizations done of planned per point"), text)
        XCTAssertEqual(Array(lines.dropFirst()), [
            "  block     L  alpha   hx  done  residual_max  orthogonality_max",
            "  /lrsg/L6  6    0.7  0.1   2/2       3.0e-13            2.0e-15",
            "  /lrsg/L6  6    0.7  1.0   1/2       2.0e-15            0.0e+00",
            "  /lrsg/L8  8    0.7  0.1   0/2             -                  -",
            "  /lrsg/L8  8    0.7  1.0   2/2           NaN            3.0e-16",
            "disorder averages and fits: qglass reduce out.h5 --out <reduced.h5>",
        ], text)
    }

    /// The check columns: the eigenpair checks and every float64 `residual`
    /// or `*_residual` column, nothing else.
    func testCheckColumnsAreTheResidualsAndTheEigenpairChecks() {
        XCTAssertEqual(DatasetSpec.eigenpairChecks(energyUnits: "J").map(\.isCheck), [true, true])
        XCTAssertTrue(DatasetSpec("residual", .float64).isCheck)
        XCTAssertTrue(DatasetSpec("sum_rule_residual", .float64).isCheck)
        XCTAssertFalse(DatasetSpec("residual_count", .float64).isCheck)
        XCTAssertFalse(DatasetSpec("sum_rule_residual", .int64).isCheck)
        XCTAssertFalse(DatasetSpec("r", .float64, [4]).isCheck)
    }
}
