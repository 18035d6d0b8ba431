/// An integer of any size as Plutus data holds it, in the CBOR convention: the value is `magnitude`
/// (big-endian, no leading zero bytes) or, when `isNegative`, `-1 - magnitude`. So `-1` is
/// (negative, []) and `-2^64` is (negative, ff×8): exactly the argument of CBOR major type 1 and the
/// content of bignum tag 3.
public struct PlutusInteger: Sendable, Hashable, CustomStringConvertible {
    /// Whether the value is `-1 - magnitude` rather than `magnitude`.
    public let isNegative: Bool
    /// The big-endian magnitude `n`, without leading zero bytes (empty for 0).
    public let magnitude: [UInt8]

    /// Creates an integer from its CBOR sign and magnitude; leading zero bytes are dropped.
    public init(isNegative: Bool, magnitude: some Collection<UInt8>) {
        self.isNegative = isNegative
        self.magnitude = Array(magnitude.drop(while: { $0 == 0 }))
    }

    /// Creates an integer from a machine integer.
    public init(_ value: Int64) {
        if value >= 0 {
            self.init(isNegative: false, magnitude: Self.bigEndian(UInt64(value)))
        } else {
            self.init(isNegative: true, magnitude: Self.bigEndian(UInt64(-1 - value)))
        }
    }

    /// Creates a non-negative integer.
    public init(_ value: UInt64) {
        self.init(isNegative: false, magnitude: Self.bigEndian(value))
    }

    /// Parses a decimal integer such as `-18446744073709551617`; nil when malformed.
    public init?(decimal: String) {
        var digits = Substring(decimal)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        // Little-endian base-256 accumulator: value = value * 10 + digit.
        var limbs: [UInt8] = []
        for digit in digits.utf8 {
            var carry = UInt32(digit - 0x30)
            for index in limbs.indices {
                let product = UInt32(limbs[index]) * 10 + carry
                limbs[index] = UInt8(truncatingIfNeeded: product)
                carry = product >> 8
            }
            while carry > 0 {
                limbs.append(UInt8(truncatingIfNeeded: carry))
                carry >>= 8
            }
        }
        var magnitude = Array(limbs.reversed().drop(while: { $0 == 0 }))
        if negative {
            guard !magnitude.isEmpty else {
                self.init(isNegative: false, magnitude: [])  // "-0"
                return
            }
            // -v = -1 - n, so n = v - 1.
            var index = magnitude.count - 1
            while magnitude[index] == 0 {
                magnitude[index] = 0xff
                index -= 1
            }
            magnitude[index] -= 1
        }
        self.init(isNegative: negative, magnitude: magnitude)
    }

    /// The value when it fits in `Int64`.
    public var int64Value: Int64? {
        guard magnitude.count <= 8 else { return nil }
        let n = magnitude.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard n <= UInt64(Int64.max) else { return nil }
        return isNegative ? -1 - Int64(n) : Int64(n)
    }

    /// The decimal form, e.g. `-18446744073709551617`.
    public var description: String {
        // Value magnitude |v|: n for non-negative, n + 1 for negative.
        var value = magnitude
        if isNegative {
            var index = value.count - 1
            while index >= 0 && value[index] == 0xff {
                value[index] = 0
                index -= 1
            }
            if index >= 0 { value[index] += 1 } else { value.insert(1, at: 0) }
        }
        var digits: [UInt8] = []
        while value.contains(where: { $0 != 0 }) {
            var remainder: UInt32 = 0
            for index in value.indices {
                let current = remainder << 8 | UInt32(value[index])
                value[index] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder) + 0x30)
        }
        if digits.isEmpty { digits = [0x30] }
        return (isNegative ? "-" : "") + String(decoding: digits.reversed(), as: UTF8.self)
    }

    static func bigEndian(_ n: UInt64) -> [UInt8] {
        let count = (64 - n.leadingZeroBitCount + 7) / 8
        return (0..<count).reversed().map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
    }
}
