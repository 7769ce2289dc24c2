// Text formatting shared by the end-of-run summary, the driver's progress
// lines and the planner.
import Foundation

/// Right-aligns `s` in `w` columns; a negative `w` left-aligns in |w|.
func pad(_ s: String, _ w: Int) -> String {
    w < 0 ? s + String(repeating: " ", count: max(0, -w - s.count)) : String(repeating: " ", count: max(0, w - s.count)) + s
}

/// Bytes as GiB with two decimals, e.g. "1.50".
func gib(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / Double(1 << 30)) }

/// Seconds as hh:mm:ss (rounded to the second).
func hms(_ s: Double) -> String {
    let t = Int(s.rounded())
    return String(format: "%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60)
}
