import XCTest
import QGED

/// The mid-spectrum solver policy (QGED's `MidSpectrumPolicy`): `auto` and
/// the cost and memory models the planner and the memory check use.
final class SolverPolicyTests: XCTestCase {
    /// Bytes per rank of an L-site long-range spin glass (two parity sectors of
    /// dimension 2^(L-1), L + 1 entries per row), as study S1 asks for them.
    func bytes(L: Int, k: Int = 100, _ method: MidSpectrumMethod, groupSize g: Int = 1) -> Double {
        Double(MidSpectrumPolicy.bytesPerRank(dimension: Double(1 << (L - 1)), entriesPerRow: L + 1, sectors: 2, k: k,
                                              method: method, groupSize: g))
    }

    /// `midspectrum_method = "auto"` (issue 24): shift-invert up to L = 12,
    /// polfed (DACP) from L = 13 on, where it is measured the faster (20.5 s
    /// against 31.1 s for three L = 14 realizations, 82 s against 115 s at
    /// L = 16; shift-invert's factor does not fit a node past L = 16), so an
    /// auto L = 18 task plans in polfed's memory, under the 4 GB, with
    /// no MUMPS factor.
    func testAutoMethodIsShiftInvertUpToL12AndPolfedBeyond() {
        XCTAssertEqual(MidSpectrumPolicy.shiftInvertMaxL, 12)
        XCTAssertEqual([10, 12, 13, 14, 16, 18, 22].map { MidSpectrumPolicy.autoMethod(L: $0) },
                       [.shiftInvert, .shiftInvert, .polfed, .polfed, .polfed, .polfed, .polfed])
        let auto18 = bytes(L: 18, MidSpectrumPolicy.autoMethod(L: 18))
        XCTAssertLessThan(auto18, 4e9)
        XCTAssertLessThan(auto18, MidSpectrumPolicy.mumpsFactorBytes(dimension: Double(1 << 17)))
    }

    /// polfed: no matrix and no factor, memory O(k D): at L = 18 one rank holds
    /// less than shift-invert's factor alone, doubling k about doubles the
    /// basis term, and a group divides the basis.
    func testPolfedMemoryHasNoMatrixAndGrowsWithK() {
        let d = Double(1 << 17)
        let b1 = bytes(L: 18, .polfed), b2 = bytes(L: 18, k: 200, .polfed)
        XCTAssertLessThan(b1, MidSpectrumPolicy.mumpsFactorBytes(dimension: d))
        XCTAssertGreaterThan(bytes(L: 18, .shiftInvert), b1)
        // 100 more pairs: the planned DACP basis (2 basisFactor windowFactor k vectors) and the candidates' Ritz
        // vectors (k), each twice (V and H V, y and H y), and G and M at a leading dimension of 2m.
        let m1 = Double(PolynomialFilterSettings(count: 100).plannedBasisVectors), m2 = Double(PolynomialFilterSettings(count: 200).plannedBasisVectors)
        XCTAssertEqual(m2 - m1, 2 * 4 * 100)
        XCTAssertEqual(b2 - b1, 2 * (m2 - m1 + 100) * 8 * d + 2 * 8 * 4 * (m2 * m2 - m1 * m1), accuracy: 0.01 * (b2 - b1))
        XCTAssertLessThan(bytes(L: 18, .polfed, groupSize: 4), b1 / 2)
    }

    /// The fitted models: t = sectors c D^p, and the MUMPS fill-in 34 D^1.74
    /// bytes (2.4 GB at L = 16, the measured peak RSS it was fitted to).
    func testCostAndFillInModels() {
        let d = Double(1 << 15)
        for m in MidSpectrumMethod.allCases {
            let (c, p) = MidSpectrumPolicy.model(m)
            XCTAssertEqual(MidSpectrumPolicy.coreSeconds(dimension: d, sectors: 2, method: m), 2 * c * pow(d, p), accuracy: 1e-9)
        }
        XCTAssertEqual(MidSpectrumPolicy.mumpsFactorBytes(dimension: d) / 1e9, 2.4, accuracy: 0.1)
        // The factor dominates shift-invert's memory and is absent elsewhere.
        XCTAssertGreaterThan(bytes(L: 16, .shiftInvert) - bytes(L: 16, .filter), 0.5 * MidSpectrumPolicy.mumpsFactorBytes(dimension: d))
    }
}
