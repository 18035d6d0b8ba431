import Encoding

/// A Cardano payment key hash: BLAKE2b-224 of a public key, 28 bytes.
public struct KeyHash: Hashable, Sendable, CustomStringConvertible {
    /// The 28 bytes.
    public let bytes: [UInt8]

    /// The key hash whose bytes are `bytes`; nil unless there are exactly 28.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 28 else { return nil }
        self.bytes = Array(bytes)
    }

    /// The key hash spelled by 56 hex digits; nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 56, let bytes = try? Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The hash of a public key (for Ed25519, the 32-byte key), as Cardano computes it.
    public init(publicKey: some Collection<UInt8>) {
        bytes = Blake2b.hash224(publicKey)
    }

    /// Lowercase hex of the 28 bytes.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
