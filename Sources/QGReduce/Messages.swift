import Foundation

/// Local: a warning the user must not miss, on stderr.
func warnLoudly(_ s: String) {
    FileHandle.standardError.write(Data("warning: \(s)\n".utf8))
}

/// Fixed-point text of x with d decimals; "nan" when not finite.
func fmt(_ x: Double, _ d: Int = 4) -> String { x.isFinite ? String(format: "%.\(d)f", x) : "nan" }

/// The fewest independent samples (disorder realizations, θ₀ or position
/// samples) behind an error bar in a printed report. One sample has no spread
/// (its bootstrap error prints as ±0.0000) and two give an error that is itself
/// uncertain by ~100 %; below this count the reports print "–" for the error and
/// say why in a footnote (`fewSamplesNote`). The reduced file keeps the computed
/// value either way. Declared here only; docs/design.md ("Tests" and reports) quotes it.
public let minimumSamplesForError = 3

/// Text of an error estimated from `samples` samples: fmt(e, d), or "–" below
/// minimumSamplesForError.
func fmtErr(_ e: Double, samples: Int, _ d: Int = 4) -> String {
    samples < minimumSamplesForError ? "–" : fmt(e, d)
}

/// The footnote of a report some of whose rows have fewer than
/// minimumSamplesForError samples; nil when none has.
func fewSamplesNote(_ counts: [Int], what: String = "realizations") -> String? {
    guard let low = counts.min(), low < minimumSamplesForError else { return nil }
    return "–: no error shown for fewer than \(minimumSamplesForError) \(what) (fewest here: \(low)); run more for an error bar"
}
