import ArgumentParser
import Foundation
import QGlass

struct ReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reduce",
        abstract: "Merge campaign files into disorder averages, crossings and collapses (collective; under mpirun the reading is spread over ranks).",
        discussion: """
        Each study reduces its own files: the inputs' study attribute picks the study's reducer from the registry. \
        Strict by default: a missing, unreadable or damaged input, a reduced file, a file of another study, \
        of a study this qglass does not know or cannot reduce, or of a newer schema_version, \
        an unfinished campaign or a corrupt task is an error (exit status 2, one line per problem). \
        The output is never an input (compared by device and inode) and is written through a temporary file \
        renamed at the end.
        """)

    @Argument(help: "Campaign HDF5 files (several sizes, jobs, array tasks or resumed runs).") var inputs: [String]
    @Option(help: "Reduced HDF5 file.") var out: String
    @Option(help: "Bootstrap resamples of realizations, \(ReduceOptions.bootstrapRange.lowerBound)...\(ReduceOptions.bootstrapRange.upperBound) (their memory, resamples x realizations per point, is checked against the available memory).") var bootstrap = 200
    @Option(help: "S1 (lrsg, with its S6a entanglement), chains (xxz, heisenberg_o3) and S8 drh: eps window lo,hi of the eigenstate averages, inside [0, 1] (eps = (E - E_min)/(E_max - E_min); a warning otherwise); S1 uses whole histogram bins whose centre lies in [lo, hi) (a warning when that moves an edge).") var epsWindow = "0.4,0.6"
    @Option(help: "S1 and chains: disorder average, 'realization' (mean of per-realization means, the default) or 'pooled' (all eigenstates of all realizations together).") var average = "realization"
    @Option(help: "S2: |phi| window lo,hi of the power-law fit of p(phi); lo = auto picks the smallest well-sampled bin.") var phiFitWindow = "auto,1"
    @Option(help: "S3: growth-exponent fit window lo,hi as fractions of the steps.") var growthWindow = "0.01,1"
    @Flag(help: "Overwrite an existing output file (never an input).") var force = false
    @Flag(help: "Accept unfinished campaigns (task counts are printed and stored) and skip corrupt tasks (each named).") var allowPartial = false

    /// Local: one line on stderr (rank 0 only) and exit status 2.
    func refuse(_ s: String) -> ExitCode {
        if launcherRank == 0 { complain("error: \(s)") }
        return ExitCode(2)
    }

    func run() throws {
        let w = epsWindow.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard w.count == 2, w.allSatisfy(\.isFinite) else { throw refuse("--eps-window takes lo,hi (two numbers), got '\(epsWindow)'") }
        guard let avg = DisorderAverage(rawValue: average) else {
            throw refuse("--average takes \(DisorderAverage.allCases.map(\.rawValue).joined(separator: " or ")), got '\(average)'")
        }
        var options = ReduceOptions(inputs: inputs, output: out)
        options.bootstrapSamples = bootstrap
        if let why = options.bootstrapRefusal { throw refuse(why) }
        options.epsWindow = (w[0], w[1])
        options.force = force
        options.allowPartial = allowPartial
        options.average = avg
        let pw = phiFitWindow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pw.count == 2, let phiHi = Double(pw[1]), pw[0] == "auto" || Double(pw[0]) != nil else {
            throw refuse("--phi-fit-window takes lo,hi (lo may be 'auto'), got '\(phiFitWindow)'")
        }
        options.phiFitMin = Double(pw[0])
        options.phiFitMax = phiHi
        let gw = growthWindow.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard gw.count == 2, gw[0] >= 0, gw[0] < gw[1], gw[1] <= 1 else { throw refuse("--growth-window takes lo,hi with 0 <= lo < hi <= 1, got '\(growthWindow)'") }
        options.growthWindow = (gw[0], gw[1])
        var status: Int32 = 0
        do {
            status = try MPIEnvironment.run { world in
                do {
                    return try Reducer.run(world: world, options: options, log: { if world.rank == 0 { say($0) } })
                } catch let e as ReduceError {
                    if world.rank == 0 { for line in e.message.split(separator: "\n") { complain("error: \(line)") } }
                    return 2
                }
            }
        } catch {
            complain("error: \(error)")
            status = 1
        }
        if status != 0 { throw ExitCode(status) }
    }
}
