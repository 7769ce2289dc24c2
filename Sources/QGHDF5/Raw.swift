// All raw HDF5 calls of qglass go through this file (house style, as
// QGMPI/Raw.swift and QGLinearAlgebra/Raw.swift): File.swift never sees the C
// API. Every return code is checked (negative hid_t / herr_t / htri_t, and
// the size and cset getters' error values) and turned into HDF5Error, which
// names the routine, the code, the object path and HDF5's error stack.
// Handles are closed by `using`, which checks the close too: a close that
// fails after the body succeeded is thrown; one that fails after the body
// threw is kept beside the body's error (HDF5CleanupError). No C type
// appears in a public signature of this module.
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

/// An error escaped a scope, and closing the scope's HDF5 object (or file)
/// then failed too: both are kept.
public struct HDF5CleanupError: Error, CustomStringConvertible {
    public let original: any Error
    public let cleanup: HDF5Error
    public var description: String { "\(original); closing the HDF5 object afterwards also failed: \(cleanup)" }
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
    // Best effort: this runs while an error is being reported, so a failing
    // walk or clear leaves the message shorter rather than raising another error.
    _ = withUnsafeMutablePointer(to: &messages) { p in
        H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, walker, p)
    }
    _ = H5Eclear2(chdf5_e_default())
    return messages.prefix(4).joined(separator: "; ")
}

@inline(__always)
func h5fail(_ code: Int64, _ function: String, _ path: String) -> HDF5Error {
    HDF5Error(function: function, code: code, path: path, stack: hdf5ErrorStack())
}

@inline(__always)
func h5check(_ rc: herr_t, _ function: String, _ path: String = "") throws(HDF5Error) {
    if rc < 0 { throw h5fail(Int64(rc), function, path) }
}

@inline(__always)
func h5id(_ id: hid_t, _ function: String, _ path: String = "") throws(HDF5Error) -> hid_t {
    if id < 0 { throw h5fail(Int64(id), function, path) }
    return id
}

/// A tri-state answer (htri_t): true, false, or an error (negative).
@inline(__always)
func h5bool(_ t: htri_t, _ function: String, _ path: String = "") throws(HDF5Error) -> Bool {
    if t < 0 { throw h5fail(Int64(t), function, path) }
    return t > 0
}

/// An HDF5 identifier, as this module stores it (File.swift only holds it).
typealias H5ID = hid_t

/// What an identifier refers to, which fixes the routine that closes it.
enum H5Kind {
    case propertyList, dataspace, datatype, attribute, group, object, dataset, file
    var closeName: String {
        switch self {
        case .propertyList: return "H5Pclose"
        case .dataspace: return "H5Sclose"
        case .datatype: return "H5Tclose"
        case .attribute: return "H5Aclose"
        case .group: return "H5Gclose"
        case .object: return "H5Oclose"
        case .dataset: return "H5Dclose"
        case .file: return "H5Fclose"
        }
    }
}

/// Closes `id`; the result is checked.
func raw_close(_ id: H5ID, _ kind: H5Kind, _ path: String) throws(HDF5Error) {
    let rc: herr_t
    switch kind {
    case .propertyList: rc = H5Pclose(id)
    case .dataspace: rc = H5Sclose(id)
    case .datatype: rc = H5Tclose(id)
    case .attribute: rc = H5Aclose(id)
    case .group: rc = H5Gclose(id)
    case .object: rc = H5Oclose(id)
    case .dataset: rc = H5Dclose(id)
    case .file: rc = H5Fclose(id)
    }
    try h5check(rc, kind.closeName, path)
}

/// Runs `body` with the open identifier `id`, then closes it whatever
/// happens. The close is checked: its failure is thrown when `body`
/// succeeded, and kept with `body`'s error (HDF5CleanupError) when it threw.
func using<R>(_ id: H5ID, _ kind: H5Kind, _ path: String, _ body: (H5ID) throws -> R) throws -> R {
    let result: R
    do {
        result = try body(id)
    } catch {
        throw closing(id, kind, path, after: error)
    }
    try raw_close(id, kind, path)
    return result
}

/// Closes `id` after `error` was raised while it was open; returns the error
/// to throw: `error` itself, or both when the close fails too.
func closing(_ id: H5ID, _ kind: H5Kind, _ path: String, after error: any Error) -> any Error {
    do {
        try raw_close(id, kind, path)
        return error
    } catch let cleanup {
        return HDF5CleanupError(original: error, cleanup: cleanup)
    }
}

// ---- Element types ----

