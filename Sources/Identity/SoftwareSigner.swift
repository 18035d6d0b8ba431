import Crypto
import Foundation

/// A `Signer` whose private key is held in process memory (swift-crypto): Ed25519, or ECDSA P-256 with
/// SHA-256 or P-384 with SHA-384 producing raw r‖s signatures. Use it for operator keys kept in key files and in tests;
/// device keys belong in secure elements behind their own `Signer`.
public struct SoftwareSigner: Signer {
    private enum PrivateKey: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
    }

    private let key: PrivateKey
    /// The public half, validated.
    public let verificationKey: PublicKey

    public var algorithm: KeyAlgorithm { verificationKey.algorithm }
    public var publicKey: [UInt8] { verificationKey.rawRepresentation }

    /// A new random key.
    public static func generate(_ algorithm: KeyAlgorithm) -> SoftwareSigner {
        switch algorithm {
        case .ed25519: SoftwareSigner(key: .ed25519(Curve25519.Signing.PrivateKey()))
        case .p256: SoftwareSigner(key: .p256(P256.Signing.PrivateKey()))
        case .p384: SoftwareSigner(key: .p384(P384.Signing.PrivateKey()))
        }
    }

    /// A signer from raw secret bytes: the 32-byte seed for Ed25519 (RFC 8032), the big-endian scalar
    /// for P-256 (32 bytes) and P-384 (48 bytes), 1 ≤ d < n. Throws `invalidSecretKey` otherwise.
    public init(algorithm: KeyAlgorithm, secretKey: [UInt8]) throws(IdentityError) {
        let length = algorithm == .p384 ? 48 : 32
        guard secretKey.count == length else {
            throw IdentityError(.invalidSecretKey, "a \(algorithm.rawValue) secret key has \(length) bytes, not \(secretKey.count)")
        }
        switch algorithm {
        case .ed25519:
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: secretKey) else {
                throw IdentityError(.invalidSecretKey, "the Ed25519 seed was rejected")
            }
            self.init(key: .ed25519(key))
        case .p256:
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: secretKey) else {
                throw IdentityError(.invalidSecretKey, "the P-256 secret scalar is zero or not below the group order")
            }
            self.init(key: .p256(key))
        case .p384:
            guard let key = try? P384.Signing.PrivateKey(rawRepresentation: secretKey) else {
                throw IdentityError(.invalidSecretKey, "the P-384 secret scalar is zero or not below the group order")
            }
            self.init(key: .p384(key))
        }
    }

    private init(key: PrivateKey) {
        self.key = key
        switch key {
        case .ed25519(let privateKey):
            verificationKey = PublicKey(algorithm: .ed25519, derivedBytes: Array(privateKey.publicKey.rawRepresentation))
        case .p256(let privateKey):
            verificationKey = PublicKey(algorithm: .p256, derivedBytes: Array(privateKey.publicKey.compressedRepresentation))
        case .p384(let privateKey):
            verificationKey = PublicKey(algorithm: .p384, derivedBytes: Array(privateKey.publicKey.compressedRepresentation))
        }
    }

    /// The raw secret: the Ed25519 seed or the ECDSA scalar (32 bytes, 48 for P-384). Handle with care.
    public var secretKey: [UInt8] {
        switch key {
        case .ed25519(let privateKey): Array(privateKey.rawRepresentation)
        case .p256(let privateKey): Array(privateKey.rawRepresentation)
        case .p384(let privateKey): Array(privateKey.rawRepresentation)
        }
    }

    /// Signs `message`: a 64-byte Ed25519 signature, or an r‖s ECDSA signature over SHA-256(message)
    /// (P-256, 64 bytes) or SHA-384(message) (P-384, 96 bytes).
    public func sign(_ message: [UInt8]) async throws -> [UInt8] {
        switch key {
        case .ed25519(let privateKey): Array(try privateKey.signature(for: message))
        case .p256(let privateKey): Array(try privateKey.signature(for: message).rawRepresentation)
        case .p384(let privateKey): Array(try privateKey.signature(for: message).rawRepresentation)
        }
    }
}
