#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Evenly spaced grids, declared once for the studies and the physics that
/// sample a curve on n points between two ends (n >= 2).
public enum Grid {
    /// n points a + (b - a) k/(n-1), k = 0..n-1: a first, b last (up to rounding).
    public static func linear(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
    }

    /// n points exp(log a + (log b - log a) k/(n-1)), k = 0..n-1, evenly spaced
    /// in log (a, b > 0): a first, b last up to the rounding of exp(log b).
    public static func logarithmic(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        (0..<n).map { exp(log(a) + (log(b) - log(a)) * Double($0) / Double(n - 1)) }
    }
}
