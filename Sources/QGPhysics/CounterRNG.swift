/// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
///
/// Every random number of a task is a pure function of (master seed, stream,
/// counter): the stream identifies (study, parameter point, realization), so a
/// realization's disorder never depends on which rank computes it, in which
/// order, or whether the run was restarted.
public struct CounterRNG: Sendable {
    public let seed: UInt64
    public let stream: UInt64
    public let realization: UInt32
    private var block: UInt32 = 0
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4
    private var spareNormal: Double? = nil

    /// - Parameters:
    ///   - seed: the campaign's master seed (Philox key).
    ///   - stream: a 64-bit key of (study, point); see `StreamKey`.
    ///   - realization: the disorder realization index.
    public init(seed: UInt64, stream: UInt64, realization: Int) {
        precondition(realization >= 0 && realization < (1 << 32), "realization index out of range")
        self.seed = seed
        self.stream = stream
        self.realization = UInt32(realization)
    }

    /// One Philox4x32-10 block for counter (c0, c1, c2, c3) and key (k0, k1).
    public static func philox(counter c: (UInt32, UInt32, UInt32, UInt32), key k: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (x0, x1, x2, x3) = c
        var (k0, k1) = k
        for round in 0..<10 {
            if round > 0 { k0 &+= 0x9E37_79B9; k1 &+= 0xBB67_AE85 }
            let p0 = UInt64(0xD251_1F53) &* UInt64(x0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(x2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (x0, x1, x2, x3) = (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0)
        }
        return (x0, x1, x2, x3)
    }

    /// Next raw 32-bit word.
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            buffer = Self.philox(
                counter: (block, realization, UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
                key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
            block &+= 1
            precondition(block != 0, "counter-based RNG stream exhausted (2^34 words)")
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    /// Uniform double in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        let hi = UInt64(nextUInt32() >> 5), lo = UInt64(nextUInt32() >> 6)   // 27 + 26 bits
        return Double(hi << 26 | lo) * 0x1.0p-53
    }

    /// Uniform double in (0, 1].
    public mutating func uniformOpenZero() -> Double { 1.0 - uniform() }

    /// Standard normal deviate (Box-Muller, both values used in turn).
    public mutating func normal() -> Double {
        if let s = spareNormal { spareNormal = nil; return s }
        let u1 = uniformOpenZero(), u2 = uniform()
        let radius = (-2.0 * Foundation_log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = radius * Foundation_sin(angle)
        return radius * Foundation_cos(angle)
    }

    /// Random sign +-1.
    public mutating func sign() -> Int8 { (nextUInt32() & 1) == 0 ? 1 : -1 }
}

/// Stable 64-bit keys for RNG streams: FNV-1a over a canonical text such as
/// "lrsg|L=8|alpha=0.7|hx=0.1", so adding points to a grid never changes the
/// disorder of the existing ones.
public enum StreamKey {
    public static func make(_ text: String) -> UInt64 { make(bytes: text.utf8) }

    /// FNV-1a-64 of raw bytes.
    public static func make<S: Sequence>(bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func Foundation_sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func Foundation_log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func Foundation_sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
