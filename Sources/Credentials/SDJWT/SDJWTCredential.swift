import Encoding
import Foundation
import Identity

/// A W3C credential secured with SD-JWT (VC-JOSE-COSE, "Securing JSON-LD Verifiable Credentials with
/// SD-JWT"; media type `application/vc+sd-jwt`): the issuer-signed JWT's payload is the credential
/// itself, with `_sd` digests in place of the selectively disclosable claims, under the header
/// `typ: vc+sd-jwt`, `cty: vc` and a `kid` naming the issuer's verification method. With a KB-JWT it
/// is also the holder's presentation of the disclosed claims to one verifier (`nonce`: the
/// verifier's challenge, `aud`: its domain).
///
/// Reading checks the structure, the header and the payload's digests, and puts the disclosures
/// back (`document`); `verify(resolver:at:)` checks the issuer's signature, the disclosures and the
/// times, `verifyKeyBinding(challenge:domain:at:)` the KB-JWT. A `Verifier` makes the first the
/// credential's proof and the second a presentation's proof.
public struct SDJWTCredential: Sendable {
    /// The media type of a `data:` URL carrying one.
    public static let mediaType = "application/vc+sd-jwt"
    /// The `typ` header.
    public static let type = "vc+sd-jwt"

    /// The members of a credential that stay in the clear: who issued it, what it is, when and how
    /// long it holds, and where its status and schema are. `cnf`, the holder's key, too.
    static let clearMembers: Set<String> = [
        "@context", "type", "issuer", "id", "validFrom", "validUntil", "credentialStatus", "credentialSchema", "cnf",
    ]

    /// The SD-JWT as received (a KB-JWT included).
    public let sdJWT: SDJWT
    /// The credential as disclosed: the claims in the clear with the disclosed ones, without `_sd`,
    /// `_sd_alg` and digests (`cnf` stays). When the disclosures do not fit the payload, the claims
    /// in the clear only; `verify(resolver:at:)` then fails with the disclosures' code.
    public let document: JSONObject
    /// The JSON pointers into `document` of the disclosed claims, sorted.
    public let disclosedPaths: [String]
    /// Why the disclosures cannot be accepted, found while reading; reported by `verify`.
    private let disclosureProblem: CredentialError?

    /// Reads `sdJWT` as a credential. Throws `sd_jwt_invalid_type` for a `typ` other than
    /// `vc+sd-jwt` or a `cty` other than `vc`, and `sd_jwt_malformed` or `sd_jwt_digest_duplicate`
    /// for a payload whose digests cannot be read. Disclosures that do not fit the payload
    /// (`sd_jwt_disclosure_unreferenced`, `sd_jwt_claim_collision`, …) or disclose a claim that must
    /// stay in the clear (`sd_jwt_claim_not_disclosable`) are the proof's failure, not the reader's.
    public init(_ sdJWT: SDJWT) throws(CredentialError) {
        let header = sdJWT.issuerSigned.header
        for name in ["typ", "cty", "kid"] where header[name] != nil && header[name]?.stringValue == nil {
            throw .envelope(.joseMalformed, "the JWS header '\(name)' is not a string")
        }
        if let type = header["typ"]?.stringValue, Self.bareName(type) != Self.type {
            throw .sdJWT(.invalidType, "typ '\(type)' is not \(Self.type)")
        }
        if let content = header["cty"]?.stringValue, Self.bareName(content) != "vc" {
            throw .sdJWT(.invalidType, "cty '\(content)' is not vc")
        }
        let clear = try SDJWTClaimProcessor(sdJWT.with(disclosures: [], keyBinding: nil))
        self.sdJWT = sdJWT
        do {
            let processed = try SDJWTClaimProcessor(sdJWT)
            document = processed.claims
            disclosedPaths = processed.paths.sorted()
            disclosureProblem = disclosedPaths.first { Self.staysClear($0, in: processed.claims) }.map { path in
                .sdJWT(.claimNotDisclosable, "the claim \(path) is selectively disclosable; a vc+sd-jwt keeps it in the clear", path: path)
            }
        } catch {
            document = clear.claims
            disclosedPaths = []
            disclosureProblem = error
        }
    }

