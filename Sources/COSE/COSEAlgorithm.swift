import Encoding
import Identity

/// The COSE signature algorithms Voltpass signs and verifies (RFC 9053 §2).
public enum COSEAlgorithm: Int64, Sendable, CaseIterable {
    /// ECDSA with SHA-256 on P-256; the signature is raw r‖s, 64 bytes.
    case es256 = -7
    /// EdDSA; Voltpass supports the Ed25519 curve only.
    case edDSA = -8
    /// ECDSA with SHA-384 on P-384; the signature is raw r‖s, 96 bytes.
    case es384 = -35

    /// The algorithm a key of `algorithm` signs with.
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

    /// Registered algorithms we know by name but do not implement, for clearer messages.
    static let knownUnsupported: [Int64: String] = [
        -36: "ES512", -37: "PS256", -38: "PS384", -39: "PS512", -47: "ES256K", -257: "RS256",
    ]

    /// The algorithm named by an `alg` header value: an integer or a text string (RFC 9052 §3.1).
    /// Throws `cose_unsupported_algorithm` for anything but -7, -8 and -35.
    init(header value: CBOR) throws(COSEError) {
        switch value {
        case .unsigned, .negative:
            guard let number = value.intValue else {
                throw COSEError(.unsupportedAlgorithm, "alg \(value) is not a registered algorithm")
            }
            if let algorithm = COSEAlgorithm(rawValue: number) {
                self = algorithm
            } else if let name = Self.knownUnsupported[number] {
                throw COSEError(.unsupportedAlgorithm, "alg \(number) (\(name)) is not supported; use EdDSA (-8), ES256 (-7) or ES384 (-35)")
            } else {
                throw COSEError(.unsupportedAlgorithm, "alg \(number) is not supported; use EdDSA (-8), ES256 (-7) or ES384 (-35)")
            }
        case .text(let name):
            throw COSEError(.unsupportedAlgorithm, "alg \"\(name)\" is not supported; use EdDSA (-8), ES256 (-7) or ES384 (-35)")
        default:
            throw COSEError(.malformed, "the alg header is neither an integer nor a text string")
        }
    }
}
