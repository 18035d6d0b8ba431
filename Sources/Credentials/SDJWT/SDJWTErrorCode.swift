/// The stable codes of SD-JWTs and SD-JWT VCs (RFC 9901, draft-ietf-oauth-sd-jwt-vc). Failures of the
/// issuer-signed JWT as a JWS keep the `jose_*` codes of `CompactJWS` (`jose_malformed`,
/// `jose_unsupported_algorithm` for `alg: none`, `jose_invalid_signature`, …).
public enum SDJWTErrorCode: String, Sendable, CaseIterable {
    /// Not `<issuer-signed JWT>~<disclosure>~…~[<KB-JWT>]`, a payload that is not a JSON object, an
    /// `_sd` that is not an array of strings, a time claim that is not a number, or claims nested
    /// deeper than `SDJWT.maximumDepth`.
    case malformed = "sd_jwt_malformed"
    /// The serialization is longer than `SDJWT.maximumSize`.
    case tooLarge = "sd_jwt_too_large"
    /// A disclosure that is not base64url of a JSON array `[salt, name, value]` or `[salt, value]`
    /// with string salt and name, or one of the wrong kind for where its digest sits.
    case disclosureMalformed = "sd_jwt_disclosure_malformed"
    /// A digest found twice in the payload and disclosures, or a disclosure given twice.
    case digestDuplicate = "sd_jwt_digest_duplicate"
    /// A disclosure whose digest no disclosed part of the SD-JWT references.
    case disclosureUnreferenced = "sd_jwt_disclosure_unreferenced"
    /// A disclosed claim name that the object already has, or the reserved `_sd` or `...`.
    case claimCollision = "sd_jwt_claim_collision"
    /// An `_sd_alg` other than sha-256, sha-384 and sha-512.
    case unsupportedHashAlgorithm = "sd_jwt_unsupported_sd_alg"
    /// A `typ` header the verifier does not accept (SD-JWT VC: `dc+sd-jwt`, or the earlier
    /// `vc+sd-jwt`), or an SD-JWT VC without a string `vct`.
    case invalidType = "sd_jwt_invalid_type"
    /// The `exp` time has passed.
    case expired = "sd_jwt_expired"
    /// The `nbf` or `iat` time is still to come.
    case notYetValid = "sd_jwt_not_yet_valid"
    /// Key binding is required and the SD-JWT carries no KB-JWT.
    case keyBindingMissing = "sd_jwt_key_binding_missing"
    /// The KB-JWT is malformed, not `typ: kb+jwt`, not signed by the `cnf.jwk` key, or its `iat`
    /// is not recent; or there is no `cnf.jwk` to bind to.
    case keyBindingInvalid = "sd_jwt_key_binding_invalid"
    /// The KB-JWT's `sd_hash` is not the digest of the SD-JWT it came with.
    case sdHashMismatch = "sd_jwt_sd_hash_mismatch"
    /// The KB-JWT's `nonce` is not the verifier's.
    case nonceMismatch = "sd_jwt_nonce_mismatch"
    /// The KB-JWT's `aud` is not the verifier.
    case audienceMismatch = "sd_jwt_audience_mismatch"
    /// A JSON pointer that is not RFC 6901 syntax, names no claim, or names a claim that must stay
    /// in the clear (an SD-JWT VC's `iss`, `vct`, `cnf`, `status`, …).
    case pointerInvalid = "sd_jwt_pointer_invalid"
    /// A claim a W3C credential secured as `vc+sd-jwt` keeps in the clear (`@context`, `type`,
    /// `issuer`, `id`, `validFrom`, `validUntil`, `credentialStatus`, `credentialSchema`, `cnf`, a
    /// credential subject as a whole, its `id` and `type`): named by an issuer's pointer, or found
    /// in a disclosure.
    case claimNotDisclosable = "sd_jwt_claim_not_disclosable"
}

extension CredentialError {
    /// An SD-JWT error.
    static func sdJWT(_ code: SDJWTErrorCode, _ message: String, path: String? = nil) -> CredentialError {
        CredentialError(code.rawValue, message, path: path)
    }
}