/// The on-disk element type of a dataset, for layouts declared as data.
/// The file type is always explicit little-endian.
public enum HDF5ElementType: String, Sendable {
    case float64, int64, int8, uint8
    /// The HDF5 type in the file (little-endian) and in memory (native).
    private var types: (file: H5ID, memory: H5ID) {
        switch self {
        case .float64: return (chdf5_ieee_f64le(), chdf5_native_double())
        case .int64: return (chdf5_std_i64le(), chdf5_native_int64())
        case .int8: return (chdf5_std_i8le(), chdf5_native_int8())
        case .uint8: return (chdf5_std_u8le(), chdf5_native_uint8())
        }
    }
    var fileType: H5ID { types.file }
    var memoryType: H5ID { types.memory }
}

/// Element types stored by qglass (numbers: `.zero` fills read buffers).
public protocol HDF5Scalar: Sendable, AdditiveArithmetic {
    static var h5ElementType: HDF5ElementType { get }
}
extension Double: HDF5Scalar { public static var h5ElementType: HDF5ElementType { .float64 } }
extension Int64: HDF5Scalar { public static var h5ElementType: HDF5ElementType { .int64 } }
extension Int8: HDF5Scalar { public static var h5ElementType: HDF5ElementType { .int8 } }
extension UInt8: HDF5Scalar { public static var h5ElementType: HDF5ElementType { .uint8 } }

// ---- Files ----

/// Errors are collected into HDF5Error instead of printed by the library.
func raw_silenceErrors() throws(HDF5Error) {
    try h5check(chdf5_silence_errors(), "H5Eset_auto2")
}

/// Clears HDF5's error stack after a failure that is an answer, not an error
/// (an absent link or object).
func raw_clearErrors() { _ = H5Eclear2(chdf5_e_default()) }

/// A file-access property list: the MPI-IO driver on `comm` (Open MPI's
/// MPI_Comm pointer) when given, HDF5's default (sec2) driver otherwise.
func raw_fileAccess(comm: UnsafeMutableRawPointer?, _ path: String) throws -> H5ID {
    let fapl = try h5id(H5Pcreate(chdf5_p_file_access()), "H5Pcreate(FILE_ACCESS)", path)
    if let comm {
        do { try h5check(chdf5_set_fapl_mpio(fapl, comm), "H5Pset_fapl_mpio", path) } catch { throw closing(fapl, .propertyList, path, after: error) }
    }
    return fapl
}

enum RawFileMode { case createExclusive, truncate, readWrite, readOnly }

func raw_fileOpen(_ path: String, _ mode: RawFileMode, fapl: H5ID) throws(HDF5Error) -> H5ID {
    switch mode {
    case .createExclusive: return try h5id(H5Fcreate(path, chdf5_acc_excl(), chdf5_p_default(), fapl), "H5Fcreate", path)
    case .truncate: return try h5id(H5Fcreate(path, chdf5_acc_trunc(), chdf5_p_default(), fapl), "H5Fcreate", path)
    case .readWrite: return try h5id(H5Fopen(path, chdf5_acc_rdwr(), fapl), "H5Fopen", path)
    case .readOnly: return try h5id(H5Fopen(path, chdf5_acc_rdonly(), fapl), "H5Fopen", path)
    }
}

func raw_fileFlush(_ file: H5ID, _ path: String) throws(HDF5Error) {
    try h5check(H5Fflush(file, H5F_SCOPE_GLOBAL), "H5Fflush", path)
}

// ---- Links, groups, objects ----

/// Whether the link `path` exists (its parent must exist).
func raw_linkExists(_ loc: H5ID, _ path: String) throws(HDF5Error) -> Bool {
    try h5bool(H5Lexists(loc, path, chdf5_p_default()), "H5Lexists", path)
}

/// Creates a group and any missing parents.
func raw_createGroup(_ loc: H5ID, _ path: String) throws {
    let lcpl = try h5id(H5Pcreate(chdf5_p_link_create()), "H5Pcreate(LINK_CREATE)", path)
    try using(lcpl, .propertyList, path) { lcpl in
        try h5check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", path)
        let g = try h5id(H5Gcreate2(loc, path, lcpl, chdf5_p_default(), chdf5_p_default()), "H5Gcreate2", path)
        try raw_close(g, .group, path)
    }
}

/// The names of a group's members, in name order.
func raw_groupMembers(_ loc: H5ID, _ path: String) throws -> [String] {
    let g = try h5id(H5Gopen2(loc, path, chdf5_p_default()), "H5Gopen2", path)
    return try using(g, .group, path) { g in
        var info = H5G_info_t()
        try h5check(H5Gget_info(g, &info), "H5Gget_info", path)
        var names: [String] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, chdf5_p_default())
            if n < 0 { throw h5fail(Int64(n), "H5Lget_name_by_idx", path) }
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            let m = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, chdf5_p_default())
            if m < 0 { throw h5fail(Int64(m), "H5Lget_name_by_idx", path) }
            names.append(String(cString: buf))
        }
        return names
    }
}

