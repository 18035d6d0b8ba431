/// Which encodings a decoder accepts, and the limits that keep hostile input from exhausting memory
/// or stack.
public struct CBORDecodingOptions: Sendable, Hashable {
    /// The rule sets of RFC 8949.
    public enum Rules: Sendable, Hashable {
        /// Any well-formed, valid CBOR: indefinite lengths, non-shortest heads and floats, any key order.
        case standard
        /// Only Core Deterministic Encoding (RFC 8949 §4.2.1): shortest heads, definite lengths,
        /// preferred floats and bignums, map keys in bytewise order of their encoding.
        case deterministic
    }

    /// The rule set.
    public var rules: Rules
    /// The deepest nesting of arrays, maps and tags allowed; the top-level item is at depth 0.
    /// Decoding recurses once per level, so keep this in the hundreds at most.
    public var maxDepth: Int
    /// The most data items (including string chunks) one reader decodes.
    public var maxItems: Int

    /// Creates options.
    public init(rules: Rules = .standard, maxDepth: Int = 64, maxItems: Int = 1_000_000) {
        self.rules = rules
        self.maxDepth = maxDepth
        self.maxItems = maxItems
    }

    /// Standard rules with the default limits.
    public static let standard = CBORDecodingOptions()
    /// Core Deterministic Encoding rules with the default limits.
    public static let deterministic = CBORDecodingOptions(rules: .deterministic)
}

/// The head of a data item: major type, additional information and argument (RFC 8949 §3).
public struct CBORHead: Sendable, Hashable {
    /// The major type.
    public let major: CBORMajorType
    /// The low five bits of the initial byte.
    public let additionalInfo: UInt8
    /// The argument: a value, length, count, tag number, simple value or float bit pattern; nil
    /// for an indefinite length and for the break stop code.
    public let argument: UInt64?

    /// Whether this is the break stop code `ff`.
    public var isBreak: Bool { major == .simple && argument == nil }
}

extension CBOR {
    /// Decodes exactly one data item that must fill `bytes` (`cbor_trailing_bytes` otherwise).
    public static func decode(_ bytes: [UInt8], options: CBORDecodingOptions = .standard) throws(CBORError) -> CBOR {
        var reader = CBORReader(bytes, options: options)
        let item = try reader.readItem()
        guard reader.isAtEnd else {
            throw CBORError(
                .trailingBytes, "\(bytes.count - reader.offset) bytes follow the data item", offset: reader.offset)
        }
        return item
    }

    /// Decodes exactly one data item that must fill `bytes` (`cbor_trailing_bytes` otherwise).
    public static func decode(
        _ bytes: some Collection<UInt8>, options: CBORDecodingOptions = .standard
    ) throws(CBORError) -> CBOR {
        try decode(Array(bytes), options: options)
    }

    /// Decodes the data item at the start of `bytes` and returns it with the number of bytes it took.
    public static func decodePrefix(
        _ bytes: [UInt8], options: CBORDecodingOptions = .standard
    ) throws(CBORError) -> (item: CBOR, length: Int) {
        var reader = CBORReader(bytes, options: options)
        let item = try reader.readItem()
        return (item, reader.offset)
    }
}

/// A strict CBOR decoder over a byte buffer that reads heads or whole items from a moving offset.
///
/// To keep the exact bytes of a sub-item as received (a COSE protected header, a Cardano
/// transaction body), read the enclosing heads with `readHead()` and note `offset` before and
/// after `readItem()`:
///
///     var reader = CBORReader(bytes)
///     let head = try reader.readHead()            // e.g. an array of 4
///     let start = reader.offset
///     let first = try reader.readItem()
///     let raw = bytes[start..<reader.offset]      // the first element's encoding
public struct CBORReader: Sendable {
    /// The input.
    public let bytes: [UInt8]
    /// The rules and limits in force.
    public let options: CBORDecodingOptions
    /// Where the next head or item starts.
    public internal(set) var offset: Int = 0
    private var itemCount = 0

    /// Creates a reader at the start of `bytes`.
    public init(_ bytes: [UInt8], options: CBORDecodingOptions = .standard) {
        self.bytes = bytes
        self.options = options
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset == bytes.count }

    private var deterministic: Bool { options.rules == .deterministic }

    private static let majorTypes = CBORMajorType.allCases

