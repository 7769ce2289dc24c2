import Foundation

/// Local: a warning the user must not miss, on stderr.
func warnLoudly(_ s: String) {
    FileHandle.standardError.write(Data("warning: \(s)\n".utf8))
}

/// Fixed-point text of x with d decimals; "nan" when not finite.
func fmt(_ x: Double, _ d: Int = 4) -> String { x.isFinite ? String(format: "%.\(d)f", x) : "nan" }