    /// Reads a compact SD-JWT (or SD-JWT+KB); throws as `SDJWT(parsing:)`, then as `init(_:)`.
    public init(compact text: String) throws(CredentialError) {
        try self.init(try SDJWT(parsing: text))
    }

    /// Whether `text` is a `data:` URL of this media type (which `init(dataURL:)` reads).
    public static func isDataURL(_ text: String?) -> Bool {
        guard let text else { return false }
        let prefix = text.prefix(("data:" + mediaType + ";base64,").count).lowercased()
        return prefix.hasPrefix("data:" + mediaType + ",") || prefix.hasPrefix("data:" + mediaType + ";base64,")
    }

    /// Reads `data:application/vc+sd-jwt,<compact SD-JWT>` (or its `;base64,` form). Throws
    /// `envelope_too_large`, `envelope_malformed` for another `data:` URL or bad base64, then as
    /// `init(compact:)`.
    public init(dataURL: String) throws(CredentialError) {
        guard dataURL.utf8.count <= Envelope.maximumSize else {
            throw .envelope(.tooLarge, "the data: URL has \(dataURL.utf8.count) bytes; at most \(Envelope.maximumSize) are read")
        }
        guard Self.isDataURL(dataURL), let comma = dataURL.firstIndex(of: ",") else {
            throw .envelope(.malformed, "an SD-JWT credential's id is 'data:\(Self.mediaType),<SD-JWT>'")
        }
        let data = String(dataURL[dataURL.index(after: comma)...])
        guard dataURL[..<comma].lowercased().hasSuffix(";base64") else {
            try self.init(compact: data)
            return
        }
        let padded = data + String(repeating: "=", count: (4 - data.utf8.count % 4) % 4)
        guard let bytes = Data(base64Encoded: padded), let text = String(validating: bytes, as: UTF8.self) else {
            throw .envelope(.malformed, "the data: URL's data is not base64 of an SD-JWT")
        }
        try self.init(compact: text)
    }

    /// Reads an `EnvelopedVerifiableCredential` (or, for a presentation with key binding, an
    /// `EnvelopedVerifiablePresentation`) by its `data:` URL `id`; `envelope_malformed` without one.
    public init(enveloped object: JSONObject) throws(CredentialError) {
        guard let id = object["id"]?.stringValue else {
            throw .envelope(.malformed, "an enveloped credential has a data: URL as its 'id'", path: "/id")
        }
        try self.init(dataURL: id)
    }

    /// The compact serialization.
    public var serialization: String { sdJWT.serialization }

    /// `data:application/vc+sd-jwt,<compact SD-JWT>`.
    public var dataURL: String { "data:" + Self.mediaType + "," + serialization }

    /// The `EnvelopedVerifiableCredential` that carries it.
    public var envelopedCredential: JSONObject { Self.enveloped(dataURL, type: "EnvelopedVerifiableCredential") }

    /// The `EnvelopedVerifiablePresentation` that carries it, as a holder sends it with its KB-JWT.
    public var envelopedPresentation: JSONObject { Self.enveloped(dataURL, type: "EnvelopedVerifiablePresentation") }

    private static func enveloped(_ dataURL: String, type: String) -> JSONObject {
        ["@context": ["https://www.w3.org/ns/credentials/v2"], "id": .string(dataURL), "type": .string(type)]
    }

    /// The presentation a KB-JWT makes of it, for the presentation policies: one
    /// `EnvelopedVerifiableCredential` with the same disclosures and no KB-JWT, and no holder (the
    /// holder is the key in `cnf`).
    public var presentation: Presentation {
        let credential = sdJWT.with(disclosures: sdJWT.disclosures, keyBinding: nil)
        let dataURL = "data:" + Self.mediaType + "," + credential.serialization
        let presentation: JSONObject = [
            "@context": [.string(ContextTerms.credentialsV2)], "type": ["VerifiablePresentation"],
            "verifiableCredential": [.object(Self.enveloped(dataURL, type: "EnvelopedVerifiableCredential"))],
        ]
        return Presentation(presentation)
    }

    // MARK: issuing and presenting

