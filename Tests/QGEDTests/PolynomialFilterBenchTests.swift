import XCTest
import QGPhysics
import QGLinearAlgebra
import QGED
#if canImport(Glibc)
import Glibc
#endif

/// Issue 24, measurement only (skipped unless QGLASS_POLFED_BENCH is set):
/// H v products and basis size of the Krylov and DACP strategies on the
/// couplings of `qglass ed --model lrsg --seed 3` (realization 0, periodic),
/// alpha 0.7, h_x 1, target eps 0.5, both sectors.
/// QGLASS_POLFED_BENCH = "L:k[,L:k...]"; QGLASS_POLFED_CONFIGS = "krylov;dacp:Nw:nr:step:basis:supp[:checkEvery[:verifyVectors]][;...]";
/// QGLASS_POLFED_DENSE = 1 compares with the dense solver; QGLASS_POLFED_THREADS sets the operator's threads (default 1). Each run asserts k values equal to the
/// reference to 1e-9, unless QGLASS_POLFED_ALLOW_MISMATCH = 1 (for studying settings known to fail).
final class PolynomialFilterBenchTests: XCTestCase {
    override func setUp() { BLASThreads.set(1) }

    static func userSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6
    }

    static func wallSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    func testMeasureProducts() throws {
        guard let spec = ProcessInfo.processInfo.environment["QGLASS_POLFED_BENCH"] else { throw XCTSkip("QGLASS_POLFED_BENCH not set") }
        let configs = (ProcessInfo.processInfo.environment["QGLASS_POLFED_CONFIGS"] ?? "krylov;dacp:2:16:0.8:1.2:1e-10").split(separator: ";")
        let dense = ProcessInfo.processInfo.environment["QGLASS_POLFED_DENSE"] == "1"
        for item in spec.split(separator: ",") {
            let parts = item.split(separator: ":").map { Int($0)! }
            let L = parts[0], k = parts[1]
            var rng = CounterRNG(seed: 3, stream: StreamKey.make("lrsg|L=\(L)"), realization: 0)
            let model = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 1.0, boundary: .periodic, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
            let threads = Int(ProcessInfo.processInfo.environment["QGLASS_POLFED_THREADS"] ?? "1")!
            let ops = [1, -1].map { SerialLRSGOperator(LRSGSectorOperator(model: model, parity: $0), threads: threads) }
            let ends = try ops.map { try PolynomialFilterED.extremes($0, context: "bench") }
            let lo = ends.map(\.min).min()!, hi = ends.map(\.max).max()!
            let target = lo + 0.5 * (hi - lo)
            let parities = (ProcessInfo.processInfo.environment["QGLASS_POLFED_PARITIES"] ?? "1,-1").split(separator: ",").map { Int($0)! }
            for (i, parity) in [1, -1].enumerated() where parities.contains(parity) {
                var reference: [Double]? = nil
                var refName = "krylov"
                if dense {
                    var h = DenseMatrix(rows: model.sectorDimension, cols: model.sectorDimension, storage: model.sectorMatrix(parity: parity))
                    let w = try SymmetricEigensolver.solve(&h)
                    var lo = 0, hi = w.count
                    while hi - lo > k { if abs(w[lo] - target) > abs(w[hi - 1] - target) { lo += 1 } else { hi -= 1 } }
                    reference = Array(w[lo..<hi])
                    refName = "dense"
                }
                let density = model.gaussianSectorDensity(parity: parity, at: target)
                let a = 0.5 * (ends[i].max - ends[i].min) * 1.01
                for config in configs {
                    let f = config.split(separator: ":")
                    var s = PolynomialFilterSettings(count: k)
                    s.maxIterations = Int(ProcessInfo.processInfo.environment["QGLASS_POLFED_MAXIT"] ?? "10000")!
                    s.strategy = f[0] == "dacp" ? .dacp : .krylov
                    if f[0] == "dacp" {
                        s.strategy = .dacp
                        s.windowFactor = Double(f[1])!
                        s.startVectors = Int(f[2])!
                        s.stepFactor = Double(f[3])!
                        s.basisFactor = Double(f[4])!
                        s.suppression = Double(f[5])!
                        if f.count > 6 { s.checkEvery = Int(f[6])! }
                        if f.count > 7 { s.verifyVectors = Int(f[7])! }
                    }
                    let u0 = Self.userSeconds(), w0 = Self.wallSeconds()
                    let got = try PolynomialFilterED.solve(ops[i], target: target, spectrum: ends[i], density: density, settings: s, context: "bench")
                    let u1 = Self.userSeconds(), w1 = Self.wallSeconds()
                    if reference == nil { reference = got.values }
                    let dE = zip(got.values, reference!).map { abs($0 - $1) }.max()!
                    if dE > 1e-9 { print("POLFED mismatch target \(target)\n got \(got.values)\n ref \(reference!)") }
                    // A wrong set fails the measurement unless the run studies known-bad settings (QGLASS_POLFED_ALLOW_MISMATCH=1).
                    if ProcessInfo.processInfo.environment["QGLASS_POLFED_ALLOW_MISMATCH"] != "1" {
                        XCTAssertLessThanOrEqual(dE, 1e-9, "L \(L) k \(k) parity \(parity) \(config): values differ from \(refName)")
                    }
                    XCTAssertEqual(got.values.count, k)
                    print(String(format: "POLFED L=%d k=%d parity=%+d %@ a*rho=%.1f products=%d per-a*rho=%.2f basis=%d iterations=%d degree=%d dE_vs_%@=%.1e residual=%.1e user=%.2f wall=%.2f",
                                 L, k, parity, String(config), a * density, got.products, Double(got.products) / (a * density), got.basisSize,
                                 got.iterations, got.degree, refName, dE, got.residualMax, u1 - u0, w1 - w0))
                }
            }
        }
    }
}
