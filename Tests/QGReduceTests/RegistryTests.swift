import XCTest
import Foundation
import QGCampaign
import QGTestSupport
@testable import QGReduce

/// The reducer registry (issue 11, item 2): every registered study has a
/// reducer and a plot entry that exists in python/, found without any switch
/// on study names.
final class RegistryTests: XCTestCase {
    func testEveryRegisteredStudyHasAReducerAndAPlotEntryThatExists() throws {
        XCTAssertEqual(ReducibleStudies.all.map { $0.name }, StudyRegistry.all.map { $0.name })
        for study in ReducibleStudies.all {
            let parts = study.plotEntry.split(separator: ":").map(String.init)
            XCTAssertEqual(parts.count, 2, "\(study.name): plot entry \(study.plotEntry) is not module:function")
            let module = TestPaths.repoRoot.appendingPathComponent("python/\(parts[0]).py")
            let text = try String(contentsOf: module, encoding: .utf8)
            XCTAssertTrue(text.contains("\ndef \(parts[1])(f, save"), "\(study.name): \(module.path) has no def \(parts[1])(f, save, ...)")
        }
    }

    func testFindNamesTheStudy() throws {
        for study in StudyRegistry.all {
            XCTAssertEqual(try ReducibleStudies.find(study.name).get().name, study.name)
        }
        guard case .failure(let e) = ReducibleStudies.find("nosuch") else { return XCTFail("an unknown study was found") }
        XCTAssertTrue(e.message.hasPrefix("study 'nosuch' is not known to this qglass (its studies: lrsg, "), e.message)
    }

    func testSchemaVersionNewerThanTheBuildIsRefused() {
        let v = Provenance.schemaVersion
        XCTAssertNil(ReducibleStudies.schemaRefusal(v))
        XCTAssertNil(ReducibleStudies.schemaRefusal(v - 1))
        XCTAssertEqual(ReducibleStudies.schemaRefusal(v + 1), "schema_version \(v + 1) is newer than this qglass reads (up to \(v)); use a newer qglass")
        XCTAssertEqual(ReducibleStudies.schemaRefusal(nil), "has no 'schema_version' attribute; not a file written by qglass")
    }

    /// The plot dispatcher knows the schema this build writes.
    func testPlotScriptReadsTheSchemaThisBuildWrites() throws {
        let script = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("python/qglass_plot.py"), encoding: .utf8)
        XCTAssertTrue(script.contains("\nSCHEMA_VERSION = \(Provenance.schemaVersion)\n"),
                      "python/qglass_plot.py SCHEMA_VERSION must equal Provenance.schemaVersion (\(Provenance.schemaVersion))")
    }
}
