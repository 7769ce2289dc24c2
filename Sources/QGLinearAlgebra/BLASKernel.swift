import Foundation

/// The OpenBLAS kernel family, and the one correction qglass makes to
/// OpenBLAS's own choice.
///
/// OpenBLAS (built with DYNAMIC_ARCH, as Debian's is) picks its kernels when
/// the library is loaded, from the CPU's model number, or from
/// `OPENBLAS_CORETYPE` when that is set. A model newer than the OpenBLAS
/// release (Debian 12's 0.3.21 does not know this project's Xeon, model 207)
/// gets the generic `Prescott` kernels although the CPU has AVX2 or AVX-512:
/// DGEMM 3.1 GFLOP/s on one thread against 14.6 with `SkylakeX`
/// (docs/performance.md). Because the choice is made at load time, a process
/// can only correct it by starting again: `adoptPreferredKernel()` re-executes
/// the program (same pid, arguments and environment, plus
/// `OPENBLAS_CORETYPE`) before anything else has run, in particular before
/// MPI_Init. A user's own `OPENBLAS_CORETYPE` is always kept.
public enum BLASKernel {
    /// OpenBLAS's generic x86-64 fallback.
    public static let fallback = "Prescott"
    /// Set on the re-executed process to the family qglass picked, for the
    /// provenance attribute `blas_core_choice`.
    public static let pickMarker = "QGLASS_PICKED_OPENBLAS_CORETYPE"

    /// The kernel family for a CPU with these `/proc/cpuinfo` flags, by
    /// instruction set alone (the rule newer OpenBLAS releases apply to
    /// models they do not list): AVX-512 F/CD/BW/DQ/VL -> `SkylakeX`;
    /// AVX2 with FMA -> `Haswell`; otherwise nil (keep OpenBLAS's choice).
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        if cpuFlags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Local: the flags of the first processor in `/proc/cpuinfo` (empty
    /// where the file is missing or unreadable).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let text = cpuinfo,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// How the running kernel was chosen, recorded in every campaign file
    /// (root attribute `blas_core_choice`).
    public static var choice: String {
        let env = ProcessInfo.processInfo.environment
        if let picked = env[pickMarker], env["OPENBLAS_CORETYPE"] == picked {
            return "picked by qglass from the CPU's instruction set (OpenBLAS's default here: \(fallback))"
        }
        if let set = env["OPENBLAS_CORETYPE"], !set.isEmpty { return "OPENBLAS_CORETYPE=\(set)" }
        return "OpenBLAS's default"
    }

    /// Local, first thing in `main`, before any thread or MPI starts: when
    /// `OPENBLAS_CORETYPE` is unset, OpenBLAS loaded its generic fallback and
    /// the CPU supports a better family, re-execute this program with
    /// `OPENBLAS_CORETYPE` set to it. Returns only when there is nothing to do
    /// (nil) or when the re-execution failed (a one-line reason; the program
    /// then goes on with the fallback kernels).
    public static func adoptPreferredKernel() -> String? {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env[pickMarker] == nil,
              BLASThreads.coreName == fallback,
              let pick = preferredCoreType(cpuFlags: cpuFlags()) else { return nil }
        let exe = "/proc/self/exe"
        guard FileManager.default.isExecutableFile(atPath: exe) else { return nil }
        setenv("OPENBLAS_CORETYPE", pick, 1)
        setenv(pickMarker, pick, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv(exe, &argv)
        // Only reached when execv failed.
        let reason = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(pickMarker)
        for p in argv { free(p) }
        return "execv(\(exe)) to use OpenBLAS's \(pick) kernels failed (\(reason)); going on with \(fallback)"
    }
}
