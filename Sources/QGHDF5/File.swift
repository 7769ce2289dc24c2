import CHDF5
import QGMPI
import Foundation

/// How to open a file.
public enum HDF5OpenMode: Sendable {
    /// Create; fail if it exists.
    case create
    /// Create, replacing an existing file.
    case truncate
    case readWrite
    case readOnly
}

/// An HDF5 file, serial or parallel (MPI-IO driver). Open and close it with
/// `HDF5File.with`, which closes on every rank together at scope end.
/// Which operations are collective follows HDF5's rules: anything that
/// changes metadata (create groups/datasets/attributes, flush, close) is
/// collective in a parallel file; raw-data reads and writes through
/// `Dataset` with `independent: true` are local.
public final class HDF5File: @unchecked Sendable {
    public let path: String
    let id: hid_t
    /// True when opened through MPI-IO on a communicator.
    public let isParallel: Bool
    private var openObjects: [hid_t] = []
    private var closed = false

    private init(path: String, id: hid_t, isParallel: Bool) {
        self.path = path
        self.id = id
        self.isParallel = isParallel
    }

    /// Collective over `comm` when given (parallel file), local otherwise.
    /// Opens or creates the file, runs `body`, then closes every dataset the
    /// body opened and the file itself.
    public static func with<R>(path: String, mode: HDF5OpenMode, comm: Communicator? = nil,
                               _ body: (HDF5File) throws -> R) throws -> R {
        _ = chdf5_silence_errors()  // errors are collected into HDF5Error instead of printed
        let fapl = try h5id(H5Pcreate(chdf5_p_file_access()), "H5Pcreate(FILE_ACCESS)", path)
        defer { _ = H5Pclose(fapl) }
        if let comm {
            try h5check(chdf5_set_fapl_mpio(fapl, comm.opaqueHandle), "H5Pset_fapl_mpio", path)
        }
        let id: hid_t
        switch mode {
        case .create: id = H5Fcreate(path, chdf5_acc_excl(), chdf5_p_default(), fapl)
        case .truncate: id = H5Fcreate(path, chdf5_acc_trunc(), chdf5_p_default(), fapl)
        case .readWrite: id = H5Fopen(path, chdf5_acc_rdwr(), fapl)
        case .readOnly: id = H5Fopen(path, chdf5_acc_rdonly(), fapl)
        }
        let file = HDF5File(path: path, id: try h5id(id, mode == .readOnly || mode == .readWrite ? "H5Fopen" : "H5Fcreate", path),
                            isParallel: comm != nil)
        do {
            let r = try body(file)
            try file.close()
            return r
        } catch {
            try? file.close()
            throw error
        }
    }

    /// Collective: close all objects and the file.
    func close() throws {
        guard !closed else { return }
        closed = true
        for o in openObjects.reversed() { _ = H5Oclose(o) }
        openObjects.removeAll()
        try h5check(H5Fclose(id), "H5Fclose", path)
    }

    /// Collective: flush metadata and raw data to the file system.
    public func flush() throws {
        try h5check(H5Fflush(id, H5F_SCOPE_GLOBAL), "H5Fflush", path)
    }

