import Encoding
import Foundation
import Identity

/// What a verified SD-JWT says: the processed claims and where the disclosures put them.
public struct SDJWTVerifiedClaims: Sendable, Hashable {
    /// The claims in the clear and the disclosed ones; no `_sd`, `_sd_alg` or digests remain.
    public let claims: JSONObject
    /// The JSON pointers into `claims` of the disclosed claims, sorted.
    public let disclosedPaths: [String]
    /// The issuer-signed JWT's header.
    public let header: JSONObject
    /// The KB-JWT's payload (`iat`, `aud`, `nonce`, `sd_hash`) when key binding was required.
    public let keyBinding: JSONObject?
}

/// Verifies SD-JWTs and presentations of them (RFC 9901 §7.1, §7.3): the issuer's signature, the
/// digests of the disclosures, the validity times, and key binding when the use case requires it.
/// Every failure throws with its stable code (`sd_jwt_*`, `jose_*` for the issuer's JWS).
public struct SDJWTVerifier: Sendable {
    /// Where the issuer's key comes from.
    public var issuerKey: SDJWTIssuerKeyLookup
    /// The `typ` headers accepted, nil for any (RFC 9901 leaves explicit typing to applications).
    public var acceptedTypes: Set<String>?
    /// Whether the claims must have a string `vct` (SD-JWT VC).
    public var requiresCredentialType: Bool
    /// How far clocks may disagree, for `exp`, `nbf`, `iat` and the KB-JWT's `iat`.
    public var clockSkew: TimeInterval
    /// How old a KB-JWT may be.
    public var keyBindingMaximumAge: TimeInterval
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - issuerKey: finds the key the issuer-signed JWT must verify with.
    ///   - now: the clock, injected so tests can fix the time.
    public init(
        issuerKey: SDJWTIssuerKeyLookup, acceptedTypes: Set<String>? = nil, requiresCredentialType: Bool = false,
        clockSkew: TimeInterval = 60, keyBindingMaximumAge: TimeInterval = 300, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.issuerKey = issuerKey
        self.acceptedTypes = acceptedTypes
        self.requiresCredentialType = requiresCredentialType
        self.clockSkew = clockSkew
        self.keyBindingMaximumAge = keyBindingMaximumAge
        self.now = now
    }

    /// A verifier of SD-JWT VCs: `typ` `dc+sd-jwt` (or the earlier `vc+sd-jwt`) and a `vct` claim.
    public static func credentials(issuerKey: SDJWTIssuerKeyLookup, now: @escaping @Sendable () -> Date = Date.init) -> SDJWTVerifier {
        SDJWTVerifier(issuerKey: issuerKey, acceptedTypes: SDJWTVCClaims.acceptedMediaTypes, requiresCredentialType: true, now: now)
    }

    /// Verifies a compact SD-JWT or SD-JWT+KB; throws as `SDJWT(parsing:)`, then as `verify(_:keyBinding:)`.
    public func verify(_ presentation: String, keyBinding: SDJWTKeyBindingRequirement) async throws(CredentialError) -> SDJWTVerifiedClaims {
        try await verify(try SDJWT(parsing: presentation), keyBinding: keyBinding)
    }

    /// Verifies `sdJWT`. Throws `sd_jwt_invalid_type` for a `typ` not accepted, what the issuer key
    /// lookup throws, the `jose_*` codes of the issuer's signature, the codes of processing the
    /// disclosures (`sd_jwt_digest_duplicate`, `sd_jwt_disclosure_unreferenced`,
    /// `sd_jwt_claim_collision`, …), `sd_jwt_invalid_type` for a missing `vct` when required,
    /// `sd_jwt_expired`, `sd_jwt_not_yet_valid`, and the key binding codes.
    public func verify(_ sdJWT: SDJWT, keyBinding: SDJWTKeyBindingRequirement) async throws(CredentialError) -> SDJWTVerifiedClaims {
        let header = sdJWT.issuerSigned.header
        if let acceptedTypes {
            guard let type = header["typ"]?.stringValue, acceptedTypes.contains(type) else {
                throw .sdJWT(
                    .invalidType, "typ \(header["typ"].map { "\($0)" } ?? "missing") is not one of \(acceptedTypes.sorted().joined(separator: ", "))")
            }
        }
        let key = try await issuerKey.key(issuer: sdJWT.payload["iss"]?.stringValue, header: header)
        try sdJWT.issuerSigned.verify(with: key)
        let processed = try SDJWTClaimProcessor(sdJWT)
        let claims = processed.claims
        if requiresCredentialType, claims["vct"]?.stringValue == nil {
            throw .sdJWT(.invalidType, "an SD-JWT VC has a string vct", path: "/vct")
        }
        let date = now()
        try checkTimes(claims, at: date)
        var keyBindingPayload: JSONObject?
        if case .required(let audience, let nonce) = keyBinding {
            keyBindingPayload = try SDJWTKeyBinding.verify(
                sdJWT, claims: claims, audience: audience, nonce: nonce, now: date, clockSkew: clockSkew, maximumAge: keyBindingMaximumAge)
        }
        return SDJWTVerifiedClaims(claims: claims, disclosedPaths: processed.paths.sorted(), header: header, keyBinding: keyBindingPayload)
    }

    /// `exp`, `nbf` and `iat` against `date`, give or take the clock skew; `sd_jwt_malformed` for one
    /// that is not a number.
    private func checkTimes(_ claims: JSONObject, at date: Date) throws(CredentialError) {
        func time(_ name: String) throws(CredentialError) -> Double? {
            guard let value = claims[name] else { return nil }
            guard let seconds = value.doubleValue else { throw .sdJWT(.malformed, "\(name) is not a number", path: "/" + name) }
            return seconds
        }
        let now = date.timeIntervalSince1970
        if let expiry = try time("exp"), now > expiry + clockSkew {
            throw .sdJWT(.expired, "the SD-JWT expired at \(JSONValue.number(expiry))", path: "/exp")
        }
        if let notBefore = try time("nbf"), notBefore > now + clockSkew {
            throw .sdJWT(.notYetValid, "the SD-JWT is not valid before \(JSONValue.number(notBefore))", path: "/nbf")
        }
        if let issuedAt = try time("iat"), issuedAt > now + clockSkew {
            throw .sdJWT(.notYetValid, "the SD-JWT is issued in the future, at \(JSONValue.number(issuedAt))", path: "/iat")
        }
    }
}
