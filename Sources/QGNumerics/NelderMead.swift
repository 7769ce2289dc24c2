extension Statistics {
    /// Nelder-Mead minimization of f over R^d from `start` with initial
    /// simplex steps `step`. Returns the best point, value and whether the
    /// simplex shrank below `tolerance` within `maxIterations`.
    public static func nelderMead(_ f: ([Double]) -> Double, start: [Double], step: [Double],
                                  tolerance: Double = 1e-8, maxIterations: Int = 2000) -> (x: [Double], value: Double, converged: Bool) {
        let d = start.count
        var simplex = [start]
        for i in 0..<d { var p = start; p[i] += step[i]; simplex.append(p) }
        var values = simplex.map(f)
        for _ in 0..<maxIterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }; values = order.map { values[$0] }
            if abs(values[d] - values[0]) <= tolerance * (abs(values[0]) + tolerance) {
                var size = 0.0
                for p in simplex.dropFirst() { for i in 0..<d { size = max(size, abs(p[i] - simplex[0][i])) } }
                if size < 1e-6 { return (simplex[0], values[0], true) }
            }
            var centroid = [Double](repeating: 0, count: d)
            for p in simplex.dropLast() { for i in 0..<d { centroid[i] += p[i] / Double(d) } }
            func along(_ t: Double) -> [Double] { (0..<d).map { centroid[$0] + t * (simplex[d][$0] - centroid[$0]) } }
            let xr = along(-1), fr = f(xr)
            if fr < values[0] {
                let xe = along(-2), fe = f(xe)
                if fe < fr { simplex[d] = xe; values[d] = fe } else { simplex[d] = xr; values[d] = fr }
            } else if fr < values[d - 1] {
                simplex[d] = xr; values[d] = fr
            } else {
                let xc = fr < values[d] ? along(-0.5) : along(0.5)
                let fc = f(xc)
                if fc < min(fr, values[d]) {
                    simplex[d] = xc; values[d] = fc
                } else {
                    for k in 1...d {
                        simplex[k] = (0..<d).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                        values[k] = f(simplex[k])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return (simplex[best], values[best], false)
    }
}
