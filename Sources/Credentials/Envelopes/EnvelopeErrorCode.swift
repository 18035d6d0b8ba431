/// The stable codes of enveloped credentials and presentations (VC-JOSE-COSE). COSE structure
/// failures keep the COSE module's own codes (`cose_malformed`, `cose_signature_invalid`, …).
public enum EnvelopeErrorCode: String, Sendable, CaseIterable {
    /// Not an enveloped credential: no `data:` URL id, an unreadable `data:` URL or bad base64.
    case malformed = "envelope_malformed"
    /// A media type other than `application/vc+jwt`, `application/vp+jwt`, `application/vc+cose`
    /// and `application/vp+cose`, or one of them where the other kind (credential, presentation) belongs.
    case unsupportedMediaType = "envelope_unsupported_media_type"
    /// The secured form is larger than `Envelope.maximumSize`.
    case tooLarge = "envelope_too_large"
    /// The payload is not UTF-8 JSON text of one object.
    case invalidPayload = "envelope_payload_invalid"
    /// The `typ` (or `cty`, content type) header names another media type than the envelope's.
    case invalidType = "envelope_invalid_type"
    /// No `kid` header names the verification method.
    case missingKeyID = "envelope_missing_kid"
    /// The `exp` claim (when the signature expires) has passed.
    case expired = "envelope_expired"
    /// The `nbf` or `iat` claim lies in the future.
    case notYetValid = "envelope_not_yet_valid"
    /// A registered JWT claim (`exp`, `nbf`, `iat`, `nonce`, `aud`) of the wrong JSON type.
    case invalidClaim = "envelope_claim_invalid"
    /// A compact JWS that is not three base64url parts with a JSON object header, or a header of
    /// the wrong type (RFC 7515).
    case joseMalformed = "jose_malformed"
    /// An `alg` other than EdDSA, ES256 and ES384 (`none`, HS256, RS256, …).
    case joseUnsupportedAlgorithm = "jose_unsupported_algorithm"
    /// The `alg` does not fit the verification method's key (e.g. ES256 for an Ed25519 key).
    case joseAlgorithmMismatch = "jose_algorithm_mismatch"
    /// The `crit` header names extensions this implementation does not understand.
    case joseCriticalHeaderUnknown = "jose_critical_header_unknown"
    /// The JWS signature does not verify.
    case joseInvalidSignature = "jose_invalid_signature"
}

extension CredentialError {
    /// An envelope error.
    static func envelope(_ code: EnvelopeErrorCode, _ message: String, path: String? = nil) -> CredentialError {
        CredentialError(code.rawValue, message, path: path)
    }
}
