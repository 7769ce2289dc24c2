import XCTest
@testable import QGCampaign

/// The columns several studies write are declared once (StandardColumns.swift):
/// every study that writes one of them writes the one declaration.
final class StandardColumnsTests: XCTestCase {
    /// Every dataset of every registered study's example blocks, with the study's name.
    func allDatasets() throws -> [(study: String, spec: DatasetSpec)] {
        try StudyRegistry.all.flatMap { s in
            try StudySchema.example(s).blocks.flatMap { b in b.datasets.map { (s.name, $0) } }
        }
    }

    func assertSame(_ a: DatasetSpec, _ b: DatasetSpec, _ study: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.type, b.type, "\(study): \(a.name)", file: file, line: line)
        XCTAssertEqual(a.rowShape, b.rowShape, "\(study): \(a.name)", file: file, line: line)
        XCTAssertEqual(a.units, b.units, "\(study): \(a.name)", file: file, line: line)
        XCTAssertEqual(a.description, b.description, "\(study): \(a.name)", file: file, line: line)
    }

    /// realization, point, the eigenpair checks, e_min/e_max, eps, m_ea, the
    /// classical chain's disorder_stream and J, times, a chain's alpha, n_star: one type, shape,
    /// unit and wording wherever a study writes them.
    func testEveryStudyWritesTheSharedDeclaration() throws {
        let all = try allDatasets()
        var seen: Set<String> = []
        let checks = DatasetSpec.eigenpairChecks(energyUnits: "")
        for (study, d) in all {
            seen.insert(d.name)
            switch d.name {
            case "realization":
                XCTAssertEqual(d.units, "", study)
                XCTAssertEqual(d.type, .int64, study)
                XCTAssertTrue(d.description.hasPrefix(DatasetSpec.realization().description), "\(study): \(d.description)")
            case "point":
                XCTAssertEqual(d.units, "", study)
                XCTAssertEqual(d.type, .int64, study)
                XCTAssertTrue(d.description.hasPrefix("index of ") && d.description.hasSuffix(" in the config's point list"),
                              "\(study): \(d.description)")
            case "residual_max":
                XCTAssertEqual(d.description, checks[0].description, study)
            case "orthogonality_max":
                assertSame(d, checks[1], study)
            case "e_min", "e_max":
                XCTAssertEqual(d.units, "J", study)
                let ends = DatasetSpec.spectrumEnds(units: "J", of: "")
                XCTAssertTrue(d.description.hasPrefix(ends[d.name == "e_min" ? 0 : 1].description), "\(study): \(d.description)")
            case "eps":
                assertSame(d, .energyDensity(d.rowShape[0]), study)
            case "m_ea":
                assertSame(d, DatasetSpec.gapRatioAndEdwardsAnderson(d.rowShape[0])[1], study)
            case "disorder_stream" where study != "emch_radin":   // emch_radin's stream draws positions, not J
                assertSame(d, .classicalDisorderStream, study)
            case "J":
                assertSame(d, .couplings(L: d.rowShape[0]), study)
            case "times":
                assertSame(d, .logTimes(d.rowShape[0]), study)
            case "alpha" where d.rowShape.isEmpty:   // emch_radin's alpha [nA] lists a block's exponents
                assertSame(d, .interactionExponent, study)
            case "n_star":
                assertSame(d, .nStar, study)
            case "seconds_build":
                XCTAssertTrue(d.description.hasPrefix(DatasetSpec.denseEDSeconds()[0].description), study)
            case "seconds_solve":
                XCTAssertTrue(d.description.hasPrefix(DatasetSpec.solveSeconds().description), study)
            default:
                break
            }
        }
        // The example configs reach every shared column (so the loop above checked each).
        for name in ["realization", "point", "residual_max", "orthogonality_max", "e_min", "eps", "m_ea", "disorder_stream", "times",
                     "seconds_build", "seconds_solve"] {
            XCTAssertTrue(seen.contains(name), name)
        }
    }

    /// The rows helpers fill exactly the names the columns declare.
    func testStandardRowsMatchTheColumnNames() {
        let task = TaskSpec(index: 0, block: 0, row: 0, point: 3, realization: 7, cost: 1)
        XCTAssertEqual(Set(StandardRows.identity(task).keys), [DatasetSpec.realization().name, DatasetSpec.point().name])
        guard case .int64(let r) = StandardRows.identity(task)["realization"], case .int64(let p) = StandardRows.identity(task)["point"] else {
            return XCTFail("identity rows are int64")
        }
        XCTAssertEqual(r, [7])
        XCTAssertEqual(p, [3])
        let ed = StandardRows.denseED(residual: 1e-13, orthogonality: 2e-14, build: 0.5, solve: 1.5)
        XCTAssertEqual(Set(ed.keys), Set((DatasetSpec.eigenpairChecks(energyUnits: "J") + DatasetSpec.denseEDSeconds()).map(\.name)))
    }
}