/// Opens the object (group or dataset) at `path`.
func raw_objectOpen(_ loc: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Oopen(loc, path, chdf5_p_default()), "H5Oopen", path)
}

/// Opens the object at `path`, or nil (error stack cleared) when that fails.
func raw_objectOpenIfPresent(_ loc: H5ID, _ path: String) -> H5ID? {
    let obj = H5Oopen(loc, path, chdf5_p_default())
    if obj < 0 { raw_clearErrors(); return nil }
    return obj
}

// ---- Dataspaces ----

/// A simple dataspace of `dims` (scalar when `dims` is nil).
func raw_dataspace(_ dims: [Int]?, _ path: String) throws(HDF5Error) -> H5ID {
    guard let dims else { return try h5id(H5Screate(H5S_SCALAR), "H5Screate", path) }
    var d = dims.map { hsize_t($0) }
    return try h5id(H5Screate_simple(Int32(d.count), &d, nil), "H5Screate_simple", path)
}

/// The extent of a dataspace.
func raw_extent(_ space: H5ID, _ path: String) throws(HDF5Error) -> [Int] {
    let rank = H5Sget_simple_extent_ndims(space)
    if rank < 0 { throw h5fail(Int64(rank), "H5Sget_simple_extent_ndims", path) }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    try h5check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims", path)
    return dims.map { Int($0) }
}

func raw_npoints(_ space: H5ID, _ path: String) throws(HDF5Error) -> Int {
    let n = H5Sget_simple_extent_npoints(space)
    if n < 0 { throw h5fail(Int64(n), "H5Sget_simple_extent_npoints", path) }
    return Int(n)
}

func raw_selectAll(_ space: H5ID, _ path: String) throws(HDF5Error) {
    try h5check(H5Sselect_all(space), "H5Sselect_all", path)
}

func raw_selectNone(_ space: H5ID, _ path: String) throws(HDF5Error) {
    try h5check(H5Sselect_none(space), "H5Sselect_none", path)
}

/// Selects `count` of the first dimension from `start`, all of the others.
func raw_selectRows(_ space: H5ID, start: Int, count: Int, shape: [Int], _ path: String) throws(HDF5Error) {
    var offset = [hsize_t](repeating: 0, count: shape.count)
    var cnt = shape.map { hsize_t($0) }
    offset[0] = hsize_t(start); cnt[0] = hsize_t(count)
    try h5check(H5Sselect_hyperslab(space, H5S_SELECT_SET, &offset, nil, &cnt, nil), "H5Sselect_hyperslab", path)
}

// ---- Datasets ----

/// Creates a dataset of fixed shape: contiguous, space allocated at creation
/// and filled with zeros then (so later independent writes never touch
/// metadata, and unwritten rows read as 0).
func raw_createDataset(_ loc: H5ID, _ path: String, type: HDF5ElementType, shape: [Int]) throws -> H5ID {
    try using(try raw_dataspace(shape, path), .dataspace, path) { space in
        try using(try h5id(H5Pcreate(chdf5_p_dataset_create()), "H5Pcreate(DATASET_CREATE)", path), .propertyList, path) { dcpl in
            try h5check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time", path)
            try h5check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "H5Pset_fill_time", path)
            return try h5id(H5Dcreate2(loc, path, type.fileType, space, chdf5_p_default(), dcpl, chdf5_p_default()), "H5Dcreate2", path)
        }
    }
}

func raw_openDataset(_ loc: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Dopen2(loc, path, chdf5_p_default()), "H5Dopen2", path)
}

/// The dataset's dataspace (to be closed by the caller, with `using`).
func raw_datasetType(_ dataset: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Dget_type(dataset), "H5Dget_type", path)
}

func raw_datasetSpace(_ dataset: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Dget_space(dataset), "H5Dget_space", path)
}

/// A dataset-transfer property list; in a parallel file, independent or
/// collective MPI-IO.
func raw_transfer(parallel: Bool, independent: Bool, _ path: String) throws -> H5ID {
    let dxpl = try h5id(H5Pcreate(chdf5_p_dataset_xfer()), "H5Pcreate(DATASET_XFER)", path)
    if parallel {
        do {
            try h5check(independent ? chdf5_set_dxpl_independent(dxpl) : chdf5_set_dxpl_collective(dxpl), "H5Pset_dxpl_mpio", path)
        } catch {
            throw closing(dxpl, .propertyList, path, after: error)
        }
    }
    return dxpl
}

