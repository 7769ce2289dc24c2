#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fixed logarithmic time grid of the quench studies (S5 `quench`, S6c
/// `entgrowth`), declared once: its keys `t_min`, `t_max` and `per_decade`,
/// the check t_min < t_max, and the grid itself. The studies differ only in
/// their defaults and in the cap on the times.
public struct LogTimeGrid: Sendable, Equatable {
    public let tMin: Double
    public let tMax: Double
    public let perDecade: Int

    init(tMin: Double, tMax: Double, perDecade: Int) {
        self.tMin = tMin
        self.tMax = tMax
        self.perDecade = perDecade
    }

    /// The three declarations, in this order; `cap` bounds both times.
    static func parameters(tMin: Double, tMax: Double, perDecade: Int, cap: Double) -> [Parameter] {
        [.double("t_min", lower: .above(0), upper: .atMost(cap), default: tMin, unit: "1/J", help: "first time of the log grid"),
         .double("t_max", lower: .above(0), upper: .atMost(cap), default: tMax, unit: "1/J", help: "last time of the log grid (> t_min)"),
         .int("per_decade", in: 1...100, default: perDecade, help: "time grid points per decade")]
    }

    /// The grid of a parsed table; refuses t_max <= t_min, naming the table
    /// and the cap (a power of ten).
    init(_ v: ParameterValues, cap: Double) throws {
        (tMin, tMax) = try v.increasing("t_min", "t_max", need: "0 < t_min < t_max <= 1e\(Int(log10(cap).rounded()))")
        perDecade = v.int("per_decade")
    }

    /// t_min to t_max, at least `perDecade` points per decade, evenly spaced
    /// in log t, both ends included (the last point is t_max exactly).
    public var times: [Double] {
        let decades = log10(tMax / tMin)
        let steps = max(1, Int((decades * Double(perDecade) - 1e-9).rounded(.up)))
        return (0...steps).map { k in k == steps ? tMax : tMin * pow(10, decades * Double(k) / Double(steps)) }
    }
}
