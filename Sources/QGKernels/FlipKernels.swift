/// The inner loop of the S1 sector operator (`QGPhysics.LRSGSectorOperator`)
/// for blocks of 8 or 16 vectors, in a target that Package.swift compiles
/// with -O in every configuration: the loop uses SIMD vectors, which the
/// unoptimized code of a debug build runs ten times slower than plain loops,
/// so the tests would pay for what makes the release build fast. Concrete,
/// non-inlinable entry points keep the optimized code in this module. Pure
/// Swift, local, no dependencies.
///
/// For each row k in `rows` (rows of `width` contiguous doubles; x holds
/// every row, y, z and acc hold `rows` from `origin` on):
///
///     f = parity x[k ^ ones] + sum_{b < flips} x[k ^ 2^b]
///     y[k] = scale ((d[k] - shift) x[k] - hx f) + zScale z[k]   (z read only when zScale != 0)
///     acc[k] += mu y[k]                                        (when acc is given)
public enum FlipKernels {
    /// The kernel on blocks of `width` = 8 or 16 vectors (precondition).
    public static func apply(width: Int, rows: Range<Int>, origin: Int, flips: Int, ones: Int, parity: Double, hx: Double,
                             x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, d: UnsafePointer<Double>, scale: Double, shift: Double,
                             z: UnsafePointer<Double>?, zScale: Double, acc: UnsafeMutablePointer<Double>?, mu: Double) {
        switch width {
        case 16:
            run(SIMD16<Double>.self, rows, origin, flips, ones, parity, hx, x, y, d, scale, shift, z, zScale, acc, mu)
        case 8:
            run(SIMD8<Double>.self, rows, origin, flips, ones, parity, hx, x, y, d, scale, shift, z, zScale, acc, mu)
        default:
            preconditionFailure("FlipKernels: width \(width), not 8 or 16")
        }
    }

    /// Whether `apply` takes blocks of this width.
    public static func supports(width: Int) -> Bool { width == 8 || width == 16 }

    // The lane sums of a row stay in one SIMD value (registers).
    @inline(__always)
    static func run<V: SIMD>(_: V.Type, _ rows: Range<Int>, _ origin: Int, _ flips: Int, _ ones: Int, _ p: Double, _ h: Double,
                             _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ d: UnsafePointer<Double>, _ scale: Double,
                             _ shift: Double, _ z: UnsafePointer<Double>?, _ zScale: Double, _ acc: UnsafeMutablePointer<Double>?,
                             _ mu: Double) where V.Scalar == Double {
        let xr = UnsafeRawPointer(x), stride = V.scalarCount * MemoryLayout<Double>.stride
        for k in rows {
            var f = p * xr.loadUnaligned(fromByteOffset: (k ^ ones) * stride, as: V.self)
            for b in 0..<flips { f += xr.loadUnaligned(fromByteOffset: (k ^ (1 << b)) * stride, as: V.self) }
            let o = (k - origin) * stride
            var out = scale * ((d[k] - shift) * xr.loadUnaligned(fromByteOffset: k * stride, as: V.self) - h * f)
            if let z, zScale != 0 { out += zScale * UnsafeRawPointer(z).loadUnaligned(fromByteOffset: o, as: V.self) }
            UnsafeMutableRawPointer(y).storeBytes(of: out, toByteOffset: o, as: V.self)
            if let acc {
                let a = UnsafeMutableRawPointer(acc)
                a.storeBytes(of: a.loadUnaligned(fromByteOffset: o, as: V.self) + mu * out, toByteOffset: o, as: V.self)
            }
        }
    }
}
