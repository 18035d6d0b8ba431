import Encoding
import Identity

/// A public COSE_Key (RFC 9052 §7, RFC 9053 §7): OKP Ed25519 or EC2 P-256 and P-384.
public struct COSEKey: Sendable, Hashable {
    /// The validated public key.
    public let publicKey: PublicKey
    /// The key identifier (label 2), if any.
    public let keyID: [UInt8]?

    /// Reads a COSE_Key map. Throws `cose_unsupported_algorithm` for other key types and curves
    /// (Ed448, X25519, P-521, …) and `cose_invalid_key` for a malformed key.
    public init(cbor: CBOR) throws(COSEError) {
        guard cbor.mapValue != nil else { throw COSEError(.invalidKey, "a COSE_Key is a map") }
        guard let kty = cbor[1]?.intValue else { throw COSEError(.invalidKey, "the COSE_Key has no integer kty (1)") }
        guard let curve = cbor[-1]?.intValue else { throw COSEError(.invalidKey, "the COSE_Key has no integer crv (-1)") }
        guard let x = cbor[-2]?.bytesValue else { throw COSEError(.invalidKey, "the COSE_Key has no byte string x (-2)") }
        if let kid = cbor[2], kid.bytesValue == nil { throw COSEError(.invalidKey, "the COSE_Key kid (2) is not a byte string") }
        let algorithm: KeyAlgorithm
        let raw: [UInt8]
        switch (kty, curve) {
        case (1, 6):
            algorithm = .ed25519
            raw = x
        case (2, 1), (2, 2):
            guard let y = cbor[-3]?.bytesValue else {
                throw COSEError(.unsupportedAlgorithm, "compressed EC2 points (y as a sign bit) are not supported")
            }
            algorithm = curve == 1 ? .p256 : .p384
            let size = curve == 1 ? 32 : 48
            guard x.count == size, y.count == size else {
                throw COSEError(.invalidKey, "\(algorithm.rawValue) coordinates have \(size) bytes each, not \(x.count) and \(y.count)")
            }
            raw = [0x04] + x + y
        default:
            throw COSEError(
                .unsupportedAlgorithm,
                "COSE_Key kty \(kty) crv \(curve) is not supported; only OKP Ed25519 (1, 6) and EC2 P-256 (2, 1) and P-384 (2, 2)")
        }
        do {
            publicKey = try PublicKey(algorithm: algorithm, rawRepresentation: raw)
        } catch {
            throw COSEError(.invalidKey, "the COSE_Key is not a valid \(algorithm.rawValue) key: \(error.message)")
        }
        keyID = cbor[2]?.bytesValue
    }
}
