// Text formatting shared by the studies' summaries, the driver's progress
// lines and the planner.
import Foundation

/// Right-aligns `s` in `w` columns; a negative `w` left-aligns in |w|.
func pad(_ s: String, _ w: Int) -> String {
    w < 0 ? s + String(repeating: " ", count: max(0, -w - s.count)) : String(repeating: " ", count: max(0, w - s.count)) + s
}
func format6(_ x: Double, _ digits: Int = 4) -> String {
    let f = pow10(digits)
    let v = (x * f).rounded() / f
    var s = "\(v)"
    if let dot = s.firstIndex(of: ".") {
        let frac = s[s.index(after: dot)...].count
        if frac < digits { s += String(repeating: "0", count: digits - frac) }
    }
    return s
}
func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { a, _ in a * 10 } }

/// Bytes as GiB with two decimals, e.g. "1.50".
func gib(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / Double(1 << 30)) }

/// Seconds as hh:mm:ss (rounded to the second).
func hms(_ s: Double) -> String {
    let t = Int(s.rounded())
    return String(format: "%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60)
}