func raw_write(_ dataset: H5ID, _ type: HDF5ElementType, memory: H5ID, file: H5ID, transfer: H5ID,
               _ buffer: UnsafeRawPointer?, _ path: String) throws(HDF5Error) {
    try h5check(H5Dwrite(dataset, type.memoryType, memory, file, transfer, buffer), "H5Dwrite", path)
}

func raw_read(_ dataset: H5ID, _ type: HDF5ElementType, memory: H5ID, file: H5ID,
              _ buffer: UnsafeMutableRawPointer?, _ path: String) throws(HDF5Error) {
    try h5check(H5Dread(dataset, type.memoryType, memory, file, chdf5_p_default(), buffer), "H5Dread", path)
}

// ---- Attributes ----

func raw_attributeExists(_ obj: H5ID, _ name: String, _ path: String) throws(HDF5Error) -> Bool {
    try h5bool(H5Aexists(obj, name), "H5Aexists", path)
}

func raw_attributeDelete(_ obj: H5ID, _ name: String, _ path: String) throws(HDF5Error) {
    try h5check(H5Adelete(obj, name), "H5Adelete", path)
}

func raw_attributeOpen(_ obj: H5ID, _ name: String, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Aopen(obj, name, chdf5_p_default()), "H5Aopen", path)
}

func raw_attributeCreate(_ obj: H5ID, _ name: String, fileType: H5ID, space: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Acreate2(obj, name, fileType, space, chdf5_p_default(), chdf5_p_default()), "H5Acreate2", path)
}

func raw_attributeType(_ attr: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Aget_type(attr), "H5Aget_type", path)
}

func raw_attributeSpace(_ attr: H5ID, _ path: String) throws(HDF5Error) -> H5ID {
    try h5id(H5Aget_space(attr), "H5Aget_space", path)
}

func raw_attributeWrite(_ attr: H5ID, memoryType: H5ID, _ buffer: UnsafeRawPointer?, _ path: String) throws(HDF5Error) {
    try h5check(H5Awrite(attr, memoryType, buffer), "H5Awrite", path)
}

func raw_attributeRead(_ attr: H5ID, memoryType: H5ID, _ buffer: UnsafeMutableRawPointer?, _ path: String) throws(HDF5Error) {
    try h5check(H5Aread(attr, memoryType, buffer), "H5Aread", path)
}

/// Whether two datatypes are equal.
func raw_typeEqual(_ a: H5ID, _ b: H5ID, _ path: String) throws(HDF5Error) -> Bool {
    try h5bool(H5Tequal(a, b), "H5Tequal", path)
}

/// A variable-length C string type, UTF-8, or in the character set of
/// `likeCsetOf` when given.
func raw_variableStringType(likeCsetOf other: H5ID?, _ path: String) throws -> H5ID {
    let type = try h5id(H5Tcopy(chdf5_c_s1()), "H5Tcopy", path)
    do {
        try h5check(H5Tset_size(type, chdf5_variable()), "H5Tset_size", path)
        var cset = H5T_CSET_UTF8
        if let other {
            cset = H5Tget_cset(other)
            if cset.rawValue < 0 { throw h5fail(Int64(cset.rawValue), "H5Tget_cset", path) }
        }
        try h5check(H5Tset_cset(type, cset), "H5Tset_cset", path)
    } catch {
        throw closing(type, .datatype, path, after: error)
    }
    return type
}

func raw_isVariableString(_ type: H5ID, _ path: String) throws(HDF5Error) -> Bool {
    try h5bool(H5Tis_variable_str(type), "H5Tis_variable_str", path)
}

func raw_typeSize(_ type: H5ID, _ path: String) throws(HDF5Error) -> Int {
    let size = H5Tget_size(type)
    if size == 0 { throw h5fail(0, "H5Tget_size", path) }
    return size
}

/// Writes one variable-length string into a scalar attribute of type `type`.
func raw_attributeWriteString(_ attr: H5ID, type: H5ID, _ value: String, _ path: String) throws(HDF5Error) {
    let rc = value.withCString { cs in
        var ptr: UnsafePointer<CChar>? = cs
        return H5Awrite(attr, type, &ptr)
    }
    try h5check(rc, "H5Awrite", path)
}

/// Reads a variable-length string attribute with the memory type `type`;
/// the library's buffer is freed (checked) after copying.
func raw_attributeReadVariableString(_ attr: H5ID, type: H5ID, _ path: String) throws(HDF5Error) -> String {
    var ptr: UnsafeMutablePointer<CChar>? = nil
    try h5check(H5Aread(attr, type, &ptr), "H5Aread", path)
    guard let ptr else { return "" }
    let s = String(cString: ptr)
    try h5check(H5free_memory(ptr), "H5free_memory", path)
    return s
}
