import CPKCS11
import Crypto

/// A `Signer` whose private key stays in a PKCS#11 token: Ed25519 with `CKM_EDDSA`, or P-256 with
/// `CKM_ECDSA` over SHA-256 of the message (hashed here), giving raw r‖s like the software signer.
/// Get one from ``PKCS11Token/signer(for:)`` or ``PKCS11Token/generateKeyPair(_:label:id:)``.
///
/// Signing calls the module synchronously on the calling thread; concurrent calls use separate sessions.
public struct PKCS11Signer: Signer {
    public let algorithm: KeyAlgorithm
    public let publicKey: [UInt8]
    /// The key pair's reference, to keep in `KeyRecord.secretLocation`.
    public let uri: PKCS11URI
    private let token: PKCS11Token
    private let privateKey: CK_OBJECT_HANDLE

    init(token: PKCS11Token, uri: PKCS11URI, algorithm: KeyAlgorithm, publicKey: [UInt8], privateKey: CK_OBJECT_HANDLE) {
        self.token = token
        self.uri = uri
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.privateKey = privateKey
    }

    /// Signs `message` in the token; a 64-byte Ed25519 signature or raw r‖s ECDSA signature (96 bytes for P-384).
    /// Throws an `HSMError` (`hsm_unavailable`, `hsm_key_not_found`, `hsm_error`, ...).
    public func sign(_ message: [UInt8]) async throws -> [UInt8] {
        let (mechanism, input) =
            switch algorithm {
            case .ed25519: (CKM_EDDSA, message)
            case .p256: (CKM_ECDSA, Array(SHA256.hash(data: message)))
            case .p384: (CKM_ECDSA, Array(SHA384.hash(data: message)))
            }
        let signature = try signInToken(input, mechanism: mechanism)
        guard signature.count == algorithm.signatureLength else {
            throw HSMError(
                .failed, "\(token): C_Sign returned a \(signature.count)-byte signature, not \(algorithm.signatureLength) bytes")
        }
        return signature
    }

    private func signInToken(_ input: [UInt8], mechanism: CK_MECHANISM_TYPE) throws(HSMError) -> [UInt8] {
        do throws(HSMError) {
            return try token.sign(input, mechanism: mechanism, key: privateKey)
        } catch where error.kind == .keyNotFound {
            // The handle went stale (the token reconnected): find the key again, once.
            return try token.sign(input, mechanism: mechanism, key: try token.privateKeyHandle(for: uri))
        }
    }
}
