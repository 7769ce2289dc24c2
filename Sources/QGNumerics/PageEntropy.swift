/// The Page value: the mean entanglement entropy of a Haar-random pure state
/// of a dimA x dimB system, m = min, n = max: S_Page = sum_{k=n+1}^{mn} 1/k -
/// (m-1)/(2n) (Page 1993, proven by Foong-Kanno and Sen 1996); for m = n = 2^(L/2)
/// it approaches (L/2) ln 2 - 1/2.
public func pageEntropy(dimA: Int, dimB: Int) -> Double {
    let m = min(dimA, dimB), n = max(dimA, dimB)
    var s = 0.0
    if m * n > n { for k in (n + 1)...(m * n) { s += 1 / Double(k) } }
    return s - Double(m - 1) / Double(2 * n)
}

/// The Page value at the half-chain cut of L spins 1/2: dimA = 2^(L/2),
/// dimB = 2^(L - L/2) (for odd L, A is the smaller half).
public func pageEntropy(halfChainOf L: Int) -> Double {
    pageEntropy(dimA: 1 << (L / 2), dimB: 1 << (L - L / 2))
}
