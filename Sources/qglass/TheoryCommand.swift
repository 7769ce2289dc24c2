import ArgumentParser
import Foundation
import QGlass

/// `qglass theory`: evaluate the analytic and mean-field functions without a
/// campaign (local, no MPI). Bad values are one line on stderr and exit 2.
struct TheoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "theory",
        abstract: "Analytic/mean-field functions without a campaign: eta(g) and the avalanche chain (S8), the resonance model F(r) (S10a).",
        subcommands: [EtaCommand.self, ChainCommand.self, ResonanceModelCommand.self])

    /// Local: one line on stderr, exit status 2.
    static func refuse(_ s: String) -> ExitCode {
        complain("error: \(s)")
        return ExitCode(2)
    }

    /// "a,b,c" as finite numbers, or a refusal naming the option.
    static func numbers(_ csv: String, option: String) throws -> [Double] {
        let items = csv.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [Double] = []
        for t in items {
            guard let v = Double(t), v.isFinite else { throw refuse("--\(option): '\(t)' is not a finite number (expected a comma-separated list)") }
            out.append(v)
        }
        return out
    }

    /// `--convention NAME`: the raw values of the library's `ReducedCouplingConvention`
    /// (declared there once); the help text lists them from the enum.
    static var conventionHelp: ArgumentHelp { ArgumentHelp(
        "Convention of the reduced-coupling distribution (A3): "
            + ReducedCouplingConvention.allCases.map(\.rawValue).joined(separator: ", ")
            + " (default \(ReducedCouplingConvention.default.rawValue); docs/avalanche-mean-field.md section 3).",
        valueName: ReducedCouplingConvention.allCases.map(\.rawValue).joined(separator: "|")) }

    /// The convention from `--convention NAME` or the older `--normalized true|false`
    /// (true = normalized, false = as-written); both at once are refused.
    static func convention(name: String?, normalized: String?) throws -> ReducedCouplingConvention {
        if let c = name {
            guard normalized == nil else { throw refuse("--convention and --normalized are exclusive (give one)") }
            guard let conv = ReducedCouplingConvention(rawValue: c) else {
                throw refuse("--convention takes one of \(ReducedCouplingConvention.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(c)')")
            }
            return conv
        }
        return try convention(normalized)
    }

    static func convention(_ normalized: String?) throws -> ReducedCouplingConvention {
        guard let n = normalized else { return .default }
        switch n.lowercased() {
        case "true": return ReducedCouplingConvention(cliNormalized: true)
        case "false": return ReducedCouplingConvention(cliNormalized: false)
        default: throw refuse("--normalized takes true or false (got '\(n)')")
        }
    }

    struct EtaCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eta", abstract: "eta(g) of the mean-field theory by adaptive quadrature: one line per g, \"g eta(g)\" (docs/avalanche-mean-field.md).")
        @Option(help: "Couplings g > 0, comma separated.") var g: String
        @Option(help: TheoryCommand.conventionHelp) var convention: String?
        @Option(help: "Older spelling of --convention: true = normalized, false = as-written.")
        var normalized: String?

        func run() throws {
            let gs = try TheoryCommand.numbers(g, option: "g")
            if let bad = gs.first(where: { !($0 > 0) }) { throw TheoryCommand.refuse("--g: every g must be > 0 (got \(bad))") }
            let dist = ReducedCouplingDistribution(try TheoryCommand.convention(name: convention, normalized: normalized))
            for x in gs {
                do { print(AvalancheMeanField.formatEtaLine(g: x, eta: try dist.eta(x))) } catch {
                    throw TheoryCommand.refuse("eta(\(x)): \(error)")
                }
            }
        }
    }

    struct ChainCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "chain",
            abstract: "The self-consistent avalanche chain g_n = g_n0 exp((1/2) sum_{m != n} eta(g_m)), g_n0 = g10 a^(n-1): one JSON line (eta_tot, n_star, converged, iterations, ...).")
        @Option(name: .customLong("N"), help: "Number of l-bits (1...1000000).") var n: Int
        @Option(help: "Decay ratio a of the bare couplings (0 <= a < inf).") var a: Double
        @Option(help: "Bare coupling of the first l-bit (> 0).") var g10: Double
        @Option(help: TheoryCommand.conventionHelp) var convention: String?
        @Option(help: "Older spelling of --convention: true = normalized, false = as-written.") var normalized: String?

        func run() throws {
            guard n >= 1 && n <= 1_000_000 else { throw TheoryCommand.refuse("--N must be in 1...1000000 (got \(n))") }
            guard a.isFinite && a >= 0 else { throw TheoryCommand.refuse("--a must be finite and >= 0 (got \(a))") }
            guard g10.isFinite && g10 > 0 else { throw TheoryCommand.refuse("--g10 must be finite and > 0 (got \(g10))") }
            let conv = try TheoryCommand.convention(name: convention, normalized: normalized)
            do {
                let table = try EtaTable.shared(conv)
                let s = try AvalancheMeanField.solveChain(logBare: AvalancheMeanField.drhLogBare(N: n, a: a, g10: g10), table: table)
                print(AvalancheMeanField.formatChainLine(s, N: n, a: a, g10: g10, convention: conv))
            } catch let e as AvalancheMeanFieldError {
                print(AvalancheMeanField.formatChainFailureLine(e, N: n, a: a, g10: g10, convention: conv))
                throw ExitCode(1)
            }
        }
    }

    struct ResonanceModelCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "The resonance model: one line per r, \"r F(r)\" (floquet, eq. 45) or \"r F1(r)\" (hamiltonian, eq. 91) (docs/resonance-model.md).")
        @Option(help: "floquet or hamiltonian.") var kind: String
        @Option(help: "Correlation length xi: 'inf' at the transition, >= 0.01 on the MBL side, < -1/log 2 (-1.4427) on the thermal side (1/xi in (-log 2, 100], as [rm] inverse_xi).") var xi: String
        @Option(name: .customLong("Lambda"), help: "Resonance range per log, Lambda > 0.") var lambda: Double
        @Option(help: "Ranges r >= 0, comma separated.") var r: String

        func run() throws {
            guard let k = ResonanceModelTheory.Kind(rawValue: kind) else {
                throw TheoryCommand.refuse("--kind takes \(ResonanceModelTheory.Kind.allCases.map(\.rawValue).joined(separator: " or ")) (got '\(kind)')")
            }
            let xiValue: Double
            if xi.lowercased() == "inf" { xiValue = .infinity } else if let v = Double(xi), !v.isNaN { xiValue = v } else {
                throw TheoryCommand.refuse("--xi takes a number or 'inf' (got '\(xi)')")
            }
            // The same range as the config's [rm] inverse_xi: 1/xi in (-log 2, 100].
            guard ResonanceModelStudy.inverseXiAllowed(1 / xiValue) else {
                throw TheoryCommand.refuse("--xi = \(xi) out of range: 1/xi must be in (-log 2, 100] as for [rm] inverse_xi, "
                                           + "i.e. xi < -1/log 2 = -1.4427 (thermal side), xi >= 0.01 or inf")
            }
            do {
                let ranges = try ResonanceModelTheory.parseRanges(r)
                print(try ResonanceModelTheory.table(kind: k, xi: xiValue, Lambda: lambda, r: ranges), terminator: "")
            } catch let e as ResonanceModelError {
                throw TheoryCommand.refuse("\(e)")
            }
        }
    }
}
