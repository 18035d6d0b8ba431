extension JSONValue {
    /// Parses one JSON text (RFC 8259, strict): a single value with only whitespace around it,
    /// well-formed UTF-8, no duplicate member names, numbers that fit in a double.
    public init(parsing bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONError) {
        guard bytes.count <= limits.maxInputBytes else {
            throw JSONError(.tooLarge, "input is \(bytes.count) bytes, more than the limit of \(limits.maxInputBytes)")
        }
        let parse = { (buffer: UnsafeBufferPointer<UInt8>) in
            Result { () throws(JSONError) in
                var parser = JSONParser(input: buffer, limits: limits)
                return try parser.parseDocument()
            }
        }
        if let result = bytes.withContiguousStorageIfAvailable(parse) {
            self = try result.get()
        } else {
            self = try Array(bytes).withUnsafeBufferPointer(parse).get()
        }
    }

    /// Parses one JSON text given as a string; see `init(parsing:limits:)` for the rules.
    public init(parsing text: String, limits: JSONLimits = .default) throws(JSONError) {
        try self.init(parsing: text.utf8, limits: limits)
    }
}

/// One step of a JSON Pointer (RFC 6901).
enum JSONPathComponent {
    case key(String)
    case index(Int)
}

enum JSONPointer {
    /// The pointer text for a path, e.g. `/credentialSubject/0/a~1b`; the empty path is "".
    static func path(_ components: some Sequence<JSONPathComponent>) -> String {
        var text = ""
        for component in components {
            text.append("/")
            switch component {
            case .key(let key):
                text.append(key.replacingTildeAndSlash())
            case .index(let index):
                text.append(String(index))
            }
        }
        return text
    }
}

extension String {
    /// At most the first 60 Unicode scalars, for quoting untrusted input in error messages.
    var excerptForMessage: String {
        let limit = 60
        guard utf8.count > limit else { return self }
        var excerpt = ""
        excerpt.unicodeScalars.append(contentsOf: unicodeScalars.prefix(limit))
        return excerpt + "…"
    }

