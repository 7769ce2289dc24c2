import ArgumentParser
import Foundation
import QGlass

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the linked BLAS/LAPACK: DGEMM rate and dense eigensolver time (local, one process).")

    @Option(help: "Matrix dimension for DGEMM.") var gemmN = 2048
    @Option(help: "Eigensolver dimensions, comma separated (0 = skip).") var eigN = "2048"
    @Option(help: "OpenBLAS threads.") var threads = 1
    @Option(help: "Repeats (median reported).") var repeats = 3
    @Option(name: .customLong("operator-L"), help: "Also time the matrix-free LRSG sector operator (polfed's kernel) at this L (0 = skip): microseconds per vector of one fused Chebyshev step, with --threads threads.") var operatorL = 0
    @Option(help: "Vectors per block for --operator-L.") var operatorBlock = 16

    static let maxN = 32768

    /// Local: the eigensolver sizes, or a one-line refusal (before any allocation).
    func checked() throws -> [Int] {
        func refuse(_ s: String) -> ExitCode { complain("error: bench: " + s); return ExitCode(2) }
        guard (1...Self.maxN).contains(gemmN) else { throw refuse("--gemm-n must be in 1...\(Self.maxN) (got \(gemmN))") }
        guard (1...1024).contains(threads) else { throw refuse("--threads must be in 1...1024 (got \(threads))") }
        guard (1...1000).contains(repeats) else { throw refuse("--repeats must be in 1...1000 (got \(repeats))") }
        guard operatorL == 0 || (3...24).contains(operatorL) else { throw refuse("--operator-L must be 0 or in 3...24 (got \(operatorL))") }
        guard (1...256).contains(operatorBlock) else { throw refuse("--operator-block must be in 1...256 (got \(operatorBlock))") }
        var sizes: [Int] = []
        for item in eigN.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let n = Int(item), (0...Self.maxN).contains(n) else {
                throw refuse("--eig-n takes comma-separated sizes in 0...\(Self.maxN), 0 = skip (got '\(item)' in '\(eigN)')")
            }
            if n > 0 { sizes.append(n) }
        }
        // DGEMM holds 3 n^2 doubles; an eigensolve about 3 n^2 (matrix, vectors, workspace).
        let peak = 8 * 3 * max(gemmN * gemmN, (sizes.max() ?? 0) * (sizes.max() ?? 0))
        if let avail = Provenance.availableMemory(), peak > avail {
            throw refuse(String(format: "needs %.1f GiB for n = %d but %.1f GiB are available", Double(peak) / Double(1 << 30),
                                max(gemmN, sizes.max() ?? 0), Double(avail) / Double(1 << 30)))
        }
        return sizes
    }

    func run() throws {
        let sizes = try checked()
        BLASThreads.set(threads)
        var out: [String] = ["\"blas_core\": \"\(BLASThreads.coreName)\"", "\"blas_core_choice\": \"\(BLASKernel.choice)\"", "\"threads\": \(threads)"]
        out.append("\"dgemm_n\": \(gemmN)")
        out.append("\"dgemm_gflops\": \(LinearAlgebraBenchmark.dgemmGflops(n: gemmN, repeats: repeats))")
        for n in sizes {
            for d in LAPACKDriver.allCases {
                out.append("\"\(d.rawValue)_n\(n)_seconds\": \(try LinearAlgebraBenchmark.eigensolveSeconds(n: n, driver: d, repeats: repeats))")
            }
        }
        if operatorL > 0 {
            let us = LRSGSectorOperator.benchmarkMicrosecondsPerVector(L: operatorL, block: operatorBlock, threads: threads, repeats: repeats)
            out.append("\"lrsg_operator_L\(operatorL)_block\(operatorBlock)_us_per_vector\": \(us)")
        }
        print("{" + out.joined(separator: ", ") + "}")
    }
}
