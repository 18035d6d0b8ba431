import Encoding
import Identity

/// A JWS in the compact serialization (RFC 7515 §7.1): `header.payload.signature`, each part
/// base64url without padding. The signing input is kept as received, never re-encoded.
public struct CompactJWS: Sendable, Hashable {
    /// The protected header.
    public let header: JSONObject
    /// The payload bytes.
    public let payload: [UInt8]
    /// The signature bytes.
    public let signature: [UInt8]
    /// `base64url(header) "." base64url(payload)`, the bytes the signature covers.
    private let signingInput: String
    /// The serialization, as received or made.
    public let serialization: String

    /// Parses a compact JWS. Throws `jose_malformed` unless it is three base64url parts whose first
    /// is a JSON object header with a string `alg`, and `jose_unsupported_algorithm` for an `alg`
    /// other than EdDSA, ES256 and ES384 (so `none` never gets further).
    public init(parsing text: String) throws(CredentialError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty else {
            throw .envelope(.joseMalformed, "a compact JWS is three base64url parts joined by '.'")
        }
        let headerBytes: [UInt8]
        do {
            headerBytes = try Base64URL.decode(String(parts[0]))
            payload = try Base64URL.decode(String(parts[1]))
            signature = try Base64URL.decode(String(parts[2]))
        } catch {
            throw .envelope(.joseMalformed, "a JWS part is not base64url: \(error.message)")
        }
        guard let header = (try? JSONValue(parsing: headerBytes))?.objectValue else {
            throw .envelope(.joseMalformed, "the JWS header is not a JSON object")
        }
        self.header = header
        signingInput = String(parts[0]) + "." + String(parts[1])
        serialization = text
        _ = try algorithm()
    }

    /// Signs `payload` with `signer` under `header`, to which the `alg` of the signer's key is added.
    public static func sign(header: JSONObject, payload: [UInt8], signer: some Signer) async throws -> CompactJWS {
        var header = header
        header["alg"] = .string(JWSAlgorithm(keyAlgorithm: signer.algorithm).rawValue)
        let signingInput = Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(payload)
        let signature = try await signer.sign(Array(signingInput.utf8))
        return try CompactJWS(parsing: signingInput + "." + Base64URL.encode(signature))
    }

    /// The `alg` header. Throws `jose_malformed` when it is missing or not a string and
    /// `jose_unsupported_algorithm` for any algorithm but EdDSA, ES256 and ES384.
    public func algorithm() throws(CredentialError) -> JWSAlgorithm {
        guard let name = header["alg"]?.stringValue else {
            throw .envelope(.joseMalformed, "the JWS header has no string 'alg'")
        }
        guard let algorithm = JWSAlgorithm(rawValue: name) else {
            throw .envelope(.joseUnsupportedAlgorithm, "alg '\(name)' is not supported; use EdDSA, ES256 or ES384")
        }
        return algorithm
    }

    /// Verifies the signature with `key`. Throws `jose_algorithm_mismatch` when `alg` needs another
    /// key type, `jose_critical_header_unknown` for any `crit` header (this implementation defines no
    /// extensions) and `jose_invalid_signature`.
    public func verify(with key: PublicKey) throws(CredentialError) {
        let algorithm = try algorithm()
        guard algorithm.keyAlgorithm == key.algorithm else {
            throw .envelope(
                .joseAlgorithmMismatch, "alg \(algorithm.rawValue) needs a \(algorithm.keyAlgorithm.rawValue) key, not \(key.algorithm.rawValue)")
        }
        if header["crit"] != nil {
            throw .envelope(.joseCriticalHeaderUnknown, "the crit header names extensions this verifier does not understand")
        }
        guard key.verify(signature: signature, message: Array(signingInput.utf8)) else {
            throw .envelope(.joseInvalidSignature, "the \(algorithm.rawValue) signature does not verify")
        }
    }
}
