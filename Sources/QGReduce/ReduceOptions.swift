import Foundation
import QGNumerics

/// What `qglass reduce` was asked to do.
public struct ReduceOptions: Sendable {
    public var inputs: [String]
    public var output: String
    public var bootstrapSamples = 200
    /// The range of `--bootstrap`, declared once (`reduce --help`,
    /// docs/cluster.md "Size limits"): the resampled index sets hold
    /// samples x realizations integers per point.
    public static let bootstrapRange = 2...100_000
    /// Bytes per (bootstrap sample, realization) while a point is reduced:
    /// the resampled index (8 bytes in an array of arrays) and its share of
    /// the replicate arrays, an upper bound.
    public static let bootstrapBytesPerSampleAndRealization = 16
    public var epsWindow: (lo: Double, hi: Double) = (0.4, 0.6)
    public var force = false
    /// S2: power-law fit window of p_inf(|phi|): lower edge (nil = automatic,
    /// see docs/classical.md) and upper edge.
    public var phiFitMin: Double? = nil
    public var phiFitMax = 1.0
    /// S2: fewest counts per bin and size for the automatic fit window.
    public var minBinCount = 10
    /// S3: growth-exponent fit window, as fractions of the number of steps
    /// (capped where the mean count reaches L/2).
    public var growthWindow: (lo: Double, hi: Double) = (0.01, 1.0)
    /// Accept unfinished campaigns (their task counts are printed and stored)
    /// and skip tasks marked done whose data are corrupt (each one named).
    public var allowPartial = false
    /// S1 and the chain studies: how eigenstates of different realizations are combined.
    public var average: DisorderAverage = .perRealization
    public init(inputs: [String], output: String) { self.inputs = inputs; self.output = output }

    /// The range of the energy density eps = (E - E_min)/(E_max - E_min) of a
    /// realization's spectrum: an eps window is meaningful inside it only.
    public static let epsRange: ClosedRange<Double> = 0...1

    /// A warning for an eps window that reaches outside `epsRange` (it is used
    /// as given: outside there are no eigenstates), or nil.
    public static func epsWindowWarning(_ w: (lo: Double, hi: Double)) -> String? {
        guard w.lo < epsRange.lowerBound || w.hi > epsRange.upperBound else { return nil }
        return "--eps-window \(w.lo),\(w.hi) reaches outside [\(epsRange.lowerBound), \(epsRange.upperBound)], the range of "
            + "eps = (E - E_min)/(E_max - E_min); no eigenstate lies there (the averages use the part inside)"
    }
}

extension ReduceOptions {
    /// Local, before any input is read: `--bootstrap` outside its range, in one line.
    public var bootstrapRefusal: String? {
        if bootstrapSamples < Self.bootstrapRange.lowerBound { return "--bootstrap needs at least \(Self.bootstrapRange.lowerBound) samples (got \(bootstrapSamples))" }
        if bootstrapSamples > Self.bootstrapRange.upperBound {
            return "--bootstrap \(bootstrapSamples) exceeds the cap of \(Self.bootstrapRange.upperBound) resamples (their index sets take resamples x realizations integers per point)"
        }
        return nil
    }

    /// Local: the bootstrap's memory for points of up to `realizations`
    /// realizations against `available` bytes, in one line, or nil.
    public func bootstrapMemoryRefusal(realizations: Int, available: Double?) -> String? {
        let need = Double(bootstrapSamples) * Double(max(realizations, 1)) * Double(Self.bootstrapBytesPerSampleAndRealization)
        guard let available, need > available else { return nil }
        return String(format: "--bootstrap %d resamples of up to %d realizations per point need about %.1f GiB, over the %.1f GiB available; use fewer resamples",
                      bootstrapSamples, realizations, need / Double(1 << 30), available / Double(1 << 30))
    }
}

/// A reduction that cannot proceed (e.g. inputs that disagree on a point's
/// configuration). `message` holds one line per problem (e.g. per bad input file).
public struct ReduceError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
