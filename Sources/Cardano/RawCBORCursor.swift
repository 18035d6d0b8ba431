import Encoding

/// A minimal CBOR head reader for formats whose exact serialization matters (Plutus data): it
/// reports whether a length was definite and lets the caller take string payloads itself.
struct RawCBORCursor {
    struct Head {
        let major: CBORMajorType
        let info: UInt8
        /// nil for indefinite length or break.
        let argument: UInt64?
        let offset: Int
    }

    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func readHead() throws(CardanoError) -> Head {
        let start = offset
        guard offset < bytes.count else { throw CardanoError(.malformedCBOR, "input ends at byte \(start)") }
        let initial = bytes[offset]
        offset += 1
        guard let major = CBORMajorType(rawValue: initial >> 5) else {
            throw CardanoError(.malformedCBOR, "bad initial byte at \(start)")
        }
        let info = initial & 0x1f
        switch info {
        case 0..<24:
            return Head(major: major, info: info, argument: UInt64(info), offset: start)
        case 24...27:
            let count = 1 << Int(info - 24)
            guard bytes.count - offset >= count else {
                throw CardanoError(.malformedCBOR, "head at byte \(start) is truncated")
            }
            var value: UInt64 = 0
            for index in offset..<offset + count { value = value << 8 | UInt64(bytes[index]) }
            offset += count
            return Head(major: major, info: info, argument: value, offset: start)
        case 31:
            guard major != .unsigned, major != .negative, major != .tag else {
                throw CardanoError(.malformedCBOR, "indefinite length on major type \(major.rawValue) at byte \(start)")
            }
            return Head(major: major, info: info, argument: nil, offset: start)
        default:
            throw CardanoError(.malformedCBOR, "reserved additional information \(info) at byte \(start)")
        }
    }

    /// Whether the next byte is a break; consumes it if so.
    mutating func consumeBreak() throws(CardanoError) -> Bool {
        guard offset < bytes.count else { throw CardanoError(.malformedCBOR, "indefinite item has no break") }
        guard bytes[offset] == 0xff else { return false }
        offset += 1
        return true
    }

    mutating func take(_ length: UInt64) throws(CardanoError) -> ArraySlice<UInt8> {
        guard length <= UInt64(bytes.count - offset) else {
            throw CardanoError(.malformedCBOR, "string of \(length) bytes at byte \(offset) runs past the input")
        }
        let range = offset..<offset + Int(length)
        offset = range.upperBound
        return bytes[range]
    }
}