    /// Issues `credential` (checked by the caller) as a vc+sd-jwt signed by `signer` under
    /// `verificationMethod`: the claims at the `disclosable` JSON pointers selectively disclosable
    /// (by default every member of each credential subject but `id` and `type`), and, when the
    /// subject's `id` is a did:key, its key as `cnf.jwk` for key binding. Throws
    /// `sd_jwt_claim_not_disclosable` for a pointer at (or inside) a claim that stays in the clear,
    /// `invalid_subject` for a did:key subject whose key cannot be read, and what
    /// `SDJWTIssuer.issue` throws.
    static func issue(
        _ credential: JSONObject, disclosable: [String]?, verificationMethod: String, signer: some Signer, using issuer: SDJWTIssuer
    ) async throws(CredentialError) -> SDJWTCredential {
        let pointers = disclosable ?? defaultDisclosable(in: credential)
        for pointer in pointers {
            guard let normalized = JSONPointer.normalized(pointer), !normalized.isEmpty else { continue }
            if staysClear(normalized, in: credential) {
                throw .sdJWT(.claimNotDisclosable, "\(pointer) names a claim a vc+sd-jwt keeps in the clear", path: pointer)
            }
        }
        var holderKey: PublicKey?
        let subjects = credential["credentialSubject"].map { $0.arrayValue ?? [$0] } ?? []
        if subjects.count == 1, let subject = subjects[0]["id"]?.stringValue, subject.hasPrefix("did:key:") {
            do {
                holderKey = try DIDKey.publicKey(of: subject)
            } catch {
                throw CredentialError(
                    "invalid_subject", "the subject \(subject) is not a did:key whose key can bind the holder: \(error.message)",
                    path: credential["credentialSubject"]?.arrayValue == nil ? "/credentialSubject/id" : "/credentialSubject/0/id")
            }
        }
        let header: JSONObject = ["typ": .string(type), "cty": "vc", "kid": .string(verificationMethod)]
        return try SDJWTCredential(
            try await issuer.issue(claims: credential, disclosable: pointers, holderKey: holderKey, header: header, signer: signer))
    }

    /// Every member of each credential subject but `id` and `type`.
    static func defaultDisclosable(in credential: JSONObject) -> [String] {
        switch credential["credentialSubject"] {
        case .object(let subject)?:
            return subject.keys.filter { $0 != "id" && $0 != "type" }.sorted().map { "/credentialSubject/" + JSONPointer.escape($0) }
        case .array(let subjects)?:
            return subjects.enumerated().flatMap { index, subject in
                (subject.objectValue?.keys ?? []).filter { $0 != "id" && $0 != "type" }.sorted().map {
                    "/credentialSubject/\(index)/" + JSONPointer.escape($0)
                }
            }
        default:
            return []
        }
    }

    /// Whether the claim at `pointer` (normalized) must stay in the clear: a member of
    /// `clearMembers` or inside one, a credential subject as a whole, or a subject's `id` or `type`.
    static func staysClear(_ pointer: String, in credential: JSONObject) -> Bool {
        guard let tokens = JSONPointer.referenceTokens(pointer), let first = tokens.first else { return true }
        if clearMembers.contains(first) { return true }
        guard first == "credentialSubject" else { return false }
        var rest = tokens.dropFirst()
        if credential["credentialSubject"]?.arrayValue != nil {
            guard !rest.isEmpty else { return true }
            rest = rest.dropFirst()
        }
        guard let member = rest.first else { return true }
        return member == "id" || member == "type"
    }

    /// The holder's presentation of the claims at `pointers` (JSON pointers into `document`; each
    /// with the claims enclosing it and inside it) without key binding. Throws
    /// `sd_jwt_pointer_invalid` for a pointer that names no claim.
    public func present(disclosing pointers: [String]) throws(CredentialError) -> SDJWTCredential {
        let holder = try SDJWTHolder(sdJWT)
        return try SDJWTCredential(try holder.present(try holder.disclosures(revealing: pointers)))
    }

    /// The holder's presentation of the claims at `pointers` to one verifier: a KB-JWT with its
    /// `challenge` as `nonce` and its `domain` as `aud`, signed by `signer`, whose key must be the
    /// credential's `cnf.jwk`. Throws as `present(disclosing:)`, and `sd_jwt_key_binding_invalid`
    /// without `cnf` or for another key.
    public func present(
        disclosing pointers: [String], challenge: String, domain: String, issuedAt: Date = Date(), signer: some Signer
    ) async throws(CredentialError) -> SDJWTCredential {
        let holder = try SDJWTHolder(sdJWT)
        let disclosures = try holder.disclosures(revealing: pointers)
        return try SDJWTCredential(try await holder.present(disclosures, audience: domain, nonce: challenge, issuedAt: issuedAt, signer: signer))
    }

