import QGMPI
import Foundation

// Every HDF5 call of this file goes through Raw.swift (checked, typed errors).

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
    let id: H5ID
    /// True when opened through MPI-IO on a communicator.
    public let isParallel: Bool
    private var openObjects: [(id: H5ID, path: String)] = []
    private var closed = false

    private init(path: String, id: H5ID, isParallel: Bool) {
        self.path = path
        self.id = id
        self.isParallel = isParallel
    }

    /// Collective over `comm` when given (parallel file), local otherwise.
    /// Opens or creates the file, runs `body`, then closes every dataset the
    /// body opened and the file itself. A failing close is thrown; when
    /// `body` threw, a failing close is kept beside its error
    /// (HDF5CleanupError).
    public static func with<R>(path: String, mode: HDF5OpenMode, comm: Communicator? = nil,
                               _ body: (HDF5File) throws -> R) throws -> R {
        try raw_silenceErrors()  // errors are collected into HDF5Error instead of printed
        let fapl = try raw_fileAccess(comm: comm?.opaqueHandle, path)
        let id = try using(fapl, .propertyList, path) { fapl in
            let raw: RawFileMode
            switch mode {
            case .create: raw = .createExclusive
            case .truncate: raw = .truncate
            case .readWrite: raw = .readWrite
            case .readOnly: raw = .readOnly
            }
            return try raw_fileOpen(path, raw, fapl: fapl)
        }
        let file = HDF5File(path: path, id: id, isParallel: comm != nil)
        let r: R
        do {
            r = try body(file)
        } catch let original {
            do throws(HDF5Error) { try file.close() } catch { throw HDF5CleanupError(original: original, cleanup: error) }
            throw original
        }
        try file.close()
        return r
    }

    /// Collective: close all objects and the file. Every close is attempted
    /// (the file's last, so that a parallel close stays collective); the
    /// first failure is thrown afterwards.
    func close() throws(HDF5Error) {
        guard !closed else { return }
        closed = true
        var first: HDF5Error? = nil
        for o in openObjects.reversed() {
            do throws(HDF5Error) { try raw_close(o.id, .dataset, o.path) } catch { if first == nil { first = error } }
        }
        openObjects.removeAll()
        do throws(HDF5Error) { try raw_close(id, .file, path) } catch { if first == nil { first = error } }
        if let first { throw first }
    }

    /// Collective: flush metadata and raw data to the file system.
    public func flush() throws {
        try raw_fileFlush(id, path)
    }

    /// Local: whether a link (group or dataset) exists at `path` (with all
    /// parents). A check that fails counts as absent.
    public func exists(_ objectPath: String) -> Bool {
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += "/" + part
            guard (try? raw_linkExists(id, prefix)) == true else { return false }
        }
        return true
    }

    /// Collective: create a group and any missing parents.
    public func createGroup(_ groupPath: String) throws {
        try raw_createGroup(id, groupPath)
    }

    /// Local: names of the members of a group.
    public func members(of groupPath: String) throws -> [String] {
        try raw_groupMembers(id, groupPath)
    }

    /// Collective: create a dataset of fixed shape (contiguous layout, space
    /// allocated at creation so that later independent writes never touch
    /// metadata; filled with zeros then, so unwritten rows read as 0, i.e.
    /// done = 0). Returns it open; it is closed with the file.
    public func createDataset(_ dsPath: String, type: HDF5ElementType, shape: [Int]) throws -> Dataset {
        let d = try raw_createDataset(id, dsPath, type: type, shape: shape)
        openObjects.append((d, dsPath))
        return Dataset(file: self, id: d, path: dsPath, shape: shape)
    }

    /// Collective in a parallel file: open an existing dataset; closed with the file.
    public func openDataset(_ dsPath: String) throws -> Dataset {
        let d = try raw_openDataset(id, dsPath)
        let shape: [Int]
        do {
            shape = try using(try raw_datasetSpace(d, dsPath), .dataspace, dsPath) { try raw_extent($0, dsPath) }
        } catch {
            throw closing(d, .dataset, dsPath, after: error)
        }
        openObjects.append((d, dsPath))
        return Dataset(file: self, id: d, path: dsPath, shape: shape)
    }

    // MARK: attributes

    /// Runs `body` with the object at `objectPath` open.
    private func withObject<R>(_ objectPath: String, _ body: (H5ID) throws -> R) throws -> R {
        try using(try raw_objectOpen(id, objectPath), .object, objectPath, body)
    }

    /// Runs `body` with the attribute `name` of the object `obj` open.
    private func withOpenAttribute<R>(_ obj: H5ID, _ name: String, _ where_: String, _ body: (H5ID) throws -> R) throws -> R {
        try using(try raw_attributeOpen(obj, name, where_), .attribute, where_, body)
    }

    /// Collective in a parallel file: write (replace) a string attribute on
    /// the object at `objectPath` ("/" for the root). Stored as a UTF-8
    /// variable-length string, which h5py returns as `str`.
    public func setAttribute(_ name: String, _ value: String, on objectPath: String = "/") throws {
        let where_ = "\(objectPath)@\(name)"
        try using(try raw_variableStringType(likeCsetOf: nil, where_), .datatype, where_) { type in
            try withAttribute(name, on: objectPath, fileType: type, shape: nil) { attr in
                try raw_attributeWriteString(attr, type: type, value, where_)
            }
        }
    }

    /// Collective in a parallel file: write (replace) a numeric attribute (scalar or 1-D).
    /// An existing attribute of the same type and shape is overwritten in
    /// place (no metadata is freed or allocated: e.g. `finished` 0 -> 1).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T], scalar: Bool = false, on objectPath: String = "/") throws {
        if try overwriteInPlace(name, values, scalar: scalar, on: objectPath) { return }
        let where_ = "\(objectPath)@\(name)"
        try withAttribute(name, on: objectPath, fileType: T.h5ElementType.fileType, shape: scalar ? nil : [values.count]) { attr in
            try values.withUnsafeBytes { p in
                try raw_attributeWrite(attr, memoryType: T.h5ElementType.memoryType, p.baseAddress, where_)
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
        let where_ = "\(objectPath)@\(name)"
        return try withObject(objectPath) { obj in
            guard try raw_attributeExists(obj, name, where_) else { return false }
            return try withOpenAttribute(obj, name, where_) { attr in
                let sameType = try using(try raw_attributeType(attr, where_), .datatype, where_) { ftype in
                    try raw_typeEqual(ftype, T.h5ElementType.fileType, where_)
                }
                let (rank, points) = try using(try raw_attributeSpace(attr, where_), .dataspace, where_) { space in
                    (try raw_extent(space, where_).count, try raw_npoints(space, where_))
                }
                guard sameType, rank == (scalar ? 0 : 1), points == values.count else { return false }
                try values.withUnsafeBytes { p in
                    try raw_attributeWrite(attr, memoryType: T.h5ElementType.memoryType, p.baseAddress, where_)
                }
                return true
            }
        }
    }

    /// Replaces the attribute `name` of the object at `objectPath` with a new
    /// one of `fileType` and `shape` (scalar when nil) and runs `body` on it.
    private func withAttribute(_ name: String, on objectPath: String, fileType: H5ID, shape: [Int]?,
                               _ body: (H5ID) throws -> Void) throws {
        let where_ = "\(objectPath)@\(name)"
        try withObject(objectPath) { obj in
            if try raw_attributeExists(obj, name, where_) { try raw_attributeDelete(obj, name, where_) }
            try using(try raw_dataspace(shape, where_), .dataspace, where_) { space in
                try using(try raw_attributeCreate(obj, name, fileType: fileType, space: space, where_), .attribute, where_, body)
            }
        }
    }

    /// Local: read a string attribute (variable or fixed length).
    public func stringAttribute(_ name: String, on objectPath: String = "/") throws -> String {
        let where_ = "\(objectPath)@\(name)"
        return try withObject(objectPath) { obj in
            try withOpenAttribute(obj, name, where_) { attr in
                try using(try raw_attributeType(attr, where_), .datatype, where_) { ftype in
                    if try raw_isVariableString(ftype, where_) {
                        return try using(try raw_variableStringType(likeCsetOf: ftype, where_), .datatype, where_) { mtype in
                            try raw_attributeReadVariableString(attr, type: mtype, where_)
                        }
                    }
                    var buf = [CChar](repeating: 0, count: try raw_typeSize(ftype, where_) + 1)
                    try buf.withUnsafeMutableBytes { try raw_attributeRead(attr, memoryType: ftype, $0.baseAddress, where_) }
                    return String(cString: buf)
                }
            }
        }
    }

    /// Local: read a numeric attribute (all elements).
    public func numericAttribute<T: HDF5Scalar>(_ name: String, as: T.Type, on objectPath: String = "/") throws -> [T] {
        let where_ = "\(objectPath)@\(name)"
        return try withObject(objectPath) { obj in
            try withOpenAttribute(obj, name, where_) { attr in
                let n = try using(try raw_attributeSpace(attr, where_), .dataspace, where_) { try raw_npoints($0, where_) }
                var out = [T](repeating: T.zero, count: n)
                try out.withUnsafeMutableBytes { p in
                    try raw_attributeRead(attr, memoryType: T.h5ElementType.memoryType, p.baseAddress, where_)
                }
                return out
            }
        }
    }

    /// Local: whether the object has the attribute. A check that fails
    /// (no such object) counts as absent.
    public func hasAttribute(_ name: String, on objectPath: String = "/") -> Bool {
        guard let obj = raw_objectOpenIfPresent(id, objectPath) else { return false }
        let found = (try? using(obj, .object, objectPath) { try raw_attributeExists($0, name, "\(objectPath)@\(name)") }) ?? false
        if !found { raw_clearErrors() }
        return found
    }
}