    /// Local: whether a link (group or dataset) exists at `path` (with all parents).
    public func exists(_ objectPath: String) -> Bool {
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(id, prefix, chdf5_p_default()) <= 0 { _ = H5Eclear2(chdf5_e_default()); return false }
        }
        return true
    }

    /// Collective: create a group and any missing parents.
    public func createGroup(_ groupPath: String) throws {
        let lcpl = try h5id(H5Pcreate(chdf5_p_link_create()), "H5Pcreate(LINK_CREATE)", groupPath)
        defer { _ = H5Pclose(lcpl) }
        try h5check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", groupPath)
        let g = try h5id(H5Gcreate2(id, groupPath, lcpl, chdf5_p_default(), chdf5_p_default()), "H5Gcreate2", groupPath)
        try h5check(H5Gclose(g), "H5Gclose", groupPath)
    }

    /// Local: names of the members of a group.
    public func members(of groupPath: String) throws -> [String] {
        let g = try h5id(H5Gopen2(id, groupPath, chdf5_p_default()), "H5Gopen2", groupPath)
        defer { _ = H5Gclose(g) }
        var info = H5G_info_t()
        try h5check(H5Gget_info(g, &info), "H5Gget_info", groupPath)
        var names: [String] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, chdf5_p_default())
            guard n >= 0 else { throw HDF5Error(function: "H5Lget_name_by_idx", code: Int64(n), path: groupPath, stack: hdf5ErrorStack()) }
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, chdf5_p_default())
            names.append(String(cString: buf))
        }
        return names
    }

    /// Collective: create a dataset of fixed shape (contiguous layout, space
    /// allocated at creation so that later independent writes never touch
    /// metadata). Returns it open; it is closed with the file.
    public func createDataset(_ dsPath: String, type: HDF5ElementType, shape: [Int]) throws -> Dataset {
        var dims = shape.map { hsize_t($0) }
        let space = try h5id(H5Screate_simple(Int32(dims.count), &dims, nil), "H5Screate_simple", dsPath)
        defer { _ = H5Sclose(space) }
        let dcpl = try h5id(H5Pcreate(chdf5_p_dataset_create()), "H5Pcreate(DATASET_CREATE)", dsPath)
        defer { _ = H5Pclose(dcpl) }
        try h5check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time", dsPath)
        // Fill with zeros at allocation so unwritten rows read as 0 (done = 0).
        try h5check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "H5Pset_fill_time", dsPath)
        let d = try h5id(H5Dcreate2(id, dsPath, type.fileType, space, chdf5_p_default(), dcpl, chdf5_p_default()), "H5Dcreate2", dsPath)
        openObjects.append(d)
        return Dataset(file: self, id: d, path: dsPath, shape: shape)
    }

    /// Collective in a parallel file: open an existing dataset; closed with the file.
    public func openDataset(_ dsPath: String) throws -> Dataset {
        let d = try h5id(H5Dopen2(id, dsPath, chdf5_p_default()), "H5Dopen2", dsPath)
        let space = try h5id(H5Dget_space(d), "H5Dget_space", dsPath)
        defer { _ = H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error(function: "H5Sget_simple_extent_ndims", code: Int64(rank), path: dsPath, stack: hdf5ErrorStack()) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try h5check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims", dsPath)
        openObjects.append(d)
        return Dataset(file: self, id: d, path: dsPath, shape: dims.map { Int($0) })
    }

    // MARK: attributes

    /// Collective in a parallel file: write (replace) a string attribute on
    /// the object at `objectPath` ("/" for the root). Stored as a UTF-8
    /// variable-length string, which h5py returns as `str`.
    public func setAttribute(_ name: String, _ value: String, on objectPath: String = "/") throws {
        let type = try h5id(H5Tcopy(chdf5_c_s1()), "H5Tcopy", name)
        defer { _ = H5Tclose(type) }
        try h5check(H5Tset_size(type, chdf5_variable()), "H5Tset_size", name)
        try h5check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset", name)
        try withAttribute(name, on: objectPath, fileType: type, shape: []) { (attr) throws in
            try value.withCString { (cs) throws in
                var ptr: UnsafePointer<CChar>? = cs
                try h5check(H5Awrite(attr, type, &ptr), "H5Awrite", name)
            }
        }
    }

    /// Collective in a parallel file: write (replace) a numeric attribute (scalar or 1-D).
    /// An existing attribute of the same type and shape is overwritten in
    /// place (no metadata is freed or allocated: e.g. `finished` 0 -> 1).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T], scalar: Bool = false, on objectPath: String = "/") throws {
        if try overwriteInPlace(name, values, scalar: scalar, on: objectPath) { return }
        try withAttribute(name, on: objectPath, fileType: T.h5FileType, shape: scalar ? [] : [values.count]) { (attr) throws in
            try values.withUnsafeBytes { (p) throws in
                try h5check(H5Awrite(attr, T.h5MemoryType, p.baseAddress), "H5Awrite", name)
            }
        }
    }

    /// Collective in a parallel file: scalar numeric attribute.
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ value: T, on objectPath: String = "/") throws {
        try setAttribute(name, [value], scalar: true, on: objectPath)
    }

    /// Writes `values` into an existing attribute of the same file type and
    /// shape; false (nothing written) when there is none or it differs.
    private func overwriteInPlace<T: HDF5Scalar>(_ name: String, _ values: [T], scalar: Bool, on objectPath: String) throws -> Bool {
        let obj = try h5id(H5Oopen(id, objectPath, chdf5_p_default()), "H5Oopen", objectPath)
        defer { _ = H5Oclose(obj) }
        guard H5Aexists(obj, name) > 0 else { return false }
        let attr = try h5id(H5Aopen(obj, name, chdf5_p_default()), "H5Aopen", "\(objectPath)@\(name)")
        defer { _ = H5Aclose(attr) }
        let ftype = try h5id(H5Aget_type(attr), "H5Aget_type", name)
        defer { _ = H5Tclose(ftype) }
        let space = try h5id(H5Aget_space(attr), "H5Aget_space", name)
        defer { _ = H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard H5Tequal(ftype, T.h5FileType) > 0, rank == (scalar ? 0 : 1),
              H5Sget_simple_extent_npoints(space) == Int64(values.count) else { return false }
        try values.withUnsafeBytes { (p) throws in
            try h5check(H5Awrite(attr, T.h5MemoryType, p.baseAddress), "H5Awrite", name)
        }
        return true
    }

    private func withAttribute(_ name: String, on objectPath: String, fileType: hid_t, shape: [Int],
                               _ body: (hid_t) throws -> Void) throws {
        let obj = try h5id(H5Oopen(id, objectPath, chdf5_p_default()), "H5Oopen", objectPath)
        defer { _ = H5Oclose(obj) }
        if H5Aexists(obj, name) > 0 { try h5check(H5Adelete(obj, name), "H5Adelete", "\(objectPath)@\(name)") }
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
        let sp = try h5id(space, "H5Screate", name)
        defer { _ = H5Sclose(sp) }
        let attr = try h5id(H5Acreate2(obj, name, fileType, sp, chdf5_p_default(), chdf5_p_default()), "H5Acreate2", "\(objectPath)@\(name)")
        defer { _ = H5Aclose(attr) }
        try body(attr)
    }

    /// Local: read a string attribute (variable or fixed length).
    public func stringAttribute(_ name: String, on objectPath: String = "/") throws -> String {
        let obj = try h5id(H5Oopen(id, objectPath, chdf5_p_default()), "H5Oopen", objectPath)
        defer { _ = H5Oclose(obj) }
        let attr = try h5id(H5Aopen(obj, name, chdf5_p_default()), "H5Aopen", "\(objectPath)@\(name)")
        defer { _ = H5Aclose(attr) }
        let ftype = try h5id(H5Aget_type(attr), "H5Aget_type", name)
        defer { _ = H5Tclose(ftype) }
        if H5Tis_variable_str(ftype) > 0 {
            let mtype = try h5id(H5Tcopy(chdf5_c_s1()), "H5Tcopy", name)
            defer { _ = H5Tclose(mtype) }
            try h5check(H5Tset_size(mtype, chdf5_variable()), "H5Tset_size", name)
            try h5check(H5Tset_cset(mtype, H5Tget_cset(ftype)), "H5Tset_cset", name)
            var ptr: UnsafeMutablePointer<CChar>? = nil
            try h5check(H5Aread(attr, mtype, &ptr), "H5Aread", name)
            defer { if let ptr { H5free_memory(ptr) } }
            return ptr.map { String(cString: $0) } ?? ""
        }
        let size = H5Tget_size(ftype)
        var buf = [CChar](repeating: 0, count: size + 1)
        try h5check(H5Aread(attr, ftype, &buf), "H5Aread", name)
        return String(cString: buf)
    }

    /// Local: read a numeric attribute (all elements).
    public func numericAttribute<T: HDF5Scalar>(_ name: String, as: T.Type, on objectPath: String = "/") throws -> [T] {
        let obj = try h5id(H5Oopen(id, objectPath, chdf5_p_default()), "H5Oopen", objectPath)
        defer { _ = H5Oclose(obj) }
        let attr = try h5id(H5Aopen(obj, name, chdf5_p_default()), "H5Aopen", "\(objectPath)@\(name)")
        defer { _ = H5Aclose(attr) }
        let space = try h5id(H5Aget_space(attr), "H5Aget_space", name)
        defer { _ = H5Sclose(space) }
        let n = H5Sget_simple_extent_npoints(space)
        var out = [T](repeating: T.h5Zero, count: Int(max(0, n)))
        try out.withUnsafeMutableBytes { (p) throws in
            try h5check(H5Aread(attr, T.h5MemoryType, p.baseAddress), "H5Aread", name)
        }
        return out
    }

    /// Local: whether the object has the attribute.
    public func hasAttribute(_ name: String, on objectPath: String = "/") -> Bool {
        let obj = H5Oopen(id, objectPath, chdf5_p_default())
        guard obj >= 0 else { _ = H5Eclear2(chdf5_e_default()); return false }
        defer { _ = H5Oclose(obj) }
        return H5Aexists(obj, name) > 0
    }
}

