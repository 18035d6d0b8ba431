/// Unsigned varints as multiformats defines them: LEB128 (7 bits a byte, low group first, high
/// bit = more follows), at most 9 bytes, minimally encoded.
public enum Varint {
    /// The longest varint multiformats allows; 9 bytes carry 63 bits.
    public static let maximumLength = 9

    /// The varint of `value`. Values of 2^63 and above need 10 bytes, which multiformats does not
    /// allow and ``decode(_:)`` rejects; multicodec codes are far below that.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    /// The varint at the start of `bytes` and how many bytes it took. Errors: `empty_input`,
    /// `invalid_varint` (input ends inside the varint), `varint_overflow` (longer than 9 bytes),
    /// `varint_not_minimal` (a redundant final zero group, e.g. `80 00` for 0).
    public static func decode(_ bytes: some Collection<UInt8>) throws(BaseEncodingError) -> (value: UInt64, length: Int) {
        guard !bytes.isEmpty else {
            throw BaseEncodingError(code: "empty_input", message: "no bytes to read a varint from")
        }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            value |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                guard byte != 0 || index == 0 else {
                    throw BaseEncodingError(
                        code: "varint_not_minimal", message: "varint of \(index + 1) bytes ends in a zero byte; it must be minimal")
                }
                return (value, index + 1)
            }
            guard index + 1 < maximumLength else {
                throw BaseEncodingError(
                    code: "varint_overflow", message: "varint continues past \(maximumLength) bytes (more than 63 bits)")
            }
        }
        throw BaseEncodingError(
            code: "invalid_varint", message: "input ends after \(bytes.count) bytes inside a varint (last byte has the continuation bit)")
    }
}

/// Multicodec headers: a varint code (e.g. 0xed ed25519-pub, 0x1200 p256-pub) in front of a payload.
public enum Multicodec {
    /// `varint(code)` followed by `bytes`.
    public static func prefix(_ code: UInt64, to bytes: some Collection<UInt8>) -> [UInt8] {
        Varint.encode(code) + bytes
    }

    /// The code at the start of `bytes` and the payload after it; errors are those of ``Varint/decode(_:)``.
    public static func split(_ bytes: some Collection<UInt8>) throws(BaseEncodingError) -> (code: UInt64, payload: [UInt8]) {
        let (code, length) = try Varint.decode(bytes)
        return (code, Array(bytes.dropFirst(length)))
    }
}
