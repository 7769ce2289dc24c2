import XCTest
import QGLinearAlgebra

/// The OpenBLAS kernel family qglass adopts where OpenBLAS fell back to its
/// generic kernels (issue 21 §5: the complex path's goal on this project's
/// machines, whose CPU model Debian's OpenBLAS 0.3.21 does not know).
final class BLASKernelTests: XCTestCase {
    func testFamilyFollowsTheInstructionSet() {
        let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        XCTAssertEqual(BLASKernel.preferredCoreType(cpuFlags: avx512), "SkylakeX")
        // AVX-512 foundation alone (no BW/DQ/VL, as on Knights Landing) is not SkylakeX.
        XCTAssertEqual(BLASKernel.preferredCoreType(cpuFlags: ["avx", "avx2", "fma", "avx512f", "avx512cd"]), "Haswell")
        XCTAssertEqual(BLASKernel.preferredCoreType(cpuFlags: ["sse4_2", "avx", "avx2", "fma"]), "Haswell")
        XCTAssertNil(BLASKernel.preferredCoreType(cpuFlags: ["sse4_2", "avx", "avx2"]), "AVX2 without FMA")
        XCTAssertNil(BLASKernel.preferredCoreType(cpuFlags: ["sse4_2", "avx"]))
        XCTAssertNil(BLASKernel.preferredCoreType(cpuFlags: []))
    }

    func testCPUFlagsAreReadFromTheFirstProcessor() {
        let text = """
        processor\t: 0
        model name\t: Intel(R) Xeon(R) Processor
        flags\t\t: fpu sse4_2 avx avx2 fma avx512f
        bugs\t\t: spectre_v1

        processor\t: 1
        flags\t\t: fpu
        """
        XCTAssertEqual(BLASKernel.cpuFlags(cpuinfo: text), ["fpu", "sse4_2", "avx", "avx2", "fma", "avx512f"])
        XCTAssertEqual(BLASKernel.cpuFlags(cpuinfo: "processor : 0\n"), [])
        XCTAssertEqual(BLASKernel.cpuFlags(cpuinfo: nil), [])
    }
}
