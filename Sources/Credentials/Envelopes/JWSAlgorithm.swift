import Identity

/// The JWS algorithms Voltpass signs and verifies (RFC 7518 §3.1, RFC 8037 §3.1); ECDSA signatures
/// are raw r‖s, as JWS wants them.
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    /// EdDSA with Ed25519.
    case edDSA = "EdDSA"
    /// ECDSA with P-256 and SHA-256.
    case es256 = "ES256"
    /// ECDSA with P-384 and SHA-384.
    case es384 = "ES384"

    /// The algorithm a key of `keyAlgorithm` signs with.
    public init(keyAlgorithm: KeyAlgorithm) {
        switch keyAlgorithm {
        case .ed25519: self = .edDSA
        case .p256: self = .es256
        case .p384: self = .es384
        }
    }

    /// The key type this algorithm needs.
    public var keyAlgorithm: KeyAlgorithm {
        switch self {
        case .edDSA: .ed25519
        case .es256: .p256
        case .es384: .p384
        }
    }
}
