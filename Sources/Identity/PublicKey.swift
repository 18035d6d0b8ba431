import Crypto
import Foundation

/// A validated public key of one of the algorithms Voltpass signs with, and signature verification.
///
/// Ed25519 keys are 32 bytes and must decode to a curve point. P-256 and P-384 keys are accepted
/// compressed (33 or 49 bytes) or uncompressed (65 or 97 bytes, `04‖x‖y`), must lie on the curve,
/// and are held compressed.
public struct PublicKey: Sendable, Hashable {
    public let algorithm: KeyAlgorithm
    /// 32 bytes for Ed25519, the compressed SEC1 point for P-256 (33 bytes) and P-384 (49).
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
        case .p384:
            let key: P384.Signing.PublicKey
            do {
                switch bytes.count {
                case 49: key = try P384.Signing.PublicKey(compressedRepresentation: bytes)
                case 97: key = try P384.Signing.PublicKey(x963Representation: bytes)
                default:
                    throw IdentityError(
                        .invalidPublicKeyLength,
                        "a P-384 public key has 49 (compressed) or 97 (uncompressed) bytes, not \(bytes.count)")
                }
            } catch let error as IdentityError {
                throw error
            } catch {
                throw IdentityError(.invalidPublicKey, "the P-384 public key is not a valid point on the curve")
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
    /// with a raw r‖s signature over SHA-256 (P-256, 64 bytes) or SHA-384 (P-384, 96 bytes) of
    /// `message`. High-S ECDSA signatures are accepted, as the W3C Data Integrity vectors require.
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
        case .p384:
            guard signature.count == 96,
                let key = try? P384.Signing.PublicKey(compressedRepresentation: rawRepresentation),
                let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(ecdsa, for: message)
        }
    }

    /// The uncompressed affine coordinates of a P-256 or P-384 key (32 or 48 bytes each); nil for Ed25519.
    public var ecCoordinates: (x: [UInt8], y: [UInt8])? {
        let point: [UInt8]
        switch algorithm {
        case .ed25519: return nil
        case .p256:
            guard let key = try? P256.Signing.PublicKey(compressedRepresentation: rawRepresentation) else { return nil }
            point = Array(key.x963Representation)
        case .p384:
            guard let key = try? P384.Signing.PublicKey(compressedRepresentation: rawRepresentation) else { return nil }
            point = Array(key.x963Representation)
        }
        let size = (point.count - 1) / 2
        return (Array(point[1...size]), Array(point[(size + 1)...]))
    }
}
