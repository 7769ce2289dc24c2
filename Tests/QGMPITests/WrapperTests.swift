import XCTest
import Foundation
import QGTestSupport

/// The MPI, BLACS/ScaLAPACK/PBLAS and parallel-HDF5 wrappers, run under
/// mpirun by the `qglass-mpi-selftest` executable (Tests/MPISelfTest).
final class WrapperTests: XCTestCase {
    func testWrappersOnOneToFourRanks() throws {
        let exe = URL(fileURLWithPath: TestPaths.qglass).deletingLastPathComponent().appendingPathComponent("qglass-mpi-selftest").path
        for ranks in [1, 2, 3, 4] {
            let dir = try TestPaths.scratch("selftest-\(ranks)")
            let res = try MPIRun.run(["mpirun"] + MPIRun.mpirunArguments(ranks: ranks) + [exe, dir.appendingPathComponent("s.h5").path])
            XCTAssertEqual(res.status, 0, "\(ranks) ranks:\n\(res.stdout)\n\(res.stderr)")
            XCTAssertTrue(res.stdout.contains("selftest ok on \(ranks) rank(s)"), res.stdout)
        }
    }
}
