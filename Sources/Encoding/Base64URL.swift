/// Base64 with the URL- and filename-safe alphabet (RFC 4648 §5), without padding, as JWS, JWK
/// and multibase `u` use it.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The value of each ASCII character, or 0xFF if it is not in the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// `bytes` as unpadded base64url.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        bytes.withContiguousStorageIfAvailable(encode(buffer:)) ?? Array(bytes).withUnsafeBufferPointer(encode(buffer:))
    }

    private static func encode(buffer bytes: UnsafeBufferPointer<UInt8>) -> String {
        let count = bytes.count
        let length = count / 3 * 4 + (count % 3 == 0 ? 0 : count % 3 + 1)
        return alphabet.withUnsafeBufferPointer { alphabet in
            String(unsafeUninitializedCapacity: length) { output in
                var index = 0
                func emit(_ group: UInt32, shift: UInt32) {
                    output[index] = alphabet[Int(group >> shift & 0x3F)]
                    index += 1
                }
                var offset = 0
                while count - offset >= 3 {
                    let group = UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2])
                    emit(group, shift: 18)
                    emit(group, shift: 12)
                    emit(group, shift: 6)
                    emit(group, shift: 0)
                    offset += 3
                }
                // 1 leftover byte -> 2 characters, 2 bytes -> 3; the spare low bits are zero.
                if count - offset == 1 {
                    let group = UInt32(bytes[offset]) << 4
                    emit(group, shift: 6)
                    emit(group, shift: 0)
                } else if count - offset == 2 {
                    let group = (UInt32(bytes[offset]) << 8 | UInt32(bytes[offset + 1])) << 2
                    emit(group, shift: 12)
                    emit(group, shift: 6)
                    emit(group, shift: 0)
                }
                return index
            }
        }
    }

    /// The bytes of an unpadded base64url string. Padding, characters outside the alphabet
    /// (including whitespace and the `+`/`/` of standard base64), a length of 4n+1, and non-zero
    /// bits after the last byte are all `invalid_base64url`, so every byte string has exactly one
    /// accepted encoding.
    public static func decode(_ string: String) throws(BaseEncodingError) -> [UInt8] {
        try decode(utf8: string.utf8, offset: 0)
    }

    /// Decodes ASCII `utf8`; `offset` is where it starts in the caller's string, for messages.
    static func decode(utf8: some Collection<UInt8>, offset: Int) throws(BaseEncodingError) -> [UInt8] {
        let characters = Array(utf8)
        let values = Self.values
        let count = characters.count
        guard count % 4 != 1 else {
            throw BaseEncodingError(
                code: "invalid_base64url", message: "\(count) characters cannot be base64url (a length of 4n+1 is impossible)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count / 4 * 3 + 2)
        var group: UInt32 = 0
        var pending = 0
        for position in 0..<count {
            let character = characters[position]
            let value = values[Int(character)]
            guard value != 0xFF else {
                if character == UInt8(ascii: "=") {
                    throw BaseEncodingError(
                        code: "invalid_base64url", message: "padding '=' at offset \(offset + position) is not allowed in base64url")
                }
                throw .invalidCharacter(character, at: offset + position, code: "invalid_base64url", alphabet: "base64url")
            }
            group = group << 6 | UInt32(value)
            pending += 1
            if pending == 4 {
                bytes.append(UInt8(truncatingIfNeeded: group >> 16))
                bytes.append(UInt8(truncatingIfNeeded: group >> 8))
                bytes.append(UInt8(truncatingIfNeeded: group))
                group = 0
                pending = 0
            }
        }
        // 2 leftover characters carry 12 bits = 1 byte + 4 spare bits; 3 carry 18 = 2 bytes + 2.
        if pending > 0 {
            let spareBits = UInt32(pending == 2 ? 4 : 2)
            guard group & ((1 << spareBits) - 1) == 0 else {
                throw BaseEncodingError(
                    code: "invalid_base64url", message: "the last character at offset \(offset + count - 1) has non-zero trailing bits")
            }
            group >>= spareBits
            if pending == 3 { bytes.append(UInt8(truncatingIfNeeded: group >> 8)) }
            bytes.append(UInt8(truncatingIfNeeded: group))
        }
        return bytes
    }
}