    /// Reads one head. Checks well-formedness (truncation, reserved additional information,
    /// indefinite length only on types that allow it, two-byte simple values from 32) and, under
    /// deterministic rules, that the argument is as short as possible and the length definite.
    public mutating func readHead() throws(CBORError) -> CBORHead {
        let start = offset
        guard offset < bytes.count else {
            throw CBORError(.truncated, "input ends where a data item should start", offset: start)
        }
        let initial = bytes[offset]
        offset += 1
        let major = Self.majorTypes[Int(initial >> 5)]
        let info = initial & 0x1f
        let argument: UInt64?
        switch info {
        case 0..<24:
            argument = UInt64(info)
        case 24...27:
            let count = 1 << Int(info - 24)
            guard bytes.count - offset >= count else {
                throw CBORError(
                    .truncated, "head needs \(count) argument bytes but \(bytes.count - offset) remain", offset: start)
            }
            var value: UInt64 = 0
            for index in offset..<offset + count { value = value << 8 | UInt64(bytes[index]) }
            offset += count
            argument = value
        case 28...30:
            throw CBORError(.reservedInfo, "additional information \(info) is reserved", offset: start)
        default:
            argument = nil
        }

        if argument == nil && (major == .unsigned || major == .negative || major == .tag) {
            throw CBORError(.invalidIndefinite, "major type \(major.rawValue) cannot have indefinite length", offset: start)
        }
        if major == .simple, info == 24, let value = argument, value < 32 {
            throw CBORError(.invalidSimple, "simple value \(value) must be encoded in one byte", offset: start)
        }
        if deterministic && major != .simple {
            guard let value = argument else {
                throw CBORError(.notDeterministic, "indefinite-length item", offset: start)
            }
            if info >= 24 {
                // The smallest argument that needs 1, 2, 4 or 8 argument bytes.
                let shortest: UInt64 = info == 24 ? 24 : 1 << (8 << UInt64(info - 25))
                if value < shortest {
                    throw CBORError(.notDeterministic, "argument \(value) is not in its shortest form", offset: start)
                }
            }
        }
        return CBORHead(major: major, additionalInfo: info, argument: argument)
    }

    /// Reads one complete data item, checking well-formedness, validity and the options' rules
    /// and limits.
    public mutating func readItem() throws(CBORError) -> CBOR {
        try readItem(depth: 0)
    }

    mutating func readItem(depth: Int) throws(CBORError) -> CBOR {
        let start = offset
        guard depth <= options.maxDepth else {
            throw CBORError(.depthExceeded, "nesting is deeper than \(options.maxDepth)", offset: start)
        }
        try countItem(at: start)
        let head = try readHead()
        guard let argument = head.argument else {
            return try readIndefinite(head.major, start: start, depth: depth)
        }
        switch head.major {
        case .unsigned:
            return .unsigned(argument)
        case .negative:
            return .negative(argument)
        case .bytes:
            return .bytes(Array(bytes[try payload(argument, start: start)]))
        case .text:
            return .text(try text(bytes[try payload(argument, start: start)], start: start))
        case .array:
            guard argument <= UInt64(bytes.count - offset) else {
                throw CBORError(
                    .lengthExceedsInput, "array declares \(argument) elements but only \(bytes.count - offset) bytes remain",
                    offset: start)
            }
            var elements: [CBOR] = []
            elements.reserveCapacity(Int(argument))
            for _ in 0..<argument { elements.append(try readItem(depth: depth + 1)) }
            return .array(elements)
        case .map:
            guard argument <= UInt64((bytes.count - offset) / 2) else {
                throw CBORError(
                    .lengthExceedsInput, "map declares \(argument) entries but only \(bytes.count - offset) bytes remain",
                    offset: start)
            }
            return .map(try readEntries(count: Int(argument), start: start, depth: depth))
        case .tag:
            let content = try readItem(depth: depth + 1)
            if let problem = CBORValidity.tagProblem(argument, content) {
                throw CBORError(.invalidTag, problem, offset: start)
            }
            if deterministic, let problem = CBORValidity.bignumProblem(argument, content) {
                throw CBORError(.notDeterministic, problem, offset: start)
            }
            return .tagged(argument, content)
        case .simple:
            return try simpleOrFloat(info: head.additionalInfo, argument: argument, start: start)
        }
    }

    private mutating func countItem(at start: Int) throws(CBORError) {
        itemCount += 1
        guard itemCount <= options.maxItems else {
            throw CBORError(.tooManyItems, "more than \(options.maxItems) data items", offset: start)
        }
    }

    /// The range of the next `length` bytes, consumed; checked against the input before any allocation.
    private mutating func payload(_ length: UInt64, start: Int) throws(CBORError) -> Range<Int> {
        let remaining = bytes.count - offset
        guard length <= UInt64(remaining) else {
            throw CBORError(
                .lengthExceedsInput, "string declares \(length) bytes but only \(remaining) remain", offset: start)
        }
        let range = offset..<offset + Int(length)
        offset = range.upperBound
        return range
    }

