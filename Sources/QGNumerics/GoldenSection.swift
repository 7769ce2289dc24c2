extension Statistics {
    /// The minimum of a function of one variable: f on the sorted, non-empty
    /// `grid`, then a golden-section search in the bracket around the best grid
    /// point (its neighbours, or the grid's end), shrunk `iterations` times by
    /// the golden ratio. Returns the bracket's midpoint.
    public static func minimizeOnGrid(_ f: (Double) throws -> Double, grid: [Double], iterations: Int = 40) rethrows -> Double {
        precondition(!grid.isEmpty, "minimizeOnGrid needs a grid")
        let values = try grid.map(f)
        let best = values.indices.min { values[$0] < values[$1] }!
        var x0 = grid[max(0, best - 1)], x1 = grid[min(grid.count - 1, best + 1)]
        let r = (5.0.squareRoot() - 1) / 2
        var c = x1 - r * (x1 - x0), d = x0 + r * (x1 - x0)
        var fc = try f(c), fd = try f(d)
        for _ in 0..<iterations {
            if fc < fd { x1 = d; d = c; fd = fc; c = x1 - r * (x1 - x0); fc = try f(c) }
            else { x0 = c; c = d; fc = fd; d = x0 + r * (x1 - x0); fd = try f(d) }
        }
        return (x0 + x1) / 2
    }
}
