import XCTest
import QGCampaign
@testable import QGReduce

/// Issue 22: the identity of a realization record (origin, key of point,
/// seed and realization, disorder) and its key are declared once
/// (`TaskIdentity`, `TaskKey`, `RealizationRecord`), and the rule "every
/// record of a group shares a setting" once (`ReductionContext.requireShared`).
final class RealizationRecordTests: XCTestCase {
    typealias Record = TwoSpinStudy.Record

    func record(file: Int, L: Int, realization: Int, disorder: DisorderFingerprint = 7, entropy: Double = 0.5) -> Record {
        Record(task: TaskIdentity(origin: TaskOrigin(file: file, block: "/twospin/L\(L)", row: realization),
                                  key: TaskKey(point: .init(L: L, alpha: 0.7, state: 1), seed: 5, realization: realization), disorder: disorder),
               hx: [0.1], entropySum: [entropy])
    }

    func testTheKeyPrintsThePointFieldsThenSeedAndRealization() {
        let r = record(file: 0, L: 8, realization: 3)
        XCTAssertEqual(r.key.description, "(L 8, alpha 0.7, state 1, seed 5, realization 3)")
        XCTAssertEqual(ChainPoint(L: 6, W: 2.5).description, "L 6, W 2.5")
        // A point that gives its own description keeps it (S1's "L=8 alpha=0.7 hx=0.3").
        XCTAssertEqual(TaskRecord.Point(L: 8, alpha: 0.7, hx: 0.3).description, "L=8 alpha=0.7 hx=0.3")
    }

    func testTheKeyFieldsReadThroughTheRecordAndTheKey() {
        var r = record(file: 1, L: 8, realization: 3, disorder: 42)
        XCTAssertEqual(r.L, 8)
        XCTAssertEqual(r.alpha, 0.7)
        XCTAssertEqual(r.seed, 5)
        XCTAssertEqual(r.realization, 3)
        XCTAssertEqual(r.key.L, 8)
        XCTAssertEqual(r.disorder, 42)
        r.origin = TaskOrigin(file: 0, block: "", row: 0)
        XCTAssertEqual(r.task.origin.file, 0)
        // Two realizations of one point are different keys; the same one from two inputs is one key.
        XCTAssertNotEqual(record(file: 0, L: 8, realization: 3).key, record(file: 0, L: 8, realization: 4).key)
        XCTAssertEqual(record(file: 0, L: 8, realization: 3).key, record(file: 1, L: 8, realization: 3).key)
    }

    func testRequireSharedNamesTheFirstRecordOfTheGroupAndTheFirstThatDiffers() throws {
        let inputs = ["a.h5", "b.h5", "c.h5"]
        let context = ReductionContext(options: ReduceOptions(inputs: inputs, output: "r.h5"), plans: [])
        let records = [record(file: 0, L: 8, realization: 0), record(file: 1, L: 6, realization: 0, entropy: 0.9),
                       record(file: 1, L: 8, realization: 1), record(file: 2, L: 8, realization: 2, entropy: 0.9)]
        func refusal(_ f: Record, _ r: Record) -> String { "L \(f.L): \(context.input(of: f)) and \(context.input(of: r)) differ" }
        // Per L: L 6 has one record; L 8's third record differs from its first.
        XCTAssertThrowsError(try context.requireShared(records, by: \.key.L, \.entropySum, refusal: refusal)) { error in
            XCTAssertEqual((error as? ReduceError)?.message, "L 8: a.h5 and c.h5 differ")
        }
        XCTAssertNoThrow(try context.requireShared(Array(records.prefix(3)), by: \.key.L, \.entropySum, refusal: refusal))
        XCTAssertNoThrow(try context.requireShared(records, by: \.key.L, \.hx, refusal: refusal))
    }
}