    private func text(_ utf8: ArraySlice<UInt8>, start: Int) throws(CBORError) -> String {
        // Decoding replaces each invalid sequence with U+FFFD, and a replacement can never
        // reproduce the bytes it replaced (they would have been valid), so the input was valid
        // exactly when the result has the same bytes. Faster than the unspecialized
        // `String(validating:as:)`.
        let string = utf8.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        guard string.utf8.elementsEqual(utf8) else {
            throw CBORError(.invalidUTF8, "text string is not valid UTF-8", offset: start)
        }
        return string
    }

    /// Consumes a break stop code if one is next.
    mutating func consumeBreak(openedAt start: Int) throws(CBORError) -> Bool {
        guard offset < bytes.count else {
            throw CBORError(.truncated, "indefinite-length item has no break", offset: start)
        }
        guard bytes[offset] == 0xff else { return false }
        offset += 1
        return true
    }

    private mutating func readIndefinite(_ major: CBORMajorType, start: Int, depth: Int) throws(CBORError) -> CBOR {
        switch major {
        case .bytes, .text:
            var joined: [UInt8] = []
            while try !consumeBreak(openedAt: start) {
                let chunkStart = offset
                try countItem(at: chunkStart)
                let chunk = try readHead()
                guard chunk.major == major, let length = chunk.argument else {
                    throw CBORError(
                        .invalidIndefinite,
                        "a chunk of an indefinite-length string must be a definite string of the same type",
                        offset: chunkStart)
                }
                let range = try payload(length, start: chunkStart)
                if major == .text { _ = try text(bytes[range], start: chunkStart) }
                joined.append(contentsOf: bytes[range])
            }
            // Each chunk is valid UTF-8 on its own, so their concatenation is too.
            return major == .bytes ? .bytes(joined) : .text(String(decoding: joined, as: UTF8.self))
        case .array:
            var elements: [CBOR] = []
            while try !consumeBreak(openedAt: start) { elements.append(try readItem(depth: depth + 1)) }
            return .array(elements)
        case .map:
            return .map(try readEntries(count: nil, start: start, depth: depth))
        case .simple:
            throw CBORError(.unexpectedBreak, "break outside an indefinite-length item", offset: start)
        case .unsigned, .negative, .tag:
            throw CBORError(
                .invalidIndefinite, "major type \(major.rawValue) cannot have indefinite length", offset: start)
        }
    }

    /// Reads `count` map entries, or entries up to a break when `count` is nil, and rejects
    /// duplicate keys (and, under deterministic rules, keys out of bytewise order).
    private mutating func readEntries(count: Int?, start: Int, depth: Int) throws(CBORError) -> [CBOR.Pair] {
        var pairs: [CBOR.Pair] = []
        if let count { pairs.reserveCapacity(count) }
        var previousKey: Range<Int>?
        while true {
            if let count {
                if pairs.count == count { break }
            } else if try consumeBreak(openedAt: start) {
                break
            }
            let keyStart = offset
            let key = try readItem(depth: depth + 1)
            let keySpan = keyStart..<offset
            if deterministic, let previousKey {
                if bytes[previousKey].elementsEqual(bytes[keySpan]) {
                    throw CBORError(.duplicateKey, "map has the key \(key.diagnosticSummary) twice", offset: keyStart)
                }
                guard bytes[previousKey].lexicographicallyPrecedes(bytes[keySpan]) else {
                    throw CBORError(.notDeterministic, "map keys are not in bytewise order", offset: keyStart)
                }
            }
            previousKey = keySpan
            pairs.append(CBOR.Pair(key, try readItem(depth: depth + 1)))
        }
        if !deterministic, let duplicate = Self.duplicateKey(in: pairs) {
            throw CBORError(.duplicateKey, "map has the key \(duplicate.diagnosticSummary) twice", offset: start)
        }
        return pairs
    }

    private static func duplicateKey(in pairs: [CBOR.Pair]) -> CBOR? {
        if pairs.count <= 4 {
            for index in pairs.indices.dropFirst() {
                let key = pairs[index].key
                if pairs[..<index].contains(where: { $0.key == key }) { return key }
            }
            return nil
        }
        var seen = Set<CBOR>(minimumCapacity: pairs.count)
        for pair in pairs where !seen.insert(pair.key).inserted { return pair.key }
        return nil
    }

    private func simpleOrFloat(info: UInt8, argument: UInt64, start: Int) throws(CBORError) -> CBOR {
        let value: Double
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 25: value = CBORFloat.double(half: UInt16(truncatingIfNeeded: argument))
        case 26: value = CBORFloat.double(single: UInt32(truncatingIfNeeded: argument))
        case 27: value = Double(bitPattern: argument)
        default: return .simple(UInt8(truncatingIfNeeded: argument))  // 0–19, or 32–255 after 0xf8
        }
        if deterministic && CBORFloat.preferred(value).info != info {
            throw CBORError(.notDeterministic, "float is not in its shortest exact form", offset: start)
        }
        return .float(value)
    }
}