    // MARK: verifying

    /// The issuer's verification method, as the `kid` names it.
    public var keyID: String? { sdJWT.issuerSigned.header["kid"]?.stringValue }

    /// Verifies the issuer-signed JWT with the key its `kid` names (a DID URL, or a fragment of the
    /// credential's issuer), which the DID document must authorize for `assertionMethod`, then the
    /// disclosures and the `exp`, `nbf` and `iat` claims at `now`; a KB-JWT is not looked at.
    /// Throws INVALID_VERIFICATION_METHOD or MISMATCHED_PROOF_PURPOSE_ERROR, the `jose_*` codes
    /// of the signature, the `sd_jwt_*` codes of the disclosures (`sd_jwt_disclosure_unreferenced`,
    /// `sd_jwt_claim_not_disclosable`, …), `sd_jwt_expired` and `sd_jwt_not_yet_valid`. The proof
    /// returned names the method and its DID, which the caller binds to the issuer.
    public func verify(resolver: any DIDResolver, at now: Date) async throws(CredentialError) -> VerifiedProof {
        guard let kid = keyID, !kid.isEmpty else {
            throw .dataIntegrity(.invalidVerificationMethod, "no kid header names the issuer's verification method")
        }
        // A relative kid is the issuer's; an absolute one names its own DID, which the caller binds.
        let issuer = Credential(document).issuerID
        let method = kid.hasPrefix("#") ? (issuer ?? "") + kid : kid
        guard let controller = try? DIDURL(method).did else {
            throw .dataIntegrity(.invalidVerificationMethod, "the kid '\(kid)' does not name a DID URL")
        }
        let byDID = SDJWTIssuerKeyLookup.did(resolver: resolver)
        let lookup = SDJWTIssuerKeyLookup { _, header in try await byDID.key(issuer: kid.hasPrefix("#") ? issuer : nil, header: header) }
        _ = try await SDJWTVerifier(issuerKey: lookup, now: { now }).verify(sdJWT, keyBinding: .notRequired)
        if let disclosureProblem { throw disclosureProblem }
        return VerifiedProof(verificationMethod: method, controller: controller, proofPurpose: .assertionMethod, created: nil, id: nil)
    }

    /// Verifies the KB-JWT a holder added for a verifier: `typ: kb+jwt`, signed by the `cnf.jwk`
    /// key, recent at `now`, its `sd_hash` over this SD-JWT and its disclosures, its `nonce` the
    /// `challenge` and its `aud` the `domain` (any `aud` when the verifier names no domain). The
    /// issuer's signature is `verify(resolver:at:)`'s. Throws `sd_jwt_key_binding_missing`,
    /// `sd_jwt_key_binding_invalid`, `sd_jwt_sd_hash_mismatch`, `sd_jwt_nonce_mismatch` and
    /// `sd_jwt_audience_mismatch`. The proof returned names the holder key's did:key.
    public func verifyKeyBinding(
        challenge: String, domain: String?, at now: Date, clockSkew: TimeInterval = 60, maximumAge: TimeInterval = 300
    ) throws(CredentialError) -> VerifiedProof {
        let audience = domain ?? sdJWT.keyBinding.flatMap { try? JSONValue(parsing: $0.payload, limits: SDJWT.jsonLimits) }?["aud"]?.stringValue
        let payload = try SDJWTKeyBinding.verify(
            sdJWT, claims: document, audience: audience ?? "", nonce: challenge, now: now, clockSkew: clockSkew, maximumAge: maximumAge)
        let holder = DIDKey.did(for: try SDJWTKeyBinding.holderKey(in: document))
        return VerifiedProof(
            verificationMethod: holder + "#" + String(holder.dropFirst("did:key:".count)), controller: holder, proofPurpose: .authentication,
            created: payload["iat"]?.doubleValue.map(Date.init(timeIntervalSince1970:)), id: nil)
    }

    /// A media type name without `application/`, lowercased.
    private static func bareName(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasPrefix("application/") ? String(lowered.dropFirst("application/".count)) : lowered
    }
}
