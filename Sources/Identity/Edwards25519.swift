import Synchronization

/// The small amount of Curve25519 arithmetic that did:key needs and swift-crypto does not expose:
/// checking that 32 bytes decode to an Ed25519 point (RFC 8032 §5.1.3) and mapping an Ed25519
/// public key to its X25519 (Montgomery) form, u = (1 + y) / (1 − y) mod p (RFC 7748 §4.1).
/// Not constant time: it only ever handles public keys.
enum Edwards25519 {
    /// Encodings found to be points, so a key checked once (an operator's, on every verification) is
    /// not checked again: the check is two field exponentiations. Emptied when it reaches its bound.
    private static let knownPoints = Mutex(Set<[UInt8]>())
    private static let knownPointsBound = 4_096

    /// Whether `bytes` is the encoding of a point on edwards25519.
    static func isValidPoint(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 32 else { return false }
        if knownPoints.withLock({ $0.contains(bytes) }) { return true }
        guard decodesToPoint(bytes) else { return false }
        knownPoints.withLock { known in
            if known.count >= knownPointsBound { known.removeAll(keepingCapacity: true) }
            known.insert(bytes)
        }
        return true
    }

    private static func decodesToPoint(_ bytes: [UInt8]) -> Bool {
        let sign = bytes[31] >> 7
        guard let y = FieldElement(canonicalLittleEndian: bytes, clearingTopBit: true) else { return false }
        // x² = (y² − 1) / (d·y² + 1); the point exists when the right side is a square.
        let ySquared = y * y
        let numerator = ySquared - .one
        let denominator = FieldElement.d * ySquared + .one
        let xSquared = numerator * denominator.inverse
        if xSquared == .zero { return sign == 0 }
        return xSquared.power(FieldElement.halfOrderMinusOne) == .one
    }

    /// The X25519 public key (32 bytes, little-endian u) of an Ed25519 public key.
    static func montgomeryU(fromEdwards bytes: [UInt8]) -> [UInt8] {
        let y = FieldElement(reducingLittleEndian: bytes, clearingTopBit: true)
        let u = (FieldElement.one + y) * (FieldElement.one - y).inverse
        return u.littleEndianBytes
    }
}

/// An integer modulo p = 2²⁵⁵ − 19, held reduced in four little-endian 64-bit limbs.
struct FieldElement: Equatable {
    private var limbs: [UInt64]

    private static let modulus: [UInt64] = [
        0xFFFF_FFFF_FFFF_FFED, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF,
    ]
    /// p − 2, the exponent that inverts (Fermat).
    private static let inverseExponent: [UInt64] = [
        0xFFFF_FFFF_FFFF_FFEB, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF,
    ]
    /// (p − 1) / 2, the Euler criterion exponent.
    static let halfOrderMinusOne: [UInt64] = [
        0xFFFF_FFFF_FFFF_FFF6, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x3FFF_FFFF_FFFF_FFFF,
    ]

    static let zero = FieldElement(limbs: [0, 0, 0, 0])
    static let one = FieldElement(limbs: [1, 0, 0, 0])
    /// The edwards25519 constant d = −121665 / 121666.
    static let d: FieldElement = (zero - FieldElement(limbs: [121_665, 0, 0, 0])) * FieldElement(limbs: [121_666, 0, 0, 0]).inverse

    private init(limbs: [UInt64]) {
        self.limbs = limbs
    }

    /// The value of 32 little-endian bytes, or nil when it is not below p.
    init?(canonicalLittleEndian bytes: [UInt8], clearingTopBit: Bool) {
        let limbs = Self.limbs(of: bytes, clearingTopBit: clearingTopBit)
        guard Self.compare(limbs, Self.modulus) < 0 else { return nil }
        self.limbs = limbs
    }

    /// The value of 32 little-endian bytes, reduced modulo p.
    init(reducingLittleEndian bytes: [UInt8], clearingTopBit: Bool) {
        var limbs = Self.limbs(of: bytes, clearingTopBit: clearingTopBit)
        while Self.compare(limbs, Self.modulus) >= 0 { limbs = Self.subtract(limbs, Self.modulus) }
        self.limbs = limbs
    }

