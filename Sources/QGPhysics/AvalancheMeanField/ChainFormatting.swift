extension AvalancheMeanField {
    // MARK: CLI formatting (`qglass theory eta`, `qglass theory chain`)

    /// One line of `qglass theory eta`: "g eta(g)", both as shortest round-trip decimals.
    public static func formatEtaLine(g: Double, eta: Double) -> String { "\(g) \(eta)" }

    static func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

    /// One JSON line of `qglass theory chain` for a converged solve.
    public static func formatChainLine(_ s: ChainSolution, N: Int, a: Double, g10: Double,
                                       convention: ReducedCouplingConvention) -> String {
        "{\"eta_tot\":\(jsonNumber(s.etaTotal)),\"n_star\":\(jsonNumber(s.nStar)),\"converged\":\(s.converged)," +
        "\"iterations\":\(s.iterations),\"residual\":\(jsonNumber(s.residual)),\"N\":\(N),\"a\":\(jsonNumber(a))," +
        "\"g10\":\(jsonNumber(g10)),\"convention\":\"\(convention.rawValue)\"}"
    }

    /// The JSON line when the solve failed (the CLI should then exit non-zero).
    public static func formatChainFailureLine(_ error: AvalancheMeanFieldError, N: Int, a: Double, g10: Double,
                                              convention: ReducedCouplingConvention) -> String {
        var it = 0, res = Double.nan
        if case let .chainNotConverged(i, r) = error { it = i; res = r }
        let msg = error.description.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "{\"eta_tot\":null,\"n_star\":null,\"converged\":false,\"iterations\":\(it),\"residual\":\(jsonNumber(res))," +
        "\"N\":\(N),\"a\":\(jsonNumber(a)),\"g10\":\(jsonNumber(g10)),\"convention\":\"\(convention.rawValue)\",\"error\":\"\(msg)\"}"
    }
}
