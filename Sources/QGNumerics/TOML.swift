/// A string escaped for a TOML basic string (the text between the quotes):
/// backslash, quote, newline and tab by their short escapes, the other
/// control characters (U+0000-U+001F, U+007F) as \uXXXX.
public func tomlEscaped(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 || c.value == 0x7F { out += "\\u" + hex(c.value, digits: 4, uppercase: true) } else { out.unicodeScalars.append(c) }
        }
    }
    return out
}

/// A string as a quoted TOML basic string: "\"" + tomlEscaped(s) + "\"".
public func tomlString(_ s: String) -> String { "\"" + tomlEscaped(s) + "\"" }

/// `value` in hexadecimal, zero-padded to `digits` (as printf's %0*x / %0*X).
func hex<T: BinaryInteger>(_ value: T, digits: Int, uppercase: Bool = false) -> String {
    let s = String(value, radix: 16, uppercase: uppercase)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
}
