// Text formatting shared by the studies' summaries, the driver's progress
// lines and the planner.

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
