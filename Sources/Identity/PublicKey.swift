import Crypto
import Foundation

/// A validated public key of one of the algorithms Voltpass signs with, and signature verification.
///
/// Ed25519 keys are 32 bytes and must decode to a curve point. P-256 keys are accepted compressed
/// (33 bytes) or uncompressed (65 bytes, `04‖x‖y`), must lie on the curve, and are held compressed.
public struct PublicKey: Sendable, Hashable {
    public let algorithm: KeyAlgorithm
    /// 32 bytes for Ed25519, the 33-byte compressed SEC1 point for P-256.
    public let rawRepresentation: [UInt8]

    /// Validates `bytes` as a key of `algorithm`; throws `invalidPublicKeyLength` or `invalidPublicKey`.
    public init(algorithm: KeyAlgorithm, rawRepresentation bytes: [UInt8]) throws(IdentityError) {
        self.algorithm = algorithm
        switch algorithm {
        case .ed25519:
            guard bytes.count == 32 else {
                throw IdentityError(.invalidPublicKeyLength, "an Ed25519 public key has 32 bytes, not \(bytes.count)")
            }
            guard Edwards25519.isValidPoint(bytes) else {
                throw IdentityError(.invalidPublicKey, "the Ed25519 public key is not a point on the curve")
            }
            rawRepresentation = bytes
        case .p256:
            let key: P256.Signing.PublicKey
            do {
                switch bytes.count {
                case 33: key = try P256.Signing.PublicKey(compressedRepresentation: bytes)
                case 65: key = try P256.Signing.PublicKey(x963Representation: bytes)
                default:
                    throw IdentityError(
                        .invalidPublicKeyLength,
                        "a P-256 public key has 33 (compressed) or 65 (uncompressed) bytes, not \(bytes.count)")
                }
            } catch let error as IdentityError {
                throw error
            } catch {
                throw IdentityError(.invalidPublicKey, "the P-256 public key is not a valid point on the curve")
            }
            rawRepresentation = Array(key.compressedRepresentation)
        }
    }

    /// A key whose bytes come from swift-crypto itself (a derived public key), so need no validation.
    init(algorithm: KeyAlgorithm, derivedBytes: [UInt8]) {
        self.algorithm = algorithm
        rawRepresentation = derivedBytes
    }

    /// Whether `signature` is a valid signature of `message` by this key: Ed25519 (RFC 8032), or ECDSA
    /// P-256 with SHA-256 over `message` and a raw 64-byte r‖s signature. High-S ECDSA signatures are
    /// accepted, as the W3C Data Integrity vectors require.
    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        switch algorithm {
        case .ed25519:
            guard signature.count == 64,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
            else { return false }
            return key.isValidSignature(signature, for: message)
        case .p256:
            guard signature.count == 64,
                let key = try? P256.Signing.PublicKey(compressedRepresentation: rawRepresentation),
                let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(ecdsa, for: message)
        }
    }

    /// The uncompressed affine coordinates of a P-256 key (32 bytes each); nil for Ed25519.
    var p256Coordinates: (x: [UInt8], y: [UInt8])? {
        guard algorithm == .p256,
            let key = try? P256.Signing.PublicKey(compressedRepresentation: rawRepresentation)
        else { return nil }
        let point = Array(key.x963Representation)
        return (Array(point[1..<33]), Array(point[33..<65]))
    }
}
