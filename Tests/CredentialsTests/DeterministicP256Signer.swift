import Crypto
import Identity

/// ECDSA P-256 with SHA-256 and the deterministic nonce of RFC 6979 §3.2, raw r‖s without low-S
/// normalization: how the published ecdsa-sd-2023 vectors were signed, so that a proof made with
/// their keys can be compared byte for byte. Test-only and not constant time: never for real keys.
/// The point k·G comes from swift-crypto (the public key of k); only the scalar arithmetic modulo the
/// group order is done here.
struct DeterministicP256Signer: Signer {
    let secretKey: [UInt8]
    let publicKey: [UInt8]
    var algorithm: KeyAlgorithm { .p256 }

    init(secretKey: [UInt8]) throws {
        self.secretKey = secretKey
        publicKey = try SoftwareSigner(algorithm: .p256, secretKey: secretKey).publicKey
    }

    func sign(_ message: [UInt8]) async throws -> [UInt8] {
        let hash = Array(SHA256.hash(data: message))
        let d = Scalar(secretKey)
        let e = Scalar(hash).reduced
        // RFC 6979 §3.2 steps b–h with HMAC-SHA-256; qlen = hlen = 256, so bits2int is the plain value.
        var v = [UInt8](repeating: 1, count: 32)
        var k = [UInt8](repeating: 0, count: 32)
        func mac(_ key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
            Array(HMAC<SHA256>.authenticationCode(for: parts.flatMap { $0 }, using: SymmetricKey(data: key)))
        }
        k = mac(k, v, [0], secretKey, e.bytes)
        v = mac(k, v)
        k = mac(k, v, [1], secretKey, e.bytes)
        v = mac(k, v)
        while true {
            v = mac(k, v)
            let nonce = Scalar(v)
            if !nonce.isZero, nonce < Scalar.order {
                let point = try SoftwareSigner(algorithm: .p256, secretKey: v).publicKey  // compressed k·G
                let r = Scalar(Array(point[1...])).reduced
                let s = nonce.inverse.times(e.plus(r.times(d)))
                if !r.isZero, !s.isZero { return r.bytes + s.bytes }
            }
            k = mac(k, v, [0])
            v = mac(k, v)
        }
    }
}

/// A 256-bit unsigned integer (four little-endian 64-bit limbs) and arithmetic modulo the P-256
/// group order n.
private struct Scalar: Comparable {
    var limbs: [UInt64]

    static let order = Scalar(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")

    init(limbs: [UInt64]) { self.limbs = limbs }

    /// From 32 big-endian bytes.
    init(_ bytes: [UInt8]) {
        limbs = (0..<4).map { limb in (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[32 - 8 * (limb + 1) + $1]) } }
    }

    init(hex: String) {
        let digits = Array(hex.utf8)
        self.init((0..<32).map { UInt8(String(decoding: digits[(2 * $0)..<(2 * $0 + 2)], as: UTF8.self), radix: 16)! })
    }

    var bytes: [UInt8] { (0..<32).map { UInt8(truncatingIfNeeded: limbs[3 - $0 / 8] >> (8 * (7 - UInt64($0 % 8)))) } }
    var isZero: Bool { limbs.allSatisfy { $0 == 0 } }
    var isEven: Bool { limbs[0] & 1 == 0 }
    var isOne: Bool { limbs[0] == 1 && limbs[1...].allSatisfy { $0 == 0 } }

    static func < (a: Scalar, b: Scalar) -> Bool {
        for index in (0..<4).reversed() where a.limbs[index] != b.limbs[index] { return a.limbs[index] < b.limbs[index] }
        return false
    }

    static func add(_ a: Scalar, _ b: Scalar) -> (Scalar, carry: Bool) {
        var out = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for index in 0..<4 {
            let (partial, first) = a.limbs[index].addingReportingOverflow(b.limbs[index])
            let (sum, second) = partial.addingReportingOverflow(carry)
            out[index] = sum
            carry = (first ? 1 : 0) + (second ? 1 : 0)
        }
        return (Scalar(limbs: out), carry != 0)
    }

    static func subtract(_ a: Scalar, _ b: Scalar) -> Scalar {
        var out = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for index in 0..<4 {
            let (partial, first) = a.limbs[index].subtractingReportingOverflow(b.limbs[index])
            let (difference, second) = partial.subtractingReportingOverflow(borrow)
            out[index] = difference
            borrow = (first ? 1 : 0) + (second ? 1 : 0)
        }
        return Scalar(limbs: out)
    }

    /// Halves, `top` being bit 256.
    func halved(top: Bool = false) -> Scalar {
        var out = limbs
        for index in 0..<4 {
            let high = index < 3 ? limbs[index + 1] & 1 : (top ? 1 : 0)
            out[index] = limbs[index] >> 1 | high << 63
        }
        return Scalar(limbs: out)
    }

    /// The value modulo n (any 256-bit value is below 2n).
    var reduced: Scalar { self < Self.order ? self : Self.subtract(self, Self.order) }

    func plus(_ other: Scalar) -> Scalar {
        let (sum, carry) = Self.add(self, other)
        return carry || !(sum < Self.order) ? Self.subtract(sum, Self.order) : sum
    }

    func minus(_ other: Scalar) -> Scalar {
        other < self || other == self ? Self.subtract(self, other) : Self.subtract(Self.add(self, Self.order).0, other)
    }

    /// Double and add, from the top bit of `other`.
    func times(_ other: Scalar) -> Scalar {
        var result = Scalar(limbs: [0, 0, 0, 0])
        for bit in (0..<256).reversed() {
            result = result.plus(result)
            if other.limbs[bit / 64] >> UInt64(bit % 64) & 1 == 1 { result = result.plus(self) }
        }
        return result
    }

    /// The inverse modulo n by the binary extended Euclidean algorithm (n is odd).
    var inverse: Scalar {
        var u = self, v = Self.order
        var x1 = Scalar(limbs: [1, 0, 0, 0]), x2 = Scalar(limbs: [0, 0, 0, 0])
        func halve(_ x: Scalar) -> Scalar {
            guard !x.isEven else { return x.halved() }
            let (sum, carry) = Self.add(x, Self.order)
            return sum.halved(top: carry)
        }
        while !u.isOne, !v.isOne {
            while u.isEven {
                u = u.halved()
                x1 = halve(x1)
            }
            while v.isEven {
                v = v.halved()
                x2 = halve(x2)
            }
            if v < u || u == v {
                u = Self.subtract(u, v)
                x1 = x1.minus(x2)
            } else {
                v = Self.subtract(v, u)
                x2 = x2.minus(x1)
            }
        }
        return u.isOne ? x1 : x2
    }
}
