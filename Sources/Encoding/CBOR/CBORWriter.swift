/// The eight CBOR major types (RFC 8949 §3.1).
public enum CBORMajorType: UInt8, Sendable, CaseIterable {
    case unsigned = 0
    case negative = 1
    case bytes = 2
    case text = 3
    case array = 4
    case map = 5
    case tag = 6
    /// Floats, simple values and the break stop code.
    case simple = 7
}

/// A low-level CBOR byte writer. `append(_:)` writes Core Deterministic Encoding; the head and
/// indefinite-length methods let a format that demands other forms (for example Plutus data, which
/// uses indefinite-length arrays and chunked byte strings) write exactly what it needs.
public struct CBORWriter: Sendable {
    /// The bytes written so far.
    public internal(set) var bytes: [UInt8]

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends a data item head with the shortest encoding of `argument` (RFC 8949 §4.2.1).
    public mutating func appendHead(_ major: CBORMajorType, _ argument: UInt64) {
        let type = major.rawValue << 5
        switch argument {
        case 0..<24:
            bytes.append(type | UInt8(argument))
        case 24...0xff:
            bytes.append(type | 24)
            bytes.append(UInt8(argument))
        case 0x100...0xffff:
            bytes.append(type | 25)
            appendBigEndian(argument, count: 2)
        case 0x1_0000...0xffff_ffff:
            bytes.append(type | 26)
            appendBigEndian(argument, count: 4)
        default:
            bytes.append(type | 27)
            appendBigEndian(argument, count: 8)
        }
    }

    /// Appends the head of an indefinite-length array; close it with `appendBreak()`.
    public mutating func beginIndefiniteArray() { bytes.append(0x9f) }

    /// Appends the head of an indefinite-length map; close it with `appendBreak()`.
    public mutating func beginIndefiniteMap() { bytes.append(0xbf) }

    /// Appends the head of an indefinite-length byte string; follow it with definite byte string
    /// chunks and `appendBreak()`.
    public mutating func beginIndefiniteBytes() { bytes.append(0x5f) }

    /// Appends the head of an indefinite-length text string; follow it with definite text string
    /// chunks and `appendBreak()`.
    public mutating func beginIndefiniteText() { bytes.append(0x7f) }

    /// Appends the break stop code `ff`.
    public mutating func appendBreak() { bytes.append(0xff) }

    /// Appends bytes as they are, e.g. an already encoded data item.
    public mutating func appendRaw(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// Appends a float in its preferred serialization: the shortest of half, single and double
    /// precision that keeps the value (and any NaN payload) exactly.
    public mutating func appendFloat(_ value: Double) {
        let (info, bits) = CBORFloat.preferred(value)
        bytes.append(0xe0 | info)
        appendBigEndian(bits, count: 1 << Int(info - 24))
    }

    private mutating func appendBigEndian(_ value: UInt64, count: Int) {
        var shift = 8 * (count - 1)
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            shift -= 8
        }
    }
}
