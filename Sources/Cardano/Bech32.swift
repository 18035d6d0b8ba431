/// Bech32 (BIP-173, not Bech32m) as Cardano uses it for addresses and keys, without BIP-173's
/// 90-character limit (Cardano strings can be longer).
public enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    /// Encodes `data` under the human-readable part `hrp` (lowercase).
    public static func encode(hrp: String, data: [UInt8]) -> String {
        let words = convert(data, from: 8, to: 5, pad: true) ?? []
        let hrpBytes = Array(hrp.lowercased().utf8)
        let checksum = checksum(hrp: hrpBytes, words: words)
        return String(decoding: hrpBytes + [0x31] + (words + checksum).map { charset[Int($0)] }, as: UTF8.self)
    }

    /// Decodes a Bech32 string into its human-readable part and data (`cardano_bech32_invalid` otherwise).
    public static func decode(_ string: String) throws(CardanoError) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(string.utf8)
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7a }
        let hasUpper = bytes.contains { $0 >= 0x41 && $0 <= 0x5a }
        guard !(hasLower && hasUpper) else { throw CardanoError(.invalidBech32, "mixed case") }
        let lower = Array(string.lowercased().utf8)
        guard let separator = lower.lastIndex(of: 0x31), separator >= 1, lower.count - separator - 1 >= 6 else {
            throw CardanoError(.invalidBech32, "no separator or too short a data part")
        }
        let hrp = Array(lower[..<separator])
        guard hrp.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { throw CardanoError(.invalidBech32, "bad hrp character") }
        var words: [UInt8] = []
        for character in lower[(separator + 1)...] {
            guard let value = charset.firstIndex(of: character) else {
                throw CardanoError(.invalidBech32, "bad data character")
            }
            words.append(UInt8(value))
        }
        guard polymod(expand(hrp) + words) == 1 else { throw CardanoError(.invalidBech32, "checksum mismatch") }
        guard let data = convert(Array(words.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw CardanoError(.invalidBech32, "bad padding")
        }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1ff_ffff) << 5 ^ UInt32(value)
            for index in 0..<5 where (top >> UInt32(index)) & 1 == 1 { check ^= generator[index] }
        }
        return check
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    private static func checksum(hrp: [UInt8], words: [UInt8]) -> [UInt8] {
        let mod = polymod(expand(hrp) + words + [0, 0, 0, 0, 0, 0]) ^ 1
        return (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
    }

    private static func convert(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var result: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            accumulator = accumulator << from | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                result.append(UInt8((accumulator >> bits) & maxValue))
            }
            accumulator &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { result.append(UInt8((accumulator << (to - bits)) & maxValue)) }
        } else if bits >= from || (accumulator << (to - bits)) & maxValue != 0 {
            return nil
        }
        return result
    }
}
