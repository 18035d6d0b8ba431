import COSE
import Encoding
import Foundation
import Identity

/// A credential or presentation secured by enveloping (VC-JOSE-COSE): a compact JWS (`application/vc+jwt`)
/// or a COSE_Sign1 (`application/vc+cose`) whose payload is the document itself, signed by the key
/// its `kid` names. Parsing checks the structure, media type and payload; `verify` checks the key
/// and the signature.
public struct Envelope: Sendable {
    /// The largest secured form read, as text (a `data:` URL or compact JWS) or COSE bytes.
    public static let maximumSize = 1 << 20

    /// The secured form.
    enum Secured: Sendable {
        case jws(CompactJWS)
        case cose(COSESign1)
    }

    /// The media type.
    public let mediaType: EnvelopeMediaType
    /// The payload: the credential or presentation.
    public let document: JSONObject
    let secured: Secured

    /// Reads the secured form a `data:` URL carries: `data:application/vc+jwt,<compact JWS>` or
    /// `data:application/vc+cose;base64,<COSE_Sign1>`. Throws `envelope_malformed`,
    /// `envelope_unsupported_media_type`, `envelope_too_large`, then what the form's reader throws.
    public init(dataURL: String) throws(CredentialError) {
        guard dataURL.utf8.count <= Self.maximumSize else {
            throw .envelope(.tooLarge, "the data: URL has \(dataURL.utf8.count) bytes; at most \(Self.maximumSize) are read")
        }
        guard dataURL.lowercased().hasPrefix("data:"), let comma = dataURL.firstIndex(of: ",") else {
            throw .envelope(.malformed, "an enveloped credential's id is a data: URL 'data:<media type>[;base64],<data>'")
        }
        var parameters = dataURL[dataURL.index(dataURL.startIndex, offsetBy: 5)..<comma].split(
            separator: ";", omittingEmptySubsequences: false)
        let isBase64 = parameters.count > 1 && parameters.last?.lowercased() == "base64"
        if isBase64 { parameters.removeLast() }
        let name = parameters.first.map(String.init) ?? ""
        guard parameters.count == 1, let mediaType = EnvelopeMediaType(rawValue: name.lowercased()) else {
            throw .envelope(
                .unsupportedMediaType, "the media type '\(name)' is not one of \(EnvelopeMediaType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let data = String(dataURL[dataURL.index(after: comma)...])
        if mediaType.isCOSE {
            guard isBase64 else { throw .envelope(.malformed, "a COSE_Sign1 in a data: URL is base64 (';base64,')") }
            try self.init(cose: try Self.base64(data), mediaType: mediaType)
        } else if isBase64 {
            guard let text = String(validating: try Self.base64(data), as: UTF8.self) else {
                throw .envelope(.malformed, "the base64 data is not a compact JWS")
            }
            try self.init(compactJWS: text, mediaType: mediaType)
        } else {
            try self.init(compactJWS: data, mediaType: mediaType)
        }
    }

    /// Reads a compact JWS secured credential (or presentation, with `.vpJWT`). Throws the
    /// `jose_*` codes of `CompactJWS`, `envelope_invalid_type` when `typ` or `cty` names another media
    /// type, and `envelope_payload_invalid`.
    public init(compactJWS text: String, mediaType: EnvelopeMediaType = .vcJWT) throws(CredentialError) {
        guard !mediaType.isCOSE else { throw .envelope(.unsupportedMediaType, "\(mediaType.rawValue) is not a JWS media type") }
        guard text.utf8.count <= Self.maximumSize else {
            throw .envelope(.tooLarge, "the JWS has \(text.utf8.count) bytes; at most \(Self.maximumSize) are read")
        }
        let jws = try CompactJWS(parsing: text)
        for name in ["typ", "cty", "kid"] where jws.header[name] != nil && jws.header[name]?.stringValue == nil {
            throw .envelope(.joseMalformed, "the JWS header '\(name)' is not a string")
        }
        if let type = jws.header["typ"]?.stringValue, EnvelopeMediaType(name: type) != mediaType {
            throw .envelope(.invalidType, "typ '\(type)' is not \(mediaType.shortName)")
        }
        if let content = jws.header["cty"]?.stringValue, !mediaType.acceptsContentType(content) {
            throw .envelope(.invalidType, "cty '\(content)' is not \(mediaType.contentType)")
        }
        self.mediaType = mediaType
        document = try Self.payload(jws.payload)
        secured = .jws(jws)
    }

    /// Reads a COSE_Sign1 secured credential (or presentation, with `.vpCOSE`). Throws the `cose_*`
    /// codes of `COSESign1`, `envelope_invalid_type` when the `typ` (16) or content type (3) header
    /// names another media type, and `envelope_payload_invalid` (also for a detached payload).
    public init(cose bytes: [UInt8], mediaType: EnvelopeMediaType = .vcCOSE) throws(CredentialError) {
        guard mediaType.isCOSE else { throw .envelope(.unsupportedMediaType, "\(mediaType.rawValue) is not a COSE media type") }
        guard bytes.count <= Self.maximumSize else {
            throw .envelope(.tooLarge, "the COSE_Sign1 has \(bytes.count) bytes; at most \(Self.maximumSize) are read")
        }
        let message: COSESign1
        do {
            message = try COSESign1(decoding: bytes)
            _ = try message.algorithm()
        } catch {
            throw CredentialError(error.code, error.message)
        }
        let headers = message.protectedHeaders
        if let type = headers[COSEHeaders.Label.type] ?? message.unprotectedHeaders[COSEHeaders.Label.type] {
            guard let name = type.textValue, EnvelopeMediaType(name: name) == mediaType else {
                throw .envelope(.invalidType, "typ \(type) is not \(mediaType.rawValue)")
            }
        }
        if let content = message.protectedHeaders.contentType ?? message.unprotectedHeaders.contentType {
            guard let name = content.textValue, mediaType.acceptsContentType(name) else {
                throw .envelope(.invalidType, "content type \(content) is not application/\(mediaType.contentType)")
            }
        }
        guard let payload = message.payload else {
            throw .envelope(.invalidPayload, "the payload is detached; an enveloped credential carries it")
        }
        self.mediaType = mediaType
        document = try Self.payload(payload)
        secured = .cose(message)
    }

    /// Reads an `EnvelopedVerifiableCredential` (or `EnvelopedVerifiablePresentation`) object by its
    /// `data:` URL `id`; throws `envelope_malformed` when it is not one, then as `init(dataURL:)`,
    /// and `envelope_unsupported_media_type` when the media type is of the other kind.
    public init(enveloped object: JSONObject) throws(CredentialError) {
        guard let id = object["id"]?.stringValue else {
            throw .envelope(.malformed, "an enveloped credential has a data: URL as its 'id'", path: "/id")
        }
        try self.init(dataURL: id)
        let types = Credential.strings(object["type"])
        guard types.contains(mediaType.envelopedType) else {
            throw .envelope(.unsupportedMediaType, "\(mediaType.rawValue) is carried by an \(mediaType.envelopedType)", path: "/id")
        }
    }

    /// Secures a presentation for one verifier as `mediaType` (`vp+jwt`, `vp+cose`), signed by the
    /// holder's `verificationMethod`: the verifier's challenge travels as the `nonce` claim, its
    /// domain as `aud`, and the time of signing as `iat` (registered JWT claims, which VC-JOSE-COSE
    /// lets the payload carry). Throws `envelope_unsupported_media_type` for a credential's media
    /// type, or PROOF_GENERATION_ERROR.
    public static func present(
        _ presentation: JSONObject, as mediaType: EnvelopeMediaType, challenge: String, domain: String?, issuedAt: Date,
        verificationMethod: String, signer: some Signer
    ) async throws(CredentialError) -> Envelope {
        guard mediaType.isPresentation else {
            throw .envelope(.unsupportedMediaType, "\(mediaType.rawValue) secures a credential, not a presentation")
        }
        var payload = presentation
        payload["nonce"] = .string(challenge)
        if let domain { payload["aud"] = .string(domain) }
        payload["iat"] = .number(issuedAt.timeIntervalSince1970.rounded(.down))
        return try await sign(payload, as: mediaType, verificationMethod: verificationMethod, signer: signer)
    }

    /// Checks the registered JWT claims that bound the signature in time: `exp` (when it expires),
    /// `nbf` (when it starts) and `iat` (when it was made, not in the future), in seconds since 1970,
    /// allowing `skew` of clock difference. Throws `envelope_expired`, `envelope_not_yet_valid`, or
    /// `envelope_claim_invalid` for a claim that is not a number.
    public func checkTimeClaims(at now: Date, skew: TimeInterval = 60) throws(CredentialError) {
        if let expiry = try time("exp"), now.timeIntervalSince(expiry) > skew {
            throw .envelope(.expired, "the signature expired at \(XSDDateTime.format(expiry)) (exp)", path: "/exp")
        }
        if let start = try time("nbf"), start.timeIntervalSince(now) > skew {
            throw .envelope(.notYetValid, "the signature is valid from \(XSDDateTime.format(start)) (nbf)", path: "/nbf")
        }
        if let issued = try time("iat"), issued.timeIntervalSince(now) > skew {
            throw .envelope(.notYetValid, "the signature was made in the future, at \(XSDDateTime.format(issued)) (iat)", path: "/iat")
        }
    }

    /// A claim of seconds since 1970, or nil when absent.
    private func time(_ claim: String) throws(CredentialError) -> Date? {
        guard let value = document[claim] else { return nil }
        guard let seconds = value.doubleValue, seconds.isFinite else {
            throw .envelope(.invalidClaim, "the \(claim) claim is not a number of seconds", path: "/\(claim)")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    /// Checks that a presentation answers the verifier's `challenge` (the `nonce` claim) and is meant
    /// for its `domain` (the `aud` claim, a string or a list of strings), when one is expected.
    /// Throws INVALID_CHALLENGE_ERROR, INVALID_DOMAIN_ERROR, or `envelope_claim_invalid`.
    public func checkAudience(challenge: String, domain: String?) throws(CredentialError) {
        guard document["nonce"] == nil || document["nonce"]?.stringValue != nil else {
            throw .envelope(.invalidClaim, "the nonce claim is not a string", path: "/nonce")
        }
        guard document["nonce"]?.stringValue == challenge else {
            throw .dataIntegrity(.invalidChallengeError, "the presentation's nonce is not the challenge '\(challenge)'", path: "/nonce")
        }
        guard let domain else { return }
        let audiences: [String]
        switch document["aud"] {
        case .string(let audience)?: audiences = [audience]
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): audiences = items.compactMap(\.stringValue)
        case nil: audiences = []
        default: throw .envelope(.invalidClaim, "the aud claim is not a string or a list of strings", path: "/aud")
        }
        guard audiences.contains(domain) else {
            throw .dataIntegrity(.invalidDomainError, "the presentation's aud does not name the domain '\(domain)'", path: "/aud")
        }
    }

    /// Signs `document` with `signer` as `mediaType`, naming `verificationMethod` (a DID URL) as `kid`
    /// with `typ` and content type headers. Throws PROOF_GENERATION_ERROR when the signer fails.
    public static func sign(
        _ document: JSONObject, as mediaType: EnvelopeMediaType, verificationMethod: String, signer: some Signer
    ) async throws(CredentialError) -> Envelope {
        let payload = JSONValue.object(document).serialized()
        do {
            if mediaType.isCOSE {
                var headers = COSEHeaders()
                headers[COSEHeaders.Label.keyID] = .bytes(Array(verificationMethod.utf8))
                headers[COSEHeaders.Label.type] = .text(mediaType.rawValue)
                headers[COSEHeaders.Label.contentType] = .text("application/" + mediaType.contentType)
                let message = try await COSESign1.sign(payload: payload, protectedHeaders: headers, signer: signer)
                return try Envelope(cose: message.encoded(), mediaType: mediaType)
            }
            let header: JSONObject = [
                "kid": .string(verificationMethod), "typ": .string(mediaType.shortName), "cty": .string(mediaType.contentType),
            ]
            let jws = try await CompactJWS.sign(header: header, payload: payload, signer: signer)
            return try Envelope(compactJWS: jws.serialization, mediaType: mediaType)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "the \(mediaType.shortName) could not be signed: \(error)")
        }
    }

    /// The compact JWS, or the COSE_Sign1 bytes in base64.
    public var serialization: String {
        switch secured {
        case .jws(let jws): jws.serialization
        case .cose(let message): Data(message.encoded()).base64EncodedString()
        }
    }

    /// The `data:` URL: `data:application/vc+jwt,<compact JWS>` or `data:application/vc+cose;base64,<…>`.
    public var dataURL: String {
        "data:" + mediaType.rawValue + (mediaType.isCOSE ? ";base64," : ",") + serialization
    }

    /// The `EnvelopedVerifiableCredential` (or `EnvelopedVerifiablePresentation`) that carries it.
    public var enveloped: JSONObject {
        ["@context": ["https://www.w3.org/ns/credentials/v2"], "id": .string(dataURL), "type": .string(mediaType.envelopedType)]
    }

    /// The `kid` as received: a DID URL, or a fragment relative to the issuer (or holder).
    public var keyID: String? {
        switch secured {
        case .jws(let jws): jws.header["kid"]?.stringValue
        case .cose(let message): message.keyID.flatMap { String(validating: $0, as: UTF8.self) }
        }
    }

    /// The verification method the `kid` names: a relative `kid` (`#key-1`) is resolved against the
    /// JWS `iss` header, else the document's issuer (holder for presentations). Throws
    /// `envelope_missing_kid`, or INVALID_VERIFICATION_METHOD when it is no DID URL.
    public func verificationMethod() throws(CredentialError) -> String {
        guard let kid = keyID, !kid.isEmpty else { throw .envelope(.missingKeyID, "no kid names the signing key") }
        var method = kid
        if kid.hasPrefix("#") {
            let owner = mediaType.isPresentation ? "holder" : "issuer"
            let base: String?
            if case .jws(let jws) = secured, let issuer = jws.header["iss"]?.stringValue {
                base = issuer
            } else {
                base = document[owner]?.stringValue ?? document[owner]?["id"]?.stringValue
            }
            method = (base ?? "") + kid
        }
        guard (try? DIDURL(method)) != nil else {
            throw .dataIntegrity(.invalidVerificationMethod, "the kid '\(kid)' does not name a DID URL")
        }
        return method
    }

    /// Verifies the signature with the key the `kid` names, which the DID document must authorize
    /// for `purpose`. Throws as `verificationMethod()` and key resolution do (INVALID_VERIFICATION_METHOD,
    /// MISMATCHED_PROOF_PURPOSE_ERROR), then `jose_algorithm_mismatch`, `jose_invalid_signature`,
    /// `cose_algorithm_mismatch` or `cose_signature_invalid`.
    public func verify(
        resolver: any DIDResolver, purpose: VerificationRelationship = .assertionMethod
    ) async throws(CredentialError) -> VerifiedProof {
        let method = try verificationMethod()
        let authorized = try await AuthorizedKey.resolve(method, for: purpose, at: nil, resolver: resolver)
        switch secured {
        case .jws(let jws):
            try jws.verify(with: authorized.key)
        case .cose(let message):
            do {
                try message.verify(with: authorized.key)
            } catch {
                throw CredentialError(error.code, error.message)
            }
        }
        return VerifiedProof(verificationMethod: method, controller: authorized.controller, proofPurpose: purpose, created: nil, id: nil)
    }

    /// Standard base64 (with or without padding); `envelope_malformed` otherwise.
    private static func base64(_ text: String) throws(CredentialError) -> [UInt8] {
        let padded = text + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { throw .envelope(.malformed, "the data: URL's data is not base64") }
        return Array(data)
    }

    /// The payload as one JSON object; `envelope_payload_invalid` otherwise (bad UTF-8 included).
    private static func payload(_ bytes: [UInt8]) throws(CredentialError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw .envelope(.invalidPayload, "the payload is not JSON: \(error.message)")
        }
        guard let object = value.objectValue else { throw .envelope(.invalidPayload, "the payload is not a JSON object") }
        return object
    }
}
