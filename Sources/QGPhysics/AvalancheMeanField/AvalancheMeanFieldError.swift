import QGNumerics

// MARK: - Errors

/// Typed failures of the mean-field numerics. Nothing in this file returns NaN silently.
public enum AvalancheMeanFieldError: Error, Equatable, CustomStringConvertible {
    /// Adaptive quadrature hit its panel limit before the error estimate met the tolerance.
    case quadratureNotConverged(estimate: Double, errorEstimate: Double, panels: Int)
    /// The self-consistent chain did not converge within the iteration limit.
    case chainNotConverged(iterations: Int, residual: Double)
    /// An input is outside the domain (negative coupling, empty chain, NaN, ...).
    case invalidInput(String)
    /// A root search in the control parameter found no sign change in its bracket.
    case noBracket(String)

    public var description: String {
        switch self {
        case let .quadratureNotConverged(v, e, n):
            return "quadrature did not converge: value \(v), error estimate \(e) after \(n) panels"
        case let .chainNotConverged(it, r):
            return "self-consistent chain did not converge: \(it) iterations, residual \(r)"
        case let .invalidInput(s): return "invalid input: \(s)"
        case let .noBracket(s): return "no sign change: \(s)"
        }
    }
}

extension AvalancheMeanFieldError {
    /// A failure of QGNumerics' quadrature as a mean-field error (same text).
    init(_ e: QuadratureError) {
        switch e {
        case let .notConverged(v, err, n): self = .quadratureNotConverged(estimate: v, errorEstimate: err, panels: n)
        case .nonFiniteBounds: self = .invalidInput("quadrature bounds must be finite")
        }
    }
}
