import Encoding

extension PlutusScript {
    /// The script with `parameters` applied in order, as Aiken's `apply_params_to_script` and the
    /// Plutus tooling do: the program's term `t` becomes `[[t p1] p2]…`, each `p` a Data constant.
    /// A parameterised validator (e.g. the MPFS cage's request script, applied to its state policy
    /// and cage token) gets its address this way.
    ///
    /// The script is read as a flat-encoded UPLC program (1.0.0 or 1.1.0) wrapped in one CBOR byte
    /// string; its term is walked only to find where it ends, and copied bit for bit.
    public func applying(_ parameters: [PlutusData]) throws(CardanoError) -> PlutusScript {
        let flat = try Self.unwrapped(bytes)
        var reader = FlatReader(flat)
        for _ in 0..<3 { try reader.skipNatural() }
        let termStart = reader.position
        try reader.skipTerm(depth: 0)
        let termEnd = reader.position
        try reader.skipPadding()

        var writer = FlatWriter()
        writer.appendBits(of: flat, from: 0, to: termStart)
        for _ in parameters { writer.append(0b0011, bits: 4) }
        writer.appendBits(of: flat, from: termStart, to: termEnd)
        for parameter in parameters {
            writer.append(0b0100, bits: 4)  // constant
            writer.append(0b1_1000_0, bits: 6)  // type list [data]
            writer.appendByteString(parameter.cborBytes)
        }
        writer.pad()

        var wrapped = CBORWriter(capacity: writer.bytes.count + 5)
        wrapped.appendHead(.bytes, UInt64(writer.bytes.count))
        wrapped.appendRaw(writer.bytes)
        return PlutusScript(language: language, bytes: wrapped.bytes)
    }

    /// The flat program inside the script's CBOR byte string.
    private static func unwrapped(_ bytes: [UInt8]) throws(CardanoError) -> [UInt8] {
        guard let flat = try? CBOR.decode(bytes).bytesValue else {
            throw CardanoError(.invalidScript, "the script is not one CBOR byte string")
        }
        return flat
    }
}

/// Reads a flat bit stream, most significant bit of each byte first, far enough to skip UPLC terms.
private struct FlatReader {
    let bytes: [UInt8]
    /// The next bit's index.
    private(set) var position = 0
    /// Terms nested deeper than this are refused rather than recursed into.
    static let maxDepth = 4_096

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func bit() throws(CardanoError) -> Bool {
        guard position < bytes.count * 8 else { throw CardanoError(.invalidScript, "the program ends inside a term") }
        defer { position += 1 }
        return bytes[position >> 3] & (0x80 >> UInt8(position & 7)) != 0
    }

    mutating func bits(_ count: Int) throws(CardanoError) -> Int {
        var value = 0
        for _ in 0..<count { value = value << 1 | (try bit() ? 1 : 0) }
        return value
    }

    /// A natural (or zigzag integer): 7-bit groups, each after a bit saying whether another follows.
    mutating func skipNatural() throws(CardanoError) {
        while try bits(8) & 0x80 != 0 {}
    }

    /// The program's final filler, `0…01` up to the last byte's end, and nothing after it.
    mutating func skipPadding() throws(CardanoError) {
        while try !bit() {}
        guard position == bytes.count * 8 else { throw CardanoError(.invalidScript, "bytes follow the program's term") }
    }

    /// A byte string: filler to the byte boundary, then chunks of up to 255 bytes after their length, ending with 0.
    mutating func skipByteString() throws(CardanoError) {
        while try !bit() {}
        guard position & 7 == 0 else { throw CardanoError(.invalidScript, "a byte string's filler does not end on a byte boundary") }
        while true {
            let length = try bits(8)
            if length == 0 { return }
            guard position + length * 8 <= bytes.count * 8 else { throw CardanoError(.invalidScript, "a byte string chunk runs past the end") }
            position += length * 8
        }
    }

    mutating func skipTerm(depth: Int) throws(CardanoError) {
        guard depth < Self.maxDepth else { throw CardanoError(.invalidScript, "terms nested deeper than \(Self.maxDepth)") }
        switch try bits(4) {
        case 0: try skipNatural()  // variable (de Bruijn index)
        case 1, 2, 5: try skipTerm(depth: depth + 1)  // delay, lambda (the binder is not encoded), force
        case 3:  // application
            try skipTerm(depth: depth + 1)
            try skipTerm(depth: depth + 1)
        case 4:  // constant
            var tags: [Int] = []
            while try bit() { tags.append(try bits(4)) }
            var cursor = tags[...]
            let type = try ConstantType.parse(&cursor, depth: 0)
            guard cursor.isEmpty else { throw CardanoError(.invalidScript, "a constant's type has tags left over") }
            try skipValue(of: type, depth: depth + 1)
        case 6: break  // error
        case 7: _ = try bits(7)  // builtin
        case 8:  // constructor: tag, fields
            try skipNatural()
            while try bit() { try skipTerm(depth: depth + 1) }
        case 9:  // case: scrutinee, branches
            try skipTerm(depth: depth + 1)
            while try bit() { try skipTerm(depth: depth + 1) }
        case let tag: throw CardanoError(.invalidScript, "unknown term tag \(tag)")
        }
    }

