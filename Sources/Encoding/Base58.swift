/// Base58 with the Bitcoin alphabet (multibase `base58btc`), as did:key, Multikey and the
/// Ed25519/ECDSA Data Integrity proof values use it. Each leading zero byte is one leading `1`.
///
/// Meant for short values such as keys and signatures: the conversion is quadratic in the length,
/// so `decode` refuses strings longer than ``maximumDecodeLength``.
public enum Base58BTC {
    /// The longest string `decode` accepts (4096 characters, about 3 KB of data).
    public static let maximumDecodeLength = 4096

    private static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// The value of each ASCII character, or 0xFF if it is not in the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// 58^5, the largest power of 58 below 2^30: the conversions work on five digits at a time.
    private static let fiveDigits: UInt64 = 656_356_768

    /// `bytes` in base58btc.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        let zeros = input.prefix { $0 == 0 }.count
        // The number as little-endian limbs in base 58^5; bytes are fed in 4 at a time. A limb is
        // below 2^30, so limb * 2^32 + carry stays below 2^63.
        var limbs: [UInt64] = []
        limbs.reserveCapacity((input.count - zeros) * 138 / 500 + 1)
        var index = zeros
        while index < input.count {
            let take = min(4, input.count - index)
            var carry: UInt64 = 0
            for byte in input[index..<(index + take)] { carry = carry << 8 | UInt64(byte) }
            let multiplier = UInt64(1) << UInt64(8 * take)
            for limb in limbs.indices {
                let value = limbs[limb] * multiplier + carry
                limbs[limb] = value % fiveDigits
                carry = value / fiveDigits
            }
            while carry > 0 {
                limbs.append(carry % fiveDigits)
                carry /= fiveDigits
            }
            index += take
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(limbs.count * 5)
        for var limb in limbs {
            for _ in 0..<5 {
                digits.append(UInt8(limb % 58))
                limb /= 58
            }
        }
        while digits.last == 0 { digits.removeLast() }
        let characters = [UInt8](repeating: alphabet[0], count: zeros) + digits.reversed().map { alphabet[Int($0)] }
        return String(decoding: characters, as: UTF8.self)
    }

    /// The bytes of a base58btc string (an empty string is no bytes). A character outside the
    /// alphabet is `invalid_base58`; more than ``maximumDecodeLength`` characters is `input_too_long`.
    public static func decode(_ string: String) throws(BaseEncodingError) -> [UInt8] {
        try decode(utf8: string.utf8, offset: 0)
    }

    /// Decodes ASCII `utf8`; `offset` is where it starts in the caller's string, for messages.
    static func decode(utf8: some Collection<UInt8>, offset: Int) throws(BaseEncodingError) -> [UInt8] {
        guard utf8.count <= maximumDecodeLength else {
            throw BaseEncodingError(
                code: "input_too_long",
                message: "base58btc input of \(utf8.count) characters is longer than the \(maximumDecodeLength) accepted")
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(utf8.count)
        for (position, character) in utf8.enumerated() {
            let value = values[Int(character)]
            guard value != 0xFF else {
                throw .invalidCharacter(character, at: offset + position, code: "invalid_base58", alphabet: "base58btc")
            }
            digits.append(value)
        }
        let zeros = digits.prefix { $0 == 0 }.count
        // The number as little-endian 32-bit limbs; digits are fed in 5 at a time, so
        // limb * 58^5 + carry stays below 2^63.
        var limbs: [UInt64] = []
        limbs.reserveCapacity((digits.count - zeros) * 733 / 3200 + 1)
        var index = zeros
        while index < digits.count {
            let take = min(5, digits.count - index)
            var carry: UInt64 = 0
            var multiplier: UInt64 = 1
            for digit in digits[index..<(index + take)] {
                carry = carry * 58 + UInt64(digit)
                multiplier *= 58
            }
            for limb in limbs.indices {
                let value = limbs[limb] * multiplier + carry
                limbs[limb] = value & 0xFFFF_FFFF
                carry = value >> 32
            }
            while carry > 0 {
                limbs.append(carry & 0xFFFF_FFFF)
                carry >>= 32
            }
            index += take
        }
        var bytes = [UInt8](repeating: 0, count: zeros)
        bytes.reserveCapacity(zeros + limbs.count * 4)
        var leading = true
        for limb in limbs.reversed() {
            for shift in stride(from: 24, through: 0, by: -8) {
                let byte = UInt8(truncatingIfNeeded: limb >> UInt64(shift))
                if leading && byte == 0 { continue }
                leading = false
                bytes.append(byte)
            }
        }
        return bytes
    }
}
