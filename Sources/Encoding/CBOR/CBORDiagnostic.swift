extension CBOR: CustomStringConvertible {
    /// The diagnostic notation of the item.
    public var description: String { diagnosticDescription }
}

extension CBOR {
    /// Diagnostic notation (RFC 8949 §8) in the style of RFC 8949 Appendix A: `h'01020304'`,
    /// `"text"`, `[1, 2]`, `{1: 2}`, `0("2013-03-21T20:04:00Z")`, `simple(16)`, `undefined`,
    /// `Infinity`, `NaN`, `1.0e+300`, `5.960464477539063e-8`. Serialization details are not part of
    /// the item, so there are no `_` markers or encoding indicators; `diagnostic(encoded:)` shows
    /// indefinite lengths.
    public var diagnosticDescription: String {
        var out = ""
        writeDiagnostic(into: &out)
        return out
    }

    /// Diagnostic notation of an encoded item as received, marking indefinite-length items as in
    /// RFC 8949 Appendix A: `(_ h'0102', h'030405')`, `[_ 1, 2]`, `{_ "a": 1}`, `''_` for an empty
    /// indefinite byte string. Float widths are not shown (Appendix A writes `Infinity` for all three).
    /// The bytes are decoded (and validated) under `options` first.
    public static func diagnostic(
        encoded bytes: [UInt8], options: CBORDecodingOptions = .standard
    ) throws(CBORError) -> String {
        _ = try decode(bytes, options: options)
        var reader = CBORReader(bytes, options: options)
        var out = ""
        try reader.writeDiagnostic(into: &out, depth: 0)
        return out
    }

    /// The diagnostic notation cut to a length fit for an error message.
    var diagnosticSummary: String {
        let full = diagnosticDescription
        return full.count <= 60 ? full : full.prefix(60) + "…"
    }

    func writeDiagnostic(into out: inout String) {
        switch self {
        case .unsigned(let n):
            out += String(n)
        case .negative(let n):
            out += n == .max ? "-18446744073709551616" : "-" + String(n + 1)
        case .bytes(let b):
            out += "h'" + Self.hex(b) + "'"
        case .text(let s):
            out += Self.quoted(s)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += ", " }
                element.writeDiagnostic(into: &out)
            }
            out += "]"
        case .map(let pairs):
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += ", " }
                pair.key.writeDiagnostic(into: &out)
                out += ": "
                pair.value.writeDiagnostic(into: &out)
            }
            out += "}"
        case .tagged(let tag, let content):
            out += String(tag) + "("
            content.writeDiagnostic(into: &out)
            out += ")"
        case .simple(let value):
            out += "simple(\(value))"
        case .bool(let value):
            out += value ? "true" : "false"
        case .null:
            out += "null"
        case .undefined:
            out += "undefined"
        case .float(let value):
            out += Self.diagnosticNumber(value)
        }
    }

    /// Shortest round-trip digits, with RFC 8949 Appendix A's exponent style (`1.0e+300`, `5.0e-8`).
    static func diagnosticNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let digits = String(value)  // e.g. "1.5", "-0.0", "1e+300", "5.960464477539063e-08"
        guard let e = digits.firstIndex(of: "e") else { return digits }
        var mantissa = String(digits[..<e])
        if !mantissa.contains(".") { mantissa += ".0" }
        var exponent = digits[digits.index(after: e)...]
        let sign = exponent.first == "-" ? "-" : "+"
        exponent = exponent.drop(while: { $0 == "+" || $0 == "-" || $0 == "0" })
        return mantissa + "e" + sign + (exponent.isEmpty ? "0" : exponent)
    }

    /// A text string in double quotes with JSON-style escapes.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += "\\u00" + hex([UInt8(scalar.value)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}

extension CBORReader {
    /// Writes the diagnostic notation of the next item, keeping its indefinite-length markers.
    /// The input must already have been validated under the same options.
    mutating func writeDiagnostic(into out: inout String, depth: Int) throws(CBORError) {
        let start = offset
        let head = try readHead()
        switch (head.major, head.argument) {
        case (.bytes, nil), (.text, nil):
            var chunks: [String] = []
            while try !consumeBreak(openedAt: start) {
                chunks.append(try readItem(depth: depth + 1).diagnosticDescription)
            }
            if chunks.isEmpty {
                out += head.major == .bytes ? "''_" : "\"\"_"
            } else {
                out += "(_ " + chunks.joined(separator: ", ") + ")"
            }
        case (.array, let count):
            out += count == nil ? "[_ " : "["
            var written: UInt64 = 0
            while try !isDone(count, written: written, start: start) {
                if written > 0 { out += ", " }
                try writeDiagnostic(into: &out, depth: depth + 1)
                written += 1
            }
            out += "]"
        case (.map, let count):
            out += count == nil ? "{_ " : "{"
            var written: UInt64 = 0
            while try !isDone(count, written: written, start: start) {
                if written > 0 { out += ", " }
                try writeDiagnostic(into: &out, depth: depth + 1)
                out += ": "
                try writeDiagnostic(into: &out, depth: depth + 1)
                written += 1
            }
            out += "}"
        case (.tag, let tag?):
            out += String(tag) + "("
            try writeDiagnostic(into: &out, depth: depth + 1)
            out += ")"
        default:
            offset = start
            try readItem(depth: depth).writeDiagnostic(into: &out)
        }
    }

    /// Whether a container of `count` items (or indefinite length, nil) is complete after `written`.
    private mutating func isDone(_ count: UInt64?, written: UInt64, start: Int) throws(CBORError) -> Bool {
        guard let count else { return try consumeBreak(openedAt: start) }
        return written == count
    }
}
