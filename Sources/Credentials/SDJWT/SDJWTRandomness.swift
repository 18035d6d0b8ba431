import Encoding

/// Where an issuer's salts, decoy digests and decoy positions come from: the system's secure
/// generator, or fixed bytes so tests can reproduce an issuance.
public struct SDJWTRandomness: Sendable {
    private let bytes: @Sendable (Int) -> [UInt8]

    /// Randomness from `bytes`, which returns the number of random bytes asked for.
    public init(bytes: @escaping @Sendable (Int) -> [UInt8]) {
        self.bytes = bytes
    }

    /// The system's cryptographically secure generator.
    public static let system = SDJWTRandomness { count in
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }

    /// A salt of 128 random bits, base64url (RFC 9901 §9.3).
    func salt() -> String {
        Base64URL.encode(bytes(16))
    }

    /// A number in `range`, nearly uniform (the ranges used are tiny next to 2^64).
    func number(in range: ClosedRange<Int>) -> Int {
        guard range.lowerBound < range.upperBound else { return range.lowerBound }
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        let draw = bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return range.lowerBound + Int(draw % span)
    }
}