/// An open dataset of an `HDF5File`. Row writes address the first dimension.
public struct Dataset: @unchecked Sendable {
    unowned let file: HDF5File
    let id: hid_t
    public let path: String
    public let shape: [Int]

    /// Number of elements in one row (product of all but the first dimension).
    public var rowLength: Int { shape.dropFirst().reduce(1, *) }

    private func withRowSelection<R>(start: Int, count: Int, _ body: (hid_t, hid_t) throws -> R) throws -> R {
        guard start >= 0, count >= 0, start + count <= (shape.first ?? 0) else {
            throw HDF5Error(function: "H5Sselect_hyperslab", code: -1, path: path,
                            stack: "rows \(start)..<\(start + count) outside shape \(shape)")
        }
        let fspace = try h5id(H5Dget_space(id), "H5Dget_space", path)
        defer { _ = H5Sclose(fspace) }
        var offset = [hsize_t](repeating: 0, count: shape.count)
        var cnt = shape.map { hsize_t($0) }
        if !shape.isEmpty { offset[0] = hsize_t(start); cnt[0] = hsize_t(count) }
        if shape.isEmpty {
            try h5check(H5Sselect_all(fspace), "H5Sselect_all", path)
        } else {
            try h5check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &offset, nil, &cnt, nil), "H5Sselect_hyperslab", path)
        }
        var mdims: [hsize_t] = [hsize_t(count * rowLength)]
        let mspace = try h5id(H5Screate_simple(1, &mdims, nil), "H5Screate_simple", path)
        defer { _ = H5Sclose(mspace) }
        return try body(mspace, fspace)
    }

    /// Write rows [start, start+count). `independent: true` is local (one rank
    /// writes); `false` is collective (every rank calls, possibly with count 0).
    public func writeRows<T: HDF5Scalar>(start: Int, count: Int, _ values: [T], independent: Bool = true) throws {
        guard values.count == count * rowLength else {
            throw HDF5Error(function: "H5Dwrite", code: -1, path: path, stack: "buffer has \(values.count) elements, selection \(count * rowLength)")
        }
        let dxpl = try h5id(H5Pcreate(chdf5_p_dataset_xfer()), "H5Pcreate(DATASET_XFER)", path)
        defer { _ = H5Pclose(dxpl) }
        if file.isParallel {
            try h5check(independent ? chdf5_set_dxpl_independent(dxpl) : chdf5_set_dxpl_collective(dxpl), "H5Pset_dxpl_mpio", path)
        }
        try withRowSelection(start: start, count: count) { (mspace, fspace) throws in
            if count == 0 { _ = H5Sselect_none(fspace); _ = H5Sselect_none(mspace) }
            try values.withUnsafeBytes { (p) throws in
                try h5check(H5Dwrite(id, T.h5MemoryType, mspace, fspace, dxpl, p.baseAddress), "H5Dwrite", path)
            }
        }
    }

    /// Read rows [start, start+count) (local, independent).
    public func readRows<T: HDF5Scalar>(start: Int, count: Int, as: T.Type) throws -> [T] {
        var out = [T](repeating: T.h5Zero, count: count * rowLength)
        if count == 0 { return out }
        try withRowSelection(start: start, count: count) { (mspace, fspace) throws in
            try out.withUnsafeMutableBytes { (p) throws in
                try h5check(H5Dread(id, T.h5MemoryType, mspace, fspace, chdf5_p_default(), p.baseAddress), "H5Dread", path)
            }
        }
        return out
    }

    /// Read everything (local).
    public func readAll<T: HDF5Scalar>(as t: T.Type) throws -> [T] {
        try readRows(start: 0, count: shape.first ?? 1, as: t)
    }
}