/// An open dataset of an `HDF5File`. Row writes address the first dimension.
public struct Dataset: @unchecked Sendable {
    unowned let file: HDF5File
    let id: H5ID
    public let path: String
    public let shape: [Int]

    /// Local: the stored element type, or nil when it is none of
    /// `HDF5ElementType`'s (compared with `H5Tequal` to the file types qglass writes).
    public func elementType() throws -> HDF5ElementType? {
        try using(try raw_datasetType(id, path), .datatype, path) { t in
            try [HDF5ElementType.float64, .int64, .int8, .uint8].first { try raw_typeEqual(t, $0.fileType, path) }
        }
    }

    /// Number of elements in one row (product of all but the first dimension).
    public var rowLength: Int { shape.dropFirst().reduce(1, *) }

    private func withRowSelection<R>(start: Int, count: Int, _ body: (_ memory: H5ID, _ file: H5ID) throws -> R) throws -> R {
        guard start >= 0, count >= 0, start + count <= (shape.first ?? 0) else {
            throw HDF5Error(function: "H5Sselect_hyperslab", code: -1, path: path,
                            stack: "rows \(start)..<\(start + count) outside shape \(shape)")
        }
        return try using(try raw_datasetSpace(id, path), .dataspace, path) { fspace in
            if shape.isEmpty {
                try raw_selectAll(fspace, path)
            } else {
                try raw_selectRows(fspace, start: start, count: count, shape: shape, path)
            }
            return try using(try raw_dataspace([count * rowLength], path), .dataspace, path) { mspace in
                try body(mspace, fspace)
            }
        }
    }

