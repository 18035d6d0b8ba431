/// Writes JSON text into a byte buffer, iteratively (nesting never grows the call stack).
/// Shared by display serialization (members in arrival order) and JCS (members sorted).
enum JSONWriter {
    /// A container being written: its values, its keys when it is an object, the order in which
    /// to visit them, and how many have been written.
    private struct Frame {
        let values: [JSONValue]
        let keys: [String]?
        let order: [Int]?
        var next = 0
    }

    /// Writes `value`. Strings use the minimal escaping of RFC 8785 §3.2.2.2; `number` writes
    /// each number (it decides what to do with non-finite ones).
    static func write<Failure: Error>(
        _ value: JSONValue, sortKeys: Bool, pretty: Bool, into out: inout [UInt8],
        number: (Double, inout [UInt8]) throws(Failure) -> Void
    ) throws(Failure) {
        var stack: [Frame] = []
        var current = value
        while true {
            switch current {
            case .null:
                out.append(contentsOf: "null".utf8)
            case .bool(let flag):
                out.append(contentsOf: flag ? "true".utf8 : "false".utf8)
            case .number(let double):
                try number(double, &out)
            case .string(let string):
                appendString(string, to: &out)
            case .array(let elements):
                if elements.isEmpty {
                    out.append(contentsOf: "[]".utf8)
                } else {
                    out.append(UInt8(ascii: "["))
                    stack.append(Frame(values: elements, keys: nil, order: nil))
                }
            case .object(let object):
                if object.isEmpty {
                    out.append(contentsOf: "{}".utf8)
                } else {
                    out.append(UInt8(ascii: "{"))
                    let keys = object.keys
                    let order = sortKeys ? keys.indices.sorted { utf16Precedes(keys[$0], keys[$1]) } : nil
                    stack.append(Frame(values: object.values, keys: keys, order: order))
                }
            }

            // Move to the next value to write, closing containers that are complete.
            while let top = stack.last, top.next == top.values.count {
                stack.removeLast()
                if pretty { newline(indent: stack.count, to: &out) }
                out.append(top.keys == nil ? UInt8(ascii: "]") : UInt8(ascii: "}"))
            }
            guard !stack.isEmpty else { return }
            let top = stack.count - 1
            let position = stack[top].next
            if position > 0 { out.append(UInt8(ascii: ",")) }
            if pretty { newline(indent: stack.count, to: &out) }
            let index = stack[top].order?[position] ?? position
            if let keys = stack[top].keys {
                appendString(keys[index], to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
            }
            current = stack[top].values[index]
            stack[top].next = position + 1
        }
    }

    private static func newline(indent: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    /// Appends a quoted string: `"` and `\` escaped, control characters as `\b \t \n \f \r` or
    /// `\u00xx` (lowercase hex), everything else as raw UTF-8.
    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    let hexDigits: StaticString = "0123456789abcdef"
                    out.append(contentsOf: "u00".utf8)
                    out.append(hexDigits.utf8Start[Int(byte >> 4)])
                    out.append(hexDigits.utf8Start[Int(byte & 0x0F)])
                }
                runStart = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether `lhs` sorts before `rhs` by UTF-16 code units (RFC 8785 §3.2.3).
    ///
    /// Compares UTF-8 bytes, which order like code points; code points and UTF-16 code units
    /// order alike except that U+E000–U+FFFF (UTF-8 lead bytes EE, EF) sort after the
    /// supplementary planes (surrogate pairs; lead bytes F0–F4). At the first differing byte both
    /// strings are at the same position in the same kind of sequence, so lifting EE and EF above
    /// F4 there gives the UTF-16 order.
    static func utf16Precedes(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let a?, let b?) where a != b: return utf16Rank(a) < utf16Rank(b)
            default: continue
            }
        }
    }

    private static func utf16Rank(_ byte: UInt8) -> UInt8 {
        byte == 0xEE || byte == 0xEF ? byte &+ 0x10 : byte
    }
}

extension JSONValue {
    /// JSON text for display and storage: members in arrival order, minimal string escaping,
    /// numbers in ECMAScript form. Non-finite numbers, which JSON cannot express, are written as
    /// `null` (as `JSON.stringify` does); `JCS` rejects them instead.
    public func serialized(pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONWriter.write(self, sortKeys: false, pretty: pretty, into: &out) { number, out in
            if number.isFinite {
                ES6Number.appendFinite(number, to: &out)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        }
        return out
    }

    /// `serialized(pretty:)` as a string.
    public func serializedString(pretty: Bool = false) -> String {
        String(decoding: serialized(pretty: pretty), as: UTF8.self)
    }
}
