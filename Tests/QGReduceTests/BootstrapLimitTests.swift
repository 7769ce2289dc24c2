import XCTest
@testable import QGReduce

/// Issue 21, item 2.2: `reduce --bootstrap N` is capped (declared once in
/// `ReduceOptions.bootstrapRange`) and its memory is checked before any input is read.
final class BootstrapLimitTests: XCTestCase {
    func testRangeAndMemory() throws {
        var o = ReduceOptions(inputs: [], output: "r.h5")
        o.bootstrapSamples = 200
        XCTAssertNil(o.bootstrapRefusal)
        o.bootstrapSamples = 1
        XCTAssertEqual(o.bootstrapRefusal, "--bootstrap needs at least 2 samples (got 1)")
        o.bootstrapSamples = ReduceOptions.bootstrapRange.upperBound + 1
        XCTAssertTrue(try XCTUnwrap(o.bootstrapRefusal).contains("exceeds the cap of \(ReduceOptions.bootstrapRange.upperBound)"))
        // 1e5 resamples of 1000 realizations: 16 bytes each, 1.49 GiB.
        o.bootstrapSamples = 100_000
        let need = 100_000.0 * 1000 * Double(ReduceOptions.bootstrapBytesPerSampleAndRealization)
        XCTAssertNil(o.bootstrapMemoryRefusal(realizations: 1000, available: need * 1.01))
        let why = try XCTUnwrap(o.bootstrapMemoryRefusal(realizations: 1000, available: need / 2))
        XCTAssertTrue(why.contains("--bootstrap 100000 resamples of up to 1000 realizations per point need about 1.5 GiB, over the 0.7 GiB available"), why)
    }
}