    /// Write rows [start, start+count). `independent: true` is local (one rank
    /// writes); `false` is collective (every rank calls, possibly with count 0).
    public func writeRows<T: HDF5Scalar>(start: Int, count: Int, _ values: [T], independent: Bool = true) throws {
        guard values.count == count * rowLength else {
            throw HDF5Error(function: "H5Dwrite", code: -1, path: path, stack: "buffer has \(values.count) elements, selection \(count * rowLength)")
        }
        try using(try raw_transfer(parallel: file.isParallel, independent: independent, path), .propertyList, path) { dxpl in
            try withRowSelection(start: start, count: count) { mspace, fspace in
                if count == 0 { try raw_selectNone(fspace, path); try raw_selectNone(mspace, path) }
                try values.withUnsafeBytes { p in
                    try raw_write(id, T.h5ElementType, memory: mspace, file: fspace, transfer: dxpl, p.baseAddress, path)
                }
            }
        }
    }

    /// Read rows [start, start+count) (local, independent).
    public func readRows<T: HDF5Scalar>(start: Int, count: Int, as: T.Type) throws -> [T] {
        var out = [T](repeating: T.zero, count: count * rowLength)
        if count == 0 { return out }
        try withRowSelection(start: start, count: count) { mspace, fspace in
            try out.withUnsafeMutableBytes { p in
                try raw_read(id, T.h5ElementType, memory: mspace, file: fspace, p.baseAddress, path)
            }
        }
        return out
    }

    /// Read everything (local).
    public func readAll<T: HDF5Scalar>(as t: T.Type) throws -> [T] {
        try readRows(start: 0, count: shape.first ?? 1, as: t)
    }
}
