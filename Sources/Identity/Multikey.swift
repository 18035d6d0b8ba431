import Encoding

/// Multikey encoding (Controlled Identifiers 1.0 §2.2.2): `z` + base58btc(varint multicodec ‖ key).
///
/// | key | multicodec | prefix | bytes |
/// | --- | --- | --- | --- |
/// | Ed25519 public | `0xed` | `ed01` (`z6Mk…`) | 32 |
/// | P-256 public (compressed) | `0x1200` | `8024` (`zDna…`) | 33 |
/// | P-384 public (compressed) | `0x1201` | `8124` (`z82L…`) | 49 |
/// | Ed25519 secret (seed) | `0x1300` | `8026` (`z3u2…`) | 32 |
/// | P-256 secret | `0x1306` | `8626` (`z42t…`) | 32 |
/// | P-384 secret | `0x1307` | `8726` (`z2fa…`) | 48 |
public enum Multikey {
    static let ed25519Public: UInt64 = 0xed
    static let p256Public: UInt64 = 0x1200
    static let p384Public: UInt64 = 0x1201
    static let ed25519Secret: UInt64 = 0x1300
    static let p256Secret: UInt64 = 0x1306
    static let p384Secret: UInt64 = 0x1307

    /// The `publicKeyMultibase` of a public key.
    public static func encode(_ key: PublicKey) -> String {
        Multibase.encode(Multicodec.prefix(publicCode(key.algorithm), to: key.rawRepresentation), as: .base58btc)
    }

    /// Decodes a `publicKeyMultibase`. Throws `invalidPublicKey` for a value that is not `z`-base58btc
    /// with a multicodec header, `unsupportedPublicKeyType` for other key types,
    /// `invalidPublicKeyLength` for a wrong length, and `invalidPublicKey` for a point not on the curve.
    public static func decodePublicKey(_ multibase: String) throws(IdentityError) -> PublicKey {
        let (code, payload) = try split(multibase, failing: .invalidPublicKey, what: "public key")
        switch code {
        case ed25519Public: return try PublicKey(algorithm: .ed25519, rawRepresentation: payload)
        case p256Public:
            guard payload.count == 33 else {
                throw IdentityError(.invalidPublicKeyLength, "a P-256 Multikey holds a 33-byte compressed point, not \(payload.count) bytes")
            }
            return try PublicKey(algorithm: .p256, rawRepresentation: payload)
        case p384Public:
            guard payload.count == 49 else {
                throw IdentityError(.invalidPublicKeyLength, "a P-384 Multikey holds a 49-byte compressed point, not \(payload.count) bytes")
            }
            return try PublicKey(algorithm: .p384, rawRepresentation: payload)
        default:
            throw IdentityError(
                .unsupportedPublicKeyType, "multicodec 0x\(String(code, radix: 16)) is not an Ed25519, P-256 or P-384 public key")
        }
    }

    /// The `secretKeyMultibase` of a raw secret (Ed25519 seed or ECDSA scalar).
    public static func encodeSecretKey(_ secretKey: [UInt8], algorithm: KeyAlgorithm) -> String {
        let code =
            switch algorithm {
            case .ed25519: ed25519Secret
            case .p256: p256Secret
            case .p384: p384Secret
            }
        return Multibase.encode(Multicodec.prefix(code, to: secretKey), as: .base58btc)
    }

    /// Decodes a `secretKeyMultibase` into a signer; throws `invalidSecretKey` for anything but a
    /// 32-byte Ed25519 seed or a valid P-256 or P-384 scalar under its multicodec header.
    public static func decodeSecretKey(_ multibase: String) throws(IdentityError) -> SoftwareSigner {
        let (code, payload) = try split(multibase, failing: .invalidSecretKey, what: "secret key")
        switch code {
        case ed25519Secret: return try SoftwareSigner(algorithm: .ed25519, secretKey: payload)
        case p256Secret: return try SoftwareSigner(algorithm: .p256, secretKey: payload)
        case p384Secret: return try SoftwareSigner(algorithm: .p384, secretKey: payload)
        default:
            throw IdentityError(
                .invalidSecretKey, "multicodec 0x\(String(code, radix: 16)) is not an Ed25519, P-256 or P-384 secret key")
        }
    }

    static func publicCode(_ algorithm: KeyAlgorithm) -> UInt64 {
        switch algorithm {
        case .ed25519: ed25519Public
        case .p256: p256Public
        case .p384: p384Public
        }
    }

    private static func split(_ multibase: String, failing kind: IdentityError.Kind, what: String) throws(IdentityError)
        -> (UInt64, [UInt8])
    {
        guard multibase.hasPrefix("z") else {
            throw IdentityError(kind, "a Multikey \(what) must be base58btc multibase, starting with 'z'")
        }
        do {
            let (_, bytes) = try Multibase.decode(multibase)
            let (code, payload) = try Multicodec.split(bytes)
            return (code, payload)
        } catch {
            // A secret is never echoed, not even the character the decoder stopped at.
            guard kind != .invalidSecretKey else {
                throw IdentityError(kind, "the Multikey \(what) is not base58btc with a multicodec header")
            }
            throw IdentityError(kind, "the Multikey \(what) '\(multibase)' does not decode: \(error.message)")
        }
    }
}

extension PublicKey {
    /// The key as Multikey `publicKeyMultibase` (`z6Mk…` for Ed25519, `zDna…` for P-256, `z82L…` for P-384).
    public var multikey: String { Multikey.encode(self) }

    /// Decodes a Multikey `publicKeyMultibase` (see `Multikey.decodePublicKey`).
    public init(multikey: String) throws(IdentityError) {
        self = try Multikey.decodePublicKey(multikey)
    }
}

extension SoftwareSigner {
    /// The secret as Multikey `secretKeyMultibase` (`z3u2…` for Ed25519, `z42t…` for P-256). Handle with care.
    public var secretKeyMultibase: String { Multikey.encodeSecretKey(secretKey, algorithm: algorithm) }

    /// A signer from a Multikey `secretKeyMultibase` (see `Multikey.decodeSecretKey`).
    public init(secretKeyMultibase: String) throws(IdentityError) {
        self = try Multikey.decodeSecretKey(secretKeyMultibase)
    }
}
