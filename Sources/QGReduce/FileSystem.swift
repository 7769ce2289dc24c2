import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File identity (device, inode) after following symlinks; nil if `stat` fails.
func fileIdentity(_ path: String) -> (dev: UInt64, ino: UInt64)? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino))
}

func errnoText() -> String { String(cString: strerror(errno)) }
