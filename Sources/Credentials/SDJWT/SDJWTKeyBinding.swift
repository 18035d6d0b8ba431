import Encoding
import Foundation
import Identity

/// Whether a verifier requires key binding (RFC 9901 §7.3), decided by the verifier's use case and
/// never by whether the holder sent a KB-JWT.
public enum SDJWTKeyBindingRequirement: Sendable, Hashable {
    /// A KB-JWT signed with the `cnf.jwk` key, for this audience and nonce, recent, over exactly
    /// the SD-JWT and disclosures it came with.
    case required(audience: String, nonce: String)
    /// No key binding: a KB-JWT that comes along is not checked.
    case notRequired
}

/// The Key Binding JWT (RFC 9901 §4.3): `typ: kb+jwt`, and `iat`, `aud`, `nonce` and `sd_hash` (the
/// digest of the presented SD-JWT up to its last `~`) signed with the holder's key.
enum SDJWTKeyBinding {
    static let type = "kb+jwt"

    /// Signs a KB-JWT for `sdJWT` (its disclosures as presented) with `signer`.
    static func sign(
        _ sdJWT: SDJWT, audience: String, nonce: String, issuedAt: Date, signer: some Signer
    ) async throws(CredentialError) -> CompactJWS {
        let payload: JSONObject = [
            "iat": .number(issuedAt.timeIntervalSince1970.rounded(.down)), "aud": .string(audience), "nonce": .string(nonce),
            "sd_hash": .string(sdJWT.hashAlgorithm.digest(sdJWT.keyBindingInput)),
        ]
        do {
            return try await CompactJWS.sign(header: ["typ": .string(type)], payload: JSONValue.object(payload).serialized(), signer: signer)
        } catch {
            throw .sdJWT(.keyBindingInvalid, "the KB-JWT could not be signed: \(error)")
        }
    }

    /// The holder's key, from `cnf.jwk` of the processed claims; `sd_jwt_key_binding_invalid`
    /// when there is none or it is not a key Voltpass reads.
    static func holderKey(in claims: JSONObject) throws(CredentialError) -> PublicKey {
        guard let jwk = claims["cnf"]?["jwk"]?.objectValue else {
            throw .sdJWT(.keyBindingInvalid, "the SD-JWT names no holder key (cnf.jwk) to bind to", path: "/cnf")
        }
        do {
            return try PublicKey(jwk: jwk)
        } catch {
            throw .sdJWT(.keyBindingInvalid, "cnf.jwk is not a usable key: \(error.message)", path: "/cnf/jwk")
        }
    }

    /// Checks the KB-JWT of `sdJWT` against `claims` (processed) and returns its payload: `typ`, the
    /// signature by `cnf.jwk` and an `iat` within `maximumAge` of `now` (give or take `clockSkew`)
    /// are `sd_jwt_key_binding_invalid`; then `sd_jwt_sd_hash_mismatch`, `sd_jwt_nonce_mismatch`
    /// and `sd_jwt_audience_mismatch`. Without a KB-JWT, `sd_jwt_key_binding_missing`.
    static func verify(
        _ sdJWT: SDJWT, claims: JSONObject, audience: String, nonce: String, now: Date, clockSkew: TimeInterval,
        maximumAge: TimeInterval
    ) throws(CredentialError) -> JSONObject {
        guard let jws = sdJWT.keyBinding else {
            throw .sdJWT(.keyBindingMissing, "key binding is required and the SD-JWT has no KB-JWT")
        }
        guard jws.header["typ"]?.stringValue == type else {
            throw .sdJWT(.keyBindingInvalid, "the KB-JWT's typ is \(jws.header["typ"].map { "\($0)" } ?? "missing"), not kb+jwt")
        }
        let key = try holderKey(in: claims)
        do {
            try jws.verify(with: key)
        } catch {
            throw .sdJWT(.keyBindingInvalid, "the KB-JWT is not signed by the cnf key: \(error.code): \(error.message)")
        }
        guard let payload = (try? JSONValue(parsing: jws.payload, limits: SDJWT.jsonLimits))?.objectValue else {
            throw .sdJWT(.keyBindingInvalid, "the KB-JWT's payload is not a JSON object")
        }
        guard let issuedAt = payload["iat"]?.doubleValue else {
            throw .sdJWT(.keyBindingInvalid, "the KB-JWT has no numeric iat")
        }
        guard payload["sd_hash"]?.stringValue == sdJWT.hashAlgorithm.digest(sdJWT.keyBindingInput) else {
            throw .sdJWT(.sdHashMismatch, "the KB-JWT's sd_hash is not the digest of the SD-JWT and disclosures it came with")
        }
        guard payload["nonce"]?.stringValue == nonce else {
            throw .sdJWT(.nonceMismatch, "the KB-JWT's nonce is not the one this verifier issued")
        }
        guard payload["aud"]?.stringValue == audience else {
            throw .sdJWT(.audienceMismatch, "the KB-JWT's aud is not \(audience)")
        }
        let age = now.timeIntervalSince1970 - issuedAt
        guard age >= -clockSkew, age <= maximumAge + clockSkew else {
            throw .sdJWT(
                .keyBindingInvalid, "the KB-JWT's iat \(JSONValue.number(issuedAt)) is not within \(maximumAge) s before now, nor from the future")
        }
        return payload
    }
}
