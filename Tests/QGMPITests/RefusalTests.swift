import XCTest
import Foundation
import QGTestSupport

/// Bad input is refused before any allocation, with a clear message and exit status 2.
final class RefusalTests: XCTestCase {
    func expectRefusal(_ args: [String], ranks: Int = 2, contains: String, cwd: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let res = try MPIRun.qglass(ranks: ranks, args, cwd: cwd)
        XCTAssertEqual(res.status, 2, "expected refusal, got:\n\(res.stdout)\n\(res.stderr)", file: file, line: line)
        XCTAssertTrue(res.stderr.contains(contains), "message lacks '\(contains)':\n\(res.stderr)", file: file, line: line)
        // Rank 0 alone reports.
        XCTAssertEqual(res.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.count, 1, res.stderr, file: file, line: line)
    }

    func testExistingOutputNeedsForceOrResume() throws {
        let dir = try TestPaths.scratch("exists")
        let out = dir.appendingPathComponent("o.h5").path
        let args = ["ed", "--L", "4", "--alpha", "0.7", "--hx", "0.5", "--realizations", "1", "--seed", "1", "--out", out]
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, args).status, 0)
        try expectRefusal(args, contains: "already exists")
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, args + ["--force"]).status, 0)
    }

    func testUnknownConfigKey() throws {
        let dir = try TestPaths.scratch("unknown-key")
        let cfg = dir.appendingPathComponent("c.toml")
        try "[campaign]\nseed = 1\nrealizations = 2\n\n[lrsg]\nL = [6]\nalpha = 0.7\nhx = [0.5]\nhx_typo = 3\n".write(to: cfg, atomically: true, encoding: .utf8)
        try expectRefusal(["run", cfg.path, "--out", dir.appendingPathComponent("o.h5").path], contains: "unknown key 'hx_typo'")
        try "[campaign]\nseed = 1\nrealizations = 2\n[lrsgg]\nL = [6]\n".write(to: cfg, atomically: true, encoding: .utf8)
        try expectRefusal(["run", cfg.path, "--out", dir.appendingPathComponent("o.h5").path], contains: "unknown table [lrsgg]")
    }

    func testOutOfRangeParameters() throws {
        let dir = try TestPaths.scratch("range")
        let base = ["ed", "--realizations", "1", "--seed", "1", "--out", dir.appendingPathComponent("o.h5").path]
        try expectRefusal(base + ["--L", "8", "--alpha", "0", "--hx", "0.5"], contains: "alpha must be > 0")
        try expectRefusal(base + ["--L", "8", "--alpha", "0.7", "--hx=-0.1"], contains: "hx must be >= 0")
        try expectRefusal(base + ["--L", "1", "--alpha", "0.7", "--hx", "0.5"], contains: "out of range")
        try expectRefusal(base + ["--L", "8", "--alpha", "0.7", "--hx", "0.5", "--group-size", "3"], contains: "does not divide")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.h5").path), "no file may be created")
    }

    /// Studies that cannot use ScaLAPACK groups (the classical ones) refuse
    /// group_size > 1 before any allocation: one line naming the study, exit
    /// 2, no output file. The same config with group_size = 1 runs.
    func testStudiesWithoutGroupsRefuseGroupSize() throws {
        let dir = try TestPaths.scratch("no-groups")
        let tables = [
            ("fields", "[fields]\nL = [40]\nalpha = 0.7\nstate = [\"random\"]\n"),
            ("avalanche", "[avalanche]\nL = [50]\nalpha = [0.7]\nhx = [0.1]\nstate = [\"random\"]\nsteps = 20\n"),
            ("twoflip", "[twoflip]\nL = [50]\nalpha = [0.6]\nhx = [0.1]\nstate = [\"random\"]\n"),
            ("tempering", "[tempering]\nL = [8]\nalpha = 0.75\nT_min = 0.4\nT_max = 1.2\ntemperatures = 3\nsweeps = 8\nstages = 2\n"),
        ]
        for (study, table) in tables {
            let cfg = dir.appendingPathComponent("\(study).toml")
            let out = dir.appendingPathComponent("\(study).h5").path
            try ("[campaign]\nseed = 1\nrealizations = 1\ngroup_size = 2\n\n" + table).write(to: cfg, atomically: true, encoding: .utf8)
            try expectRefusal(["run", cfg.path, "--out", out], contains: "study '\(study)' cannot use ScaLAPACK groups")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(study): no file may be created")
            let ok = try MPIRun.qglass(ranks: 2, ["run", cfg.path, "--out", out, "--set", "campaign.group_size=1"])
            XCTAssertEqual(ok.status, 0, "\(study): " + ok.stdout + ok.stderr)
        }
    }

    /// L = 20 needs ~ 3 (2^19)^2 x 8 B = 6.6 TB per rank: refused up front.
    func testMemoryEstimateAboveRAM() throws {
        let dir = try TestPaths.scratch("memory")
        try expectRefusal(["ed", "--L", "20", "--alpha", "0.7", "--hx", "0.5", "--realizations", "1", "--seed", "1",
                           "--out", dir.appendingPathComponent("o.h5").path], contains: "memory estimate")
    }

    /// Refusals that need only the file system or the flags come before MPI
    /// starts: one line from rank 0, exit 2, no HDF5 error stack, no MPI_ABORT
    /// banner, no TOML error about a config the user did not write.
    func testCleanRefusalsOfPathsFilesAndFlagValues() throws {
        let dir = try TestPaths.scratch("clean-refusals")
        let ok = ["--L", "4", "--alpha", "0.7", "--hx", "0.5", "--realizations", "1", "--seed", "1"]
        let noise = ["H5F", "H5E", "H5D", "TOML", "MPI_ABORT", "ORTE_ERROR_LOG", "error (rank", "generated"]
        func check(_ args: [String], _ contains: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try expectRefusal(args, contains: contains, file: file, line: line)
            let res = try MPIRun.qglass(ranks: 2, args)
            for n in noise { XCTAssertFalse(res.stderr.contains(n), "'\(n)' in:\n\(res.stderr)", file: file, line: line) }
        }
        let missing = dir.appendingPathComponent("no/such/folder/o.h5").path
        try check(["ed", "--out", missing] + ok, "the folder of the output file \(missing) does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("no").path))

        let text = dir.appendingPathComponent("notes.h5").path
        try "not an HDF5 file\n".write(toFile: text, atomically: true, encoding: .utf8)
        try check(["ed", "--out", text, "--resume"] + ok, "cannot resume \(text): it is not a readable HDF5 file")

        let good = dir.appendingPathComponent("good.h5").path
        XCTAssertEqual(try MPIRun.qglass(ranks: 2, ["ed", "--out", good] + ok).status, 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = dir.appendingPathComponent("cut.h5").path
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        try check(["ed", "--out", cut, "--resume"] + ok, "cannot resume \(cut): it is not a readable HDF5 file (truncated")

        let o = dir.appendingPathComponent("o.h5").path
        let base = ["--L", "4", "--realizations", "1", "--seed", "1", "--out", o]
        for bad in ["NaN", "nan", "inf", "-inf", "abc", "0.7,", "0x1p-2"] {
            try check(["ed", "--hx", "0.5", "--alpha=\(bad)"] + base, "--alpha: ")
        }
        try check(["ed", "--alpha", "0.7", "--hx", "0.5,NaN"] + base, "--hx: 'NaN' is not a finite number")
        try check(["ed", "--alpha", "0.7", "--hx", "0.5", "--L", "4.5", "--realizations", "1", "--seed", "1", "--out", o], "--L: '4.5' is not an integer")
        try check(["fields", "--L", "50", "--alpha", "NaN", "--realizations", "1", "--seed", "1", "--out", o], "--alpha: 'NaN' is not a finite number")
        try check(["fields", "--L", "50", "--alpha", "0.7", "--phi-min", "inf", "--realizations", "1", "--seed", "1", "--out", o],
                  "--phi-min: 'inf' is not a finite number")
        XCTAssertFalse(FileManager.default.fileExists(atPath: o), "no file may be created")

        // Through the launch wrapper (mpirun -q) the refusal is exactly one line.
        let wrapper = TestPaths.repoRoot.appendingPathComponent("cluster/mpirun.sh").path
        let res = try MPIRun.run(["bash", wrapper, "-n", "2", TestPaths.qglass, "ed", "--alpha", "NaN", "--hx", "0.5"] + base)
        XCTAssertEqual(res.status, 2)
        XCTAssertEqual(res.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty },
                       ["error: --alpha: 'NaN' is not a finite number"])
    }
}