    var littleEndianBytes: [UInt8] {
        limbs.flatMap { limb in (0..<8).map { UInt8(truncatingIfNeeded: limb >> (8 * $0)) } }
    }

    var inverse: FieldElement { power(Self.inverseExponent) }

    /// self^exponent, the exponent given as four little-endian limbs.
    func power(_ exponent: [UInt64]) -> FieldElement {
        var result = FieldElement.one
        for limb in exponent.reversed() {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result * result
                if (limb >> UInt64(bit)) & 1 == 1 { result = result * self }
            }
        }
        return result
    }

    static func + (lhs: FieldElement, rhs: FieldElement) -> FieldElement {
        var sum = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (partial, overflow1) = lhs.limbs[i].addingReportingOverflow(rhs.limbs[i])
            let (total, overflow2) = partial.addingReportingOverflow(carry)
            sum[i] = total
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        // Both operands are below p < 2²⁵⁵, so the sum fits in 256 bits.
        if compare(sum, modulus) >= 0 { sum = subtract(sum, modulus) }
        return FieldElement(limbs: sum)
    }

    static func - (lhs: FieldElement, rhs: FieldElement) -> FieldElement {
        if compare(lhs.limbs, rhs.limbs) >= 0 { return FieldElement(limbs: subtract(lhs.limbs, rhs.limbs)) }
        // lhs − rhs + p = lhs + (p − rhs), and p − rhs is below p.
        return lhs + FieldElement(limbs: subtract(modulus, rhs.limbs))
    }

    static func * (lhs: FieldElement, rhs: FieldElement) -> FieldElement {
        // Schoolbook 256 × 256 → 512-bit product.
        var product = [UInt64](repeating: 0, count: 8)
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                let (high, low) = lhs.limbs[i].multipliedFullWidth(by: rhs.limbs[j])
                let (sum1, overflow1) = product[i + j].addingReportingOverflow(low)
                let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                product[i + j] = sum2
                carry = high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
            }
            product[i + 4] = carry
        }
        return FieldElement(limbs: reduce(product))
    }

    /// Reduces a 512-bit number modulo p, using 2²⁵⁶ ≡ 38 (mod p).
    private static func reduce(_ wide: [UInt64]) -> [UInt64] {
        var result = Array(wide[0..<4])
        var carry = foldMultiple(of: Array(wide[4..<8]), into: &result)
        while carry != 0 {
            carry = foldMultiple(of: [carry, 0, 0, 0], into: &result)
        }
        while compare(result, modulus) >= 0 { result = subtract(result, modulus) }
        return result
    }

    /// result += 38 · high; returns what overflows 2²⁵⁶.
    private static func foldMultiple(of high: [UInt64], into result: inout [UInt64]) -> UInt64 {
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (productHigh, productLow) = high[i].multipliedFullWidth(by: 38)
            let (sum1, overflow1) = result[i].addingReportingOverflow(productLow)
            let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
            result[i] = sum2
            carry = productHigh + (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return carry
    }

    private static func limbs(of bytes: [UInt8], clearingTopBit: Bool) -> [UInt64] {
        var limbs = (0..<4).map { index in
            (0..<8).reduce(UInt64(0)) { value, offset in value | UInt64(bytes[index * 8 + offset]) << (8 * UInt64(offset)) }
        }
        if clearingTopBit { limbs[3] &= 0x7FFF_FFFF_FFFF_FFFF }
        return limbs
    }

    private static func compare(_ lhs: [UInt64], _ rhs: [UInt64]) -> Int {
        for i in stride(from: 3, through: 0, by: -1) where lhs[i] != rhs[i] {
            return lhs[i] < rhs[i] ? -1 : 1
        }
        return 0
    }

    /// lhs − rhs for lhs ≥ rhs.
    private static func subtract(_ lhs: [UInt64], _ rhs: [UInt64]) -> [UInt64] {
        var difference = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (partial, overflow1) = lhs[i].subtractingReportingOverflow(rhs[i])
            let (total, overflow2) = partial.subtractingReportingOverflow(borrow)
            difference[i] = total
            borrow = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return difference
    }
}
