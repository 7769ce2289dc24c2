import XCTest
import QGED
@testable import QGCampaign

/// The `[campaign]` table is declared once (`CampaignSettings.parameters`,
/// issue 22, step 2): its parse, range refusals and canonical text derive
/// from the declaration.
final class ConfigCampaignTableTests: XCTestCase {
    let study = "\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = 0.1\n"

    func settings(_ campaign: String) throws -> CampaignSettings {
        try CampaignSettings.parse(ConfigDocument(text: "[campaign]\n" + campaign).table("campaign"))
    }

    func refusal(_ campaign: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try CampaignPlan(configText: "[campaign]\n" + campaign + study)
            XCTFail("accepted: \(campaign)", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// Each key's range refusal, one line naming the table, the key, the declared range and the value.
    func testRangeRefusalsNameKeyRangeAndValue() {
        let head = "seed = 1\nrealizations = 2\n"
        XCTAssertEqual(refusal("seed = -3\nrealizations = 2\n"), "config error: [campaign] seed must be >= 0 (got -3)")
        XCTAssertEqual(refusal("seed = 1\nrealizations = 0\n"),
                       "config error: [campaign] realizations must be in 1...2147483647 (got 0) (a run holds at most \(CampaignLimits.maxTasks) tasks: points x realizations)")
        XCTAssertEqual(refusal(head + "first_realization = -1\n"), "config error: [campaign] first_realization must be in 0...2147483647 (got -1)")
        XCTAssertEqual(refusal(head + "first_realization = 2147483646\n"),
                       "config error: [campaign] first_realization + realizations must be < 2^31 (got 2147483646 + 2)")
        XCTAssertEqual(refusal(head + "group_size = 0\n"), "config error: [campaign] group_size must be in 1...4096 (got 0)")
        XCTAssertEqual(refusal(head + "group_size = 4097\n"), "config error: [campaign] group_size must be in 1...4096 (got 4097)")
        XCTAssertEqual(refusal(head + "blas_threads = -1\n"), "config error: [campaign] blas_threads must be in 0...1024 (got -1)")
        XCTAssertEqual(refusal(head + "blas_threads = 1025\n"), "config error: [campaign] blas_threads must be in 0...1024 (got 1025)")
        XCTAssertEqual(refusal(head + "block_size = 1\n"), "config error: [campaign] block_size must be in 2...1024 (got 1)")
        XCTAssertEqual(refusal(head + "lapack_driver = \"qr\"\n"),
                       "config error: [campaign] lapack_driver must be one of [\"dsyevd\", \"dsyevr\"] (got 'qr')")
        // Types, a missing required key and an unknown key (first, with the closest declared key).
        XCTAssertEqual(refusal("seed = 1.5\nrealizations = 2\n"), "config error: [campaign] 'seed' must be an integer")
        XCTAssertEqual(refusal(head + "output = 3\n"), "config error: [campaign] 'output' must be a string")
        XCTAssertEqual(refusal("seed = 1\n"), "config error: [campaign] missing required key 'realizations'")
        XCTAssertTrue(refusal(head + "group_sise = 0\n").hasPrefix("config error: [campaign] unknown key 'group_sise' (did you mean 'group_size'?); allowed: "
                                                                     + CampaignSettings.parameters.map(\.key).sorted().joined(separator: ", ")))
    }

    /// The ends of each declared range are accepted, the defaults are the declared ones.
    func testRangeEndsAndDefaults() throws {
        let lo = try settings("seed = 0\nrealizations = 1\nfirst_realization = 0\ngroup_size = 1\nblas_threads = 0\nblock_size = 2\n")
        XCTAssertEqual([Int(lo.seed), lo.realizations, lo.firstRealization, lo.groupSize, lo.blasThreads, lo.blockSize], [0, 1, 0, 1, 0, 2])
        let hi = try settings("seed = 9223372036854775807\nrealizations = 2147483647\ngroup_size = 4096\nblas_threads = 1024\nblock_size = 1024\n")
        XCTAssertEqual([hi.realizations, hi.groupSize, hi.blasThreads, hi.blockSize], [2147483647, 4096, 1024, 1024])
        XCTAssertEqual(hi.seed, UInt64(Int.max))
        let d = try settings("seed = 1\nrealizations = 1\n")
        XCTAssertEqual([d.firstRealization, d.groupSize, d.blasThreads, d.blockSize], [0, 1, 1, 64])
        XCTAssertEqual(d.lapackDriver, .dsyevd)
        XCTAssertEqual(d.scalapackDriver, .pdsyevd)
        XCTAssertEqual(d.complexLapackDriver, .measuredDefault)
        XCTAssertEqual(d.complexScalapackDriver, .measuredDefault)
        XCTAssertNil(d.output)
        XCTAssertEqual(try settings("seed = 1\nrealizations = 1\noutput = \"a.h5\"\n").output, "a.h5")
    }

    /// The canonical text is the one the golden fixtures store (byte for byte), in
    /// declaration order; the output is never in it, the complex drivers only away from
    /// their defaults, and a setting changed in code (a solver path's drivers) is.
    func testCanonicalTextIsTheStoredOne() throws {
        let stored = "[campaign]\nseed = 11\nrealizations = 3\nfirst_realization = 0\ngroup_size = 1\nblas_threads = 1\n"
            + "lapack_driver = \"dsyevd\"\nscalapack_driver = \"pdsyevd\"\nblock_size = 64\n"
        XCTAssertEqual(try settings("seed = 11\nrealizations = 3\noutput = \"x.h5\"\n").canonical, stored)
        XCTAssertEqual(try settings(String(stored.dropFirst("[campaign]\n".count))).canonical, stored)
        var s = try settings("seed = 11\nrealizations = 3\ncomplex_scalapack_driver = \"pzheevd\"\n")
        XCTAssertEqual(s.canonical, stored + "complex_scalapack_driver = \"pzheevd\"\n")
        s.lapackDriver = .dsyevr
        s.realizations = 1
        XCTAssertEqual(s.canonical, stored.replacingOccurrences(of: "dsyevd\"\ns", with: "dsyevr\"\ns")
                           .replacingOccurrences(of: "realizations = 3", with: "realizations = 1") + "complex_scalapack_driver = \"pzheevd\"\n")
        // Every declared key but the output is in the canonical text of a table that sets them all.
        let all = try settings("seed = 1\nrealizations = 1\ncomplex_lapack_driver = \"zheevr\"\ncomplex_scalapack_driver = \"pzheevd\"\noutput = \"o.h5\"\n")
        let keys = all.canonical.split(separator: "\n").dropFirst().map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(keys, CampaignSettings.parameters.map(\.key).filter { $0 != "output" })
    }
}
