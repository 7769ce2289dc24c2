import XCTest
import Foundation
import QGCampaign
import QGTestSupport

/// The study registry is generated at build time (issue 22): study-registry-gen
/// (Plugins/StudyRegistryPlugin) writes `StudyRegistry.all` from one
/// `// @RegisteredStudy(Type, order: N)` line per study in
/// Sources/QGCampaign/Studies/. These tests run the built generator on
/// scratch folders and check the list it writes and the errors it refuses with.
final class GeneratedRegistryTests: XCTestCase {
    /// The generator, built beside this test bundle (the plugin's tool).
    static var generator: String {
        #if os(Linux)
        let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        #else
        let products = Bundle(for: GeneratedRegistryTests.self).bundleURL.deletingLastPathComponent()
        #endif
        // The executable target, or the host build of it that the plugin runs.
        let plain = products.appendingPathComponent("study-registry-gen").path
        return FileManager.default.isExecutableFile(atPath: plain) ? plain : plain + "-tool"
    }

    /// A scratch folder holding the given files.
    func folder(_ name: String, _ files: [String: String]) throws -> URL {
        let dir = try TestPaths.scratch("registry-gen-\(name)")
        for (file, text) in files { try text.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        return dir
    }

    /// Runs the generator on every .swift file of `dir`, writing `dir/out/Registry.swift`.
    func generate(_ dir: URL) throws -> (ProcessResult, output: URL) {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }.sorted()
        let output = dir.appendingPathComponent("out/Registry.swift")
        let r = try MPIRun.run([Self.generator, output.path] + files.map { dir.appendingPathComponent($0).path }, timeout: 120)
        return (r, output)
    }

    /// The `X.self` entries of a generated registry, in order.
    func entries(_ generated: String) -> [String] {
        generated.split(separator: "\n").compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard let dot = t.range(of: ".self,") else { return nil }
            return String(t[..<dot.lowerBound])
        }
    }

    let good: [String: String] = [
        "BetaStudy.swift": """
            import Foundation
            // @RegisteredStudy(BetaStudy, order: 3)
            /// Doc comment of the study.
            public struct BetaStudy: GridStudy, InputCheckingStudy {
                public struct Point: Sendable, Hashable { var L: Int }
            }
            """,
        "ChainStudy.swift": """
            public protocol ChainModel { static var name: String { get } }
            public struct ChainStudy<Model: ChainModel>: GridStudy {
            }
            // @RegisteredStudy(AlphaChainStudy, order: 1)
            public typealias AlphaChainStudy = ChainStudy<AlphaModel>
            // @RegisteredStudy(GammaChainStudy, order: 7)
            public typealias GammaChainStudy = ChainStudy<GammaModel>
            """,
        // A helper file of the folder declares no study and needs no marker.
        "Helpers.swift": "struct Options: Sendable, Equatable { var x = 1 }\n",
    ]

    func testTheMarkersGiveTheListInTheirOrder() throws {
        let dir = try folder("good", good)
        let (r, output) = try generate(dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let text = try String(contentsOf: output, encoding: .utf8)
        XCTAssertTrue(text.contains("public static let all: [any Study.Type] = ["), text)
        XCTAssertEqual(entries(text), ["AlphaChainStudy", "BetaStudy", "GammaChainStudy"])
    }

    func testAStudyWithoutItsMarkerIsRefusedNamingTheFile() throws {
        var files = good
        files["DeltaStudy.swift"] = "import Foundation\n\n/// A study someone forgot to mark.\nstruct DeltaStudy: DeclaredStudy {\n}\n"
        // A generic study whose file marks no typealias of it.
        files["OpenStudy.swift"] = "public struct OpenStudy<M: ChainModel>: GridStudy {\n}\npublic typealias Unmarked = OpenStudy<AlphaModel>\n"
        let dir = try folder("missing", files)
        let (r, output) = try generate(dir)
        XCTAssertEqual(r.status, 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            dir.appendingPathComponent("DeltaStudy.swift").path
                + ":4: error: DeltaStudy is a study but the file has no '// @RegisteredStudy(DeltaStudy, order: N)' marker (docs/adding-a-study.md)",
            dir.appendingPathComponent("OpenStudy.swift").path
                + ":1: error: OpenStudy is a study but the file has no '// @RegisteredStudy(OpenStudy, order: N)' marker (docs/adding-a-study.md)",
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing is written on an error")
    }

    func testATypeOrAnOrderMarkedTwiceIsRefusedNamingBothFiles() throws {
        var files = good
        files["ZetaStudy.swift"] = "// @RegisteredStudy(BetaStudy, order: 9)\n// @RegisteredStudy(ZetaStudy, order: 7)\nstruct ZetaStudy: GridStudy {}\n"
        let dir = try folder("duplicate", files)
        let (r, output) = try generate(dir)
        XCTAssertEqual(r.status, 2)
        let beta = dir.appendingPathComponent("BetaStudy.swift").path
        let chain = dir.appendingPathComponent("ChainStudy.swift").path
        let zeta = dir.appendingPathComponent("ZetaStudy.swift").path
        XCTAssertEqual(r.stderr.split(separator: "\n").map(String.init), [
            "\(zeta):1: error: study BetaStudy is marked twice (also \(beta):2)",
            "\(zeta):2: error: order 7 of ZetaStudy is taken by GammaChainStudy (\(chain):6)",
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testAMalformedMarkerIsRefused() throws {
        var files = good
        files["EtaStudy.swift"] = "// @RegisteredStudy(EtaStudy order 4)\nstruct EtaStudy: GridStudy {}\n"
        let dir = try folder("malformed", files)
        let (r, _) = try generate(dir)
        XCTAssertEqual(r.status, 2)
        let eta = dir.appendingPathComponent("EtaStudy.swift").path
        XCTAssertEqual(r.stderr.split(separator: "\n").map(String.init), [
            "\(eta):1: error: malformed study marker '// @RegisteredStudy(EtaStudy order 4)'; the form is '// @RegisteredStudy(TypeName, order: N)'",
            "\(eta):2: error: EtaStudy is a study but the file has no '// @RegisteredStudy(EtaStudy, order: N)' marker (docs/adding-a-study.md)",
        ])
    }

    /// The shipped Studies/ folder: the generator accepts it and lists every
    /// study the built registry holds, and no two studies share a table name.
    func testTheShippedStudiesFolderGivesTheBuiltRegistry() throws {
        let studies = TestPaths.repoRoot.appendingPathComponent("Sources/QGCampaign/Studies")
        let files = try FileManager.default.contentsOfDirectory(atPath: studies.path).filter { $0.hasSuffix(".swift") }.sorted()
        let output = try TestPaths.scratch("registry-gen-shipped").appendingPathComponent("Registry.swift")
        let r = try MPIRun.run([Self.generator, output.path] + files.map { studies.appendingPathComponent($0).path }, timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let listed = entries(try String(contentsOf: output, encoding: .utf8))
        XCTAssertEqual(listed.count, StudyRegistry.all.count)
        XCTAssertEqual(listed.first, "LRSGStudy")
        XCTAssertEqual(StudyRegistry.all.first?.name, LRSGStudy.name)
        XCTAssertEqual(Set(StudyRegistry.all.map { $0.name }).count, StudyRegistry.all.count, "two studies share a table name")
    }
}
