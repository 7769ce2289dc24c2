// All raw HDF5 calls of qglass go through this file's helpers and the types in
// this module. Every return code is checked and turned into HDF5Error, which
// carries the routine, the code, the object path and HDF5's error stack.
import CHDF5

/// An HDF5 routine failed.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int64
    public let path: String
    public let stack: String
    public var description: String {
        "\(function) failed (code \(code))" + (path.isEmpty ? "" : " on '\(path)'") + (stack.isEmpty ? "" : ": \(stack)")
    }
}

/// Collects the messages of HDF5's default error stack (and clears it).
func hdf5ErrorStack() -> String {
    var messages: [String] = []
    let walker: H5E_walk2_t = { _, desc, data in
        guard let desc, let data else { return 0 }
        let list = data.assumingMemoryBound(to: [String].self)
        let fn = desc.pointee.func_name.map { String(cString: $0) } ?? "?"
        let msg = desc.pointee.desc.map { String(cString: $0) } ?? ""
        list.pointee.append("\(fn): \(msg)")
        return 0
    }
    _ = withUnsafeMutablePointer(to: &messages) { p in
        H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, walker, p)
    }
    _ = H5Eclear2(chdf5_e_default())
    return messages.prefix(4).joined(separator: "; ")
}

@inline(__always)
func h5check(_ rc: herr_t, _ function: String, _ path: String = "") throws(HDF5Error) {
    if rc < 0 { throw HDF5Error(function: function, code: Int64(rc), path: path, stack: hdf5ErrorStack()) }
}

@inline(__always)
func h5id(_ id: hid_t, _ function: String, _ path: String = "") throws(HDF5Error) -> hid_t {
    if id < 0 { throw HDF5Error(function: function, code: Int64(id), path: path, stack: hdf5ErrorStack()) }
    return id
}

/// Element types stored by qglass. The file type is always explicit little-endian.
public protocol HDF5Scalar: Sendable {
    static var h5MemoryType: hid_t { get }
    static var h5FileType: hid_t { get }
    static var h5Zero: Self { get }
}
extension Double: HDF5Scalar {
    public static var h5MemoryType: hid_t { chdf5_native_double() }
    public static var h5FileType: hid_t { chdf5_ieee_f64le() }
    public static var h5Zero: Double { 0 }
}
extension Int64: HDF5Scalar {
    public static var h5MemoryType: hid_t { chdf5_native_int64() }
    public static var h5FileType: hid_t { chdf5_std_i64le() }
    public static var h5Zero: Int64 { 0 }
}
extension Int8: HDF5Scalar {
    public static var h5MemoryType: hid_t { chdf5_native_int8() }
    public static var h5FileType: hid_t { chdf5_std_i8le() }
    public static var h5Zero: Int8 { 0 }
}
extension UInt8: HDF5Scalar {
    public static var h5MemoryType: hid_t { chdf5_native_uint8() }
    public static var h5FileType: hid_t { chdf5_std_u8le() }
    public static var h5Zero: UInt8 { 0 }
}

/// The on-disk element type of a dataset, for layouts declared as data.
public enum HDF5ElementType: String, Sendable {
    case float64, int64, int8, uint8
    var fileType: hid_t {
        switch self {
        case .float64: return Double.h5FileType
        case .int64: return Int64.h5FileType
        case .int8: return Int8.h5FileType
        case .uint8: return UInt8.h5FileType
        }
    }
}
