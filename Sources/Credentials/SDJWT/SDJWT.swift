import Encoding

/// An SD-JWT in the compact serialization (RFC 9901 §4): the issuer-signed JWT, the disclosures and,
/// in a presentation with key binding, the KB-JWT: `<JWT>~<D1>~…~<Dn>~[<KB-JWT>]`. Parsing checks the
/// structure only; `SDJWTVerifier` checks signatures, digests and key binding.
public struct SDJWT: Sendable {
    /// The longest serialization read, in bytes.
    public static let maximumSize = 1 << 20
    /// How deep claims may nest, counting the levels disclosures add.
    public static let maximumDepth = 64
    /// The limits for the JSON of the payload, disclosures and KB-JWT.
    static let jsonLimits = JSONLimits(maxDepth: maximumDepth, maxInputBytes: maximumSize, maxStringBytes: maximumSize)

    /// The issuer-signed JWT.
    public let issuerSigned: CompactJWS
    /// Its payload, with digests in place of the selectively disclosable claims.
    public let payload: JSONObject
    /// The hash of the digests, from `_sd_alg`.
    public let hashAlgorithm: SDJWTHashAlgorithm
    /// The disclosures, in the order they came.
    public let disclosures: [SDJWTDisclosure]
    /// The KB-JWT, when the holder bound the presentation to a key.
    public let keyBinding: CompactJWS?

    /// Reads a compact SD-JWT or SD-JWT+KB. Throws `sd_jwt_too_large`, `sd_jwt_malformed` without a
    /// `~`, for an empty disclosure or a payload that is not a JSON object, the `jose_*` codes of
    /// `CompactJWS` for the issuer-signed JWT, `sd_jwt_unsupported_sd_alg`,
    /// `sd_jwt_disclosure_malformed`, `sd_jwt_digest_duplicate` for a disclosure given twice, and
    /// `sd_jwt_key_binding_invalid` for a KB-JWT that is no compact JWS.
    public init(parsing text: String) throws(CredentialError) {
        guard text.utf8.count <= Self.maximumSize else {
            throw .sdJWT(.tooLarge, "the SD-JWT has \(text.utf8.count) bytes; at most \(Self.maximumSize) are read")
        }
        let parts = text.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count >= 2 else {
            throw .sdJWT(.malformed, "an SD-JWT is '<JWT>~<disclosure>~…~' with an optional KB-JWT after the last '~'")
        }
        let issuerSigned = try CompactJWS(parsing: String(parts[0]))
        var disclosures: [SDJWTDisclosure] = []
        disclosures.reserveCapacity(parts.count - 2)
        for part in parts.dropFirst().dropLast() {
            guard !part.isEmpty else { throw .sdJWT(.malformed, "an SD-JWT has an empty disclosure ('~~')") }
            disclosures.append(try SDJWTDisclosure(parsing: String(part)))
        }
        var keyBinding: CompactJWS?
        if let last = parts.last, !last.isEmpty {
            do {
                keyBinding = try CompactJWS(parsing: String(last))
            } catch {
                throw .sdJWT(.keyBindingInvalid, "the KB-JWT is not a compact JWS: \(error.code): \(error.message)")
            }
        }
        try self.init(issuerSigned: issuerSigned, disclosures: disclosures, keyBinding: keyBinding)
    }

    /// An SD-JWT of these parts; throws as `init(parsing:)` for the payload and repeated disclosures.
    init(issuerSigned: CompactJWS, disclosures: [SDJWTDisclosure], keyBinding: CompactJWS?) throws(CredentialError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: issuerSigned.payload, limits: Self.jsonLimits)
        } catch {
            throw .sdJWT(.malformed, "the issuer-signed JWT's payload is not JSON: \(error.message)")
        }
        guard let payload = value.objectValue else {
            throw .sdJWT(.malformed, "the issuer-signed JWT's payload is not a JSON object")
        }
        var seen: Set<String> = []
        for disclosure in disclosures where !seen.insert(disclosure.encoded).inserted {
            throw .sdJWT(.digestDuplicate, "the disclosure \(disclosure.encoded.excerpt) is given twice")
        }
        self.issuerSigned = issuerSigned
        self.payload = payload
        hashAlgorithm = try SDJWTHashAlgorithm(payload: payload)
        self.disclosures = disclosures
        self.keyBinding = keyBinding
    }

    /// The same issuer-signed JWT with other disclosures and key binding.
    func with(disclosures: [SDJWTDisclosure], keyBinding: CompactJWS?) -> SDJWT {
        SDJWT(checked: self, disclosures: disclosures, keyBinding: keyBinding)
    }

    private init(checked sdJWT: SDJWT, disclosures: [SDJWTDisclosure], keyBinding: CompactJWS?) {
        issuerSigned = sdJWT.issuerSigned
        payload = sdJWT.payload
        hashAlgorithm = sdJWT.hashAlgorithm
        self.disclosures = disclosures
        self.keyBinding = keyBinding
    }

    /// The compact serialization.
    public var serialization: String {
        keyBindingInput + (keyBinding?.serialization ?? "")
    }

    /// Everything up to and including the last `~`: what the KB-JWT's `sd_hash` covers.
    var keyBindingInput: String {
        var text = issuerSigned.serialization + "~"
        for disclosure in disclosures { text += disclosure.encoded + "~" }
        return text
    }
}

extension String {
    /// The first 16 characters and an ellipsis, to name a digest or disclosure in a message.
    var excerpt: String { count > 16 ? String(prefix(16)) + "…" : self }
}