    mutating func skipValue(of type: ConstantType, depth: Int) throws(CardanoError) {
        guard depth < Self.maxDepth else { throw CardanoError(.invalidScript, "constants nested deeper than \(Self.maxDepth)") }
        switch type {
        case .integer: try skipNatural()
        case .byteString, .string, .data: try skipByteString()
        case .unit: break
        case .bool: _ = try bit()
        case .list(let element):
            while try bit() { try skipValue(of: element, depth: depth + 1) }
        case .pair(let first, let second):
            try skipValue(of: first, depth: depth + 1)
            try skipValue(of: second, depth: depth + 1)
        }
    }
}

/// The type of a UPLC constant, from its flat tag list (`7` applies a type operator: `[7, 5, a]` is a
/// list of `a`, `[7, 7, 6, a, b]` a pair).
private indirect enum ConstantType {
    case integer, byteString, string, unit, bool, data
    case list(ConstantType)
    case pair(ConstantType, ConstantType)

    static func parse(_ tags: inout ArraySlice<Int>, depth: Int) throws(CardanoError) -> ConstantType {
        guard depth < FlatReader.maxDepth else { throw CardanoError(.invalidScript, "a constant's type nested deeper than \(FlatReader.maxDepth)") }
        guard let tag = tags.popFirst() else { throw CardanoError(.invalidScript, "a constant's type ends early") }
        switch tag {
        case 0: return .integer
        case 1: return .byteString
        case 2: return .string
        case 3: return .unit
        case 4: return .bool
        case 8: return .data
        case 7:
            switch tags.popFirst() {
            case 5: return .list(try parse(&tags, depth: depth + 1))
            case 7:
                guard tags.popFirst() == 6 else { throw CardanoError(.invalidScript, "an unknown type operator in a constant") }
                return .pair(try parse(&tags, depth: depth + 1), try parse(&tags, depth: depth + 1))
            default: throw CardanoError(.invalidScript, "an unknown type operator in a constant")
            }
        default: throw CardanoError(.invalidScript, "a constant of type tag \(tag) cannot be in a script")
        }
    }
}

/// Writes a flat bit stream, most significant bit first.
private struct FlatWriter {
    private(set) var bytes: [UInt8] = []
    private var used = 0  // bits used in the last byte, 0 when it is full or there is none

    mutating func append(_ value: Int, bits count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) { appendBit(value >> shift & 1 == 1) }
    }

    mutating func appendBit(_ bit: Bool) {
        if used == 0 { bytes.append(0) }
        if bit { bytes[bytes.count - 1] |= 0x80 >> UInt8(used) }
        used = (used + 1) & 7
    }

    /// Bits `from..<to` of `source`.
    mutating func appendBits(of source: [UInt8], from start: Int, to end: Int) {
        var index = start
        while index < end, used != 0 {
            appendBit(source[index >> 3] & (0x80 >> UInt8(index & 7)) != 0)
            index += 1
        }
        // Byte-aligned here: whole bytes at a time where the source allows.
        while end - index >= 8 {
            let offset = index & 7
            let byte = offset == 0 ? source[index >> 3] : source[index >> 3] << offset | source[(index >> 3) + 1] >> (8 - offset)
            bytes.append(byte)
            index += 8
        }
        while index < end {
            appendBit(source[index >> 3] & (0x80 >> UInt8(index & 7)) != 0)
            index += 1
        }
    }

    /// Filler `0…01` up to the next byte boundary (a whole byte when already there).
    mutating func pad() {
        while used != 7 { appendBit(false) }
        appendBit(true)
    }

    mutating func appendByteString(_ value: [UInt8]) {
        pad()
        var start = 0
        while start < value.count {
            let chunk = min(255, value.count - start)
            bytes.append(UInt8(chunk))
            bytes.append(contentsOf: value[start..<start + chunk])
            start += chunk
        }
        bytes.append(0)
    }
}