    fileprivate func replacingTildeAndSlash() -> String {
        guard utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return self }
        var escaped = ""
        for character in unicodeScalars {
            switch character {
            case "~": escaped.append("~0")
            case "/": escaped.append("~1")
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}

/// A single-pass parser over contiguous bytes. Containers are kept on an explicit stack, so
/// nesting depth is bounded by `JSONLimits.maxDepth`, never by the call stack.
struct JSONParser {
    /// An array or object under construction.
    private struct Frame {
        let isObject: Bool
        var elements: [JSONValue] = []
        var members = JSONObject()
        /// The name of the member whose value is being parsed.
        var key = ""
    }

    private let input: UnsafeBufferPointer<UInt8>
    private let limits: JSONLimits
    private var position = 0
    private var stack: [Frame] = []
    /// Reused buffer for strings that contain escapes.
    private var scratch: [UInt8] = []

    init(input: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.input = input
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        guard position == input.count else {
            throw failure(.syntax, "unexpected \(describeByte(at: position)) after the top-level value")
        }
        return value
    }

    // MARK: Structure

    private mutating func parseValue() throws(JSONError) -> JSONValue {
        while true {
            skipWhitespace()
            guard position < input.count else {
                throw failure(.syntax, "unexpected end of input, expected a value")
            }
            var value: JSONValue
            switch input[position] {
            case UInt8(ascii: "{"):
                try checkDepth()
                position += 1
                skipWhitespace()
                if position < input.count, input[position] == UInt8(ascii: "}") {
                    position += 1
                    value = .object(JSONObject())
                } else {
                    stack.append(Frame(isObject: true))
                    try parseMemberName()
                    continue
                }
            case UInt8(ascii: "["):
                try checkDepth()
                position += 1
                skipWhitespace()
                if position < input.count, input[position] == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false))
                    continue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            default:
                throw failure(.syntax, "unexpected \(describeByte(at: position)), expected a value")
            }

            // Attach the finished value to its container; close containers that end here.
            while true {
                guard !stack.isEmpty else { return value }
                let top = stack.count - 1
                let isObject = stack[top].isObject
                if isObject {
                    stack[top].members.appendNew(stack[top].key, value)
                } else {
                    stack[top].elements.append(value)
                }
                skipWhitespace()
                guard position < input.count else {
                    throw failure(.syntax, "unexpected end of input inside an \(isObject ? "object" : "array")")
                }
                let byte = input[position]
                if byte == UInt8(ascii: ",") {
                    position += 1
                    if isObject {
                        skipWhitespace()
                        try parseMemberName()
                    }
                    break
                }
                guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    let expected = isObject ? "',' or '}'" : "',' or ']'"
                    throw failure(.syntax, "unexpected \(describeByte(at: position)), expected \(expected)")
                }
                position += 1
                let frame = stack.removeLast()
                value = isObject ? .object(frame.members) : .array(frame.elements)
            }
        }
    }

    private func checkDepth() throws(JSONError) {
        guard stack.count < limits.maxDepth else {
            throw failure(.depthExceeded, "nesting is deeper than the limit of \(limits.maxDepth)")
        }
    }

    /// Parses `"name" :` for the innermost object, rejecting a name it already has.
    private mutating func parseMemberName() throws(JSONError) {
        guard position < input.count, input[position] == UInt8(ascii: "\"") else {
            throw failure(.syntax, "unexpected \(describeByte(at: position)), expected a member name")
        }
        let nameStart = position
        let key = try parseString()
        let top = stack.count - 1
        if stack[top].members.contains(key) {
            var components = pathComponents(upTo: top)
            components.append(.key(key))
            throw failure(
                .duplicateKey, "duplicate member name \"\(key.excerptForMessage)\"", at: nameStart,
                path: JSONPointer.path(components))
        }
        stack[top].key = key
        skipWhitespace()
        guard position < input.count, input[position] == UInt8(ascii: ":") else {
            throw failure(.syntax, "unexpected \(describeByte(at: position)), expected ':' after a member name")
        }
        position += 1
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let length = literal.utf8CodeUnitCount
        let matches =
            input.count - position >= length
            && literal.withUTF8Buffer { expected in
                expected.indices.allSatisfy { input[position + $0] == expected[$0] }
            }
        guard matches else {
            throw failure(.syntax, "unexpected \(describeByte(at: position)), expected a value")
        }
        position += length
    }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                position += 1
            default:
                return
            }
        }
    }

    // MARK: Numbers

    /// Exact powers of ten for the fast path (all representable as doubles).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a number literal to the nearest double (round half to even).
    private mutating func parseNumber() throws(JSONError) -> Double {
        let start = position
        let negative = input[position] == UInt8(ascii: "-")
        if negative { position += 1 }

        var significand: UInt64 = 0
        var significantDigits = 0
        var fractionDigits = 0

        guard position < input.count, isDigit(input[position]) else {
            throw failure(.syntax, "a number needs a digit after '-'")
        }
        if input[position] == UInt8(ascii: "0") {
            position += 1
            if position < input.count, isDigit(input[position]) {
                throw failure(.syntax, "numbers must not have leading zeros", at: start)
            }
        } else {
            while position < input.count, isDigit(input[position]) {
                accumulate(input[position], into: &significand, count: &significantDigits)
                position += 1
            }
        }
        if position < input.count, input[position] == UInt8(ascii: ".") {
            position += 1
            guard position < input.count, isDigit(input[position]) else {
                throw failure(.syntax, "a number needs a digit after the decimal point")
            }
            while position < input.count, isDigit(input[position]) {
                accumulate(input[position], into: &significand, count: &significantDigits)
                fractionDigits += 1
                position += 1
            }
        }
        var exponent = 0
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            var exponentNegative = false
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") {
                exponentNegative = input[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < input.count, isDigit(input[position]) else {
                throw failure(.syntax, "a number needs a digit in its exponent")
            }
            while position < input.count, isDigit(input[position]) {
                // Saturate: anything this large is out of range or zero anyway.
                exponent = min(exponent * 10 + Int(input[position] &- UInt8(ascii: "0")), 1_000_000)
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        // Fast path (Clinger): an exact significand below 2^53 scaled by an exact power of ten
        // is correctly rounded by a single IEEE operation.
        let scale = exponent - fractionDigits
        if significantDigits <= 15, abs(scale) <= 22 {
            let magnitude = Double(significand)
            let value = scale < 0 ? magnitude / Self.powersOfTen[-scale] : magnitude * Self.powersOfTen[scale]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let value = Double(text) else {
            throw failure(.syntax, "number \(text.excerptForMessage) could not be read", at: start)
        }
        guard value.isFinite else {
            throw failure(.numberOutOfRange, "number \(text.excerptForMessage) is too large for a double", at: start)
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Adds a digit to the significand while it stays exact; leading zeros do not count.
    private func accumulate(_ digit: UInt8, into significand: inout UInt64, count: inout Int) {
        if count == 0 && digit == UInt8(ascii: "0") { return }
        count += 1
        if count <= 15 { significand = significand * 10 + UInt64(digit &- UInt8(ascii: "0")) }
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONError) -> String {
        let open = position
        var index = position + 1
        // Fast path: no escapes, so the bytes can be used as they are once validated.
        while index < input.count {
            let byte = input[index]
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                try checkStringLength(index - open - 1, openedAt: open)
                position = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: input[(open + 1)..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            index = try nextCharacter(at: index)
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[(open + 1)..<min(index, input.count)]))
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                try checkStringLength(scratch.count, openedAt: open)
                position = index + 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                index = try unescape(at: index)
            } else {
                let next = try nextCharacter(at: index)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<next]))
                index = next
            }
        }
        throw failure(.syntax, "unterminated string", at: open)
    }

    private func checkStringLength(_ length: Int, openedAt open: Int) throws(JSONError) {
        guard length <= limits.maxStringBytes else {
            throw failure(
                .stringTooLong, "string of \(length) bytes is longer than the limit of \(limits.maxStringBytes)",
                at: open)
        }
    }

    /// Validates the unescaped character at `index` (raw UTF-8, no control characters) and
    /// returns the index after it.
    private func nextCharacter(at index: Int) throws(JSONError) -> Int {
        let lead = input[index]
        if lead < 0x80 {
            guard lead >= 0x20 else {
                throw failure(
                    .syntax, "control character U+\(hex4(UInt16(lead))) must be escaped in a string", at: index)
            }
            return index + 1
        }
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default:
            throw failure(.invalidUTF8, "byte 0x\(hex2(lead)) cannot start a UTF-8 sequence", at: index)
        }
        guard index + length <= input.count else {
            throw failure(.invalidUTF8, "truncated UTF-8 sequence", at: index)
        }
        let second = input[index + 1]
        guard second >= low && second <= high else {
            throw failure(.invalidUTF8, "malformed UTF-8 sequence", at: index)
        }
        for offset in 2..<length where input[index + offset] & 0xC0 != 0x80 {
            throw failure(.invalidUTF8, "malformed UTF-8 sequence", at: index)
        }
        return index + length
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`; returns the index after it.
    private mutating func unescape(at index: Int) throws(JSONError) -> Int {
        guard index + 1 < input.count else {
            throw failure(.syntax, "unterminated string", at: index)
        }
        let replacement: UInt8
        switch input[index + 1] {
        case UInt8(ascii: "\""): replacement = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): replacement = UInt8(ascii: "/")
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "u"):
            return try unescapeUnicode(at: index)
        default:
            throw failure(.invalidEscape, "unknown escape \\\(describeCharacter(at: index + 1))", at: index)
        }
        scratch.append(replacement)
        return index + 2
    }

    /// Decodes `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, at `index`.
    private mutating func unescapeUnicode(at index: Int) throws(JSONError) -> Int {
        let unit = try hexUnit(at: index)
        var scalarValue = UInt32(unit)
        var end = index + 6
        switch unit {
        case 0xDC00...0xDFFF:
            throw failure(.loneSurrogate, "\\u\(hex4(unit)) is a low surrogate without a high surrogate", at: index)
        case 0xD800...0xDBFF:
            guard end + 1 < input.count, input[end] == UInt8(ascii: "\\"), input[end + 1] == UInt8(ascii: "u") else {
                throw failure(.loneSurrogate, "\\u\(hex4(unit)) is a high surrogate without a low surrogate", at: index)
            }
            let low = try hexUnit(at: end)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw failure(.loneSurrogate, "\\u\(hex4(unit)) is a high surrogate without a low surrogate", at: index)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            end += 6
        default:
            break
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw failure(.loneSurrogate, "\\u\(hex4(unit)) is not a Unicode scalar", at: index)
        }
        scratch.append(contentsOf: scalar.utf8)
        return end
    }

    /// The code unit of the four hex digits after `\u` at `index`.
    private func hexUnit(at index: Int) throws(JSONError) -> UInt16 {
        guard index + 6 <= input.count else {
            throw failure(.invalidEscape, "\\u needs four hex digits", at: index)
        }
        var unit: UInt16 = 0
        for offset in 2..<6 {
            let byte = input[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure(.invalidEscape, "\\u needs four hex digits", at: index)
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    // MARK: Errors

    /// The path to the value being parsed, through the containers below `end`.
    private func pathComponents(upTo end: Int) -> [JSONPathComponent] {
        stack[..<end].map { $0.isObject ? .key($0.key) : .index($0.elements.count) }
    }

    /// An error at `offset` (default: the current position), located by line, column and path.
    private func failure(_ kind: JSONError.Kind, _ message: String, at offset: Int? = nil, path: String? = nil)
        -> JSONError
    {
        let offset = min(offset ?? position, input.count)
        var line = 1
        var column = 1
        for byte in UnsafeBufferPointer(rebasing: input[..<offset]) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        let path = path ?? JSONPointer.path(pathComponents(upTo: stack.count))
        let location =
            "at byte \(offset) (line \(line), column \(column))"
            + (path.isEmpty ? "" : ", path \(path.excerptForMessage)")
        return JSONError(kind, "\(message) \(location)", offset: offset, line: line, column: column, path: path)
    }

    private func describeByte(at index: Int) -> String {
        guard index < input.count else { return "end of input" }
        let byte = input[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hex2(byte))"
    }

    private func describeCharacter(at index: Int) -> String {
        guard index < input.count else { return "" }
        let byte = input[index]
        return byte >= 0x21 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "(byte 0x\(hex2(byte)))"
    }

    private func hex2(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0" + digits : digits
    }

    private func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
