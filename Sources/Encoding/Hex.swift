/// Base16 as lowercase hex digits, two per byte.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        bytes.withContiguousStorageIfAvailable(encode(buffer:)) ?? Array(bytes).withUnsafeBufferPointer(encode(buffer:))
    }

    private static func encode(buffer bytes: UnsafeBufferPointer<UInt8>) -> String {
        digits.withUnsafeBufferPointer { digits in
            String(unsafeUninitializedCapacity: bytes.count * 2) { output in
                for (index, byte) in bytes.enumerated() {
                    output[2 * index] = digits[Int(byte >> 4)]
                    output[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
                return bytes.count * 2
            }
        }
    }

    /// The bytes spelled by `string`, upper- or lowercase digits. An odd length or any other
    /// character is `invalid_hex`.
    public static func decode(_ string: String) throws(BaseEncodingError) -> [UInt8] {
        let digits = Array(string.utf8)
        guard digits.count % 2 == 0 else {
            throw BaseEncodingError(code: "invalid_hex", message: "hex needs an even number of digits, got \(digits.count)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for offset in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(of: digits[offset]) else {
                throw .invalidCharacter(digits[offset], at: offset, code: "invalid_hex", alphabet: "hex")
            }
            guard let low = value(of: digits[offset + 1]) else {
                throw .invalidCharacter(digits[offset + 1], at: offset + 1, code: "invalid_hex", alphabet: "hex")
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
