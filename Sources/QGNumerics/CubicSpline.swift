/// Natural cubic spline through y_i at the uniform grid t_i = start + i h.
public enum UniformCubicSpline {
    /// The second derivatives m_i of the natural spline (m_0 = m_{n-1} = 0),
    /// by the Thomas algorithm on m_{i-1} + 4 m_i + m_{i+1} = 6 (y_{i+1} - 2 y_i + y_{i-1}) / h^2.
    public static func naturalSecondDerivatives(_ y: [Double], spacing h: Double) -> [Double] {
        let n = y.count
        var m = [Double](repeating: 0, count: n)
        guard n > 2 else { return m }
        var c = [Double](repeating: 0, count: n), d = [Double](repeating: 0, count: n)
        // rows i = 1..n-2: m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] + y[i-1]) / h^2
        for i in 1..<(n - 1) {
            let rhs = 6 * (y[i + 1] - 2 * y[i] + y[i - 1]) / (h * h)
            let denom = 4 - (i > 1 ? c[i - 1] : 0)
            c[i] = 1 / denom
            d[i] = (rhs - (i > 1 ? d[i - 1] : 0)) / denom
        }
        m[n - 2] = d[n - 2]
        if n > 3 { for i in stride(from: n - 3, through: 1, by: -1) { m[i] = d[i] - c[i] * m[i + 1] } }
        return m
    }

    /// (value, derivative) of the spline at t; outside the grid, the end
    /// cubic is continued.
    @inlinable
    public static func evaluate(_ y: [Double], secondDerivatives m: [Double], spacing h: Double, start: Double,
                                at t: Double) -> (value: Double, slope: Double) {
        var i = Int(((t - start) / h).rounded(.down))
        i = min(max(i, 0), y.count - 2)
        let a = (start + Double(i + 1) * h - t) / h
        let b = 1 - a
        let v = a * y[i] + b * y[i + 1] + ((a * a * a - a) * m[i] + (b * b * b - b) * m[i + 1]) * h * h / 6
        let dv = (y[i + 1] - y[i]) / h + (-(3 * a * a - 1) * m[i] + (3 * b * b - 1) * m[i + 1]) * h / 6
        return (v, dv)
    }
}
