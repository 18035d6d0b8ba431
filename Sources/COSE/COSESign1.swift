import Encoding
import Identity

/// A COSE_Sign1 message (RFC 9052 §4.2): one signature over a payload and the protected headers.
///
/// The protected header bytes are kept exactly as received and verification signs over them, never
/// over a re-encoding. Messages are read tagged (18) or untagged, and written tagged by default.
public struct COSESign1: Sendable, Hashable {
    /// The CBOR tag of a COSE_Sign1 message.
    public static let tag: UInt64 = 18

    /// The serialized protected header map as received (empty when there are no protected headers).
    public let protectedBytes: [UInt8]
    /// The protected header map decoded from `protectedBytes`.
    public let protectedHeaders: COSEHeaders
    /// The unprotected header map (not covered by the signature).
    public let unprotectedHeaders: COSEHeaders
    /// The deterministic encoding of `unprotectedHeaders`, checked once so writing cannot fail.
    private let unprotectedEncoding: [UInt8]
    /// The payload, or nil when it is detached (carried separately).
    public let payload: [UInt8]?
    /// The signature: 64 bytes for both EdDSA (Ed25519) and ES256 (raw r‖s).
    public let signature: [UInt8]

    /// Parses a COSE_Sign1 message, tagged with 18 or untagged. Throws `cose_unexpected_tag` for any
    /// other tag and `cose_malformed` for anything that is not a well-formed COSE_Sign1 (RFC 9052 §4.2),
    /// including a `crit` header that is not a non-empty array of labels in the protected bucket and a
    /// label present in both buckets. Does not verify the signature.
    public init(decoding bytes: [UInt8]) throws(COSEError) {
        let item: CBOR
        do {
            item = try CBOR.decode(bytes)
        } catch {
            throw COSEError(.malformed, "not CBOR: \(error.message)")
        }
        var body = item
        if case .tagged(let tag, let content) = item {
            guard tag == Self.tag else {
                throw COSEError(.unexpectedTag, "tag \(tag) is not COSE_Sign1 (18)")
            }
            body = content
        }
        guard let elements = body.arrayValue, elements.count == 4 else {
            throw COSEError(.malformed, "a COSE_Sign1 is an array of 4 elements")
        }
        guard let protectedBytes = elements[0].bytesValue else {
            throw COSEError(.malformed, "the protected header is not a byte string")
        }
        let protectedHeaders: COSEHeaders
        if protectedBytes.isEmpty {
            protectedHeaders = COSEHeaders()
        } else {
            let decoded: CBOR
            do {
                decoded = try CBOR.decode(protectedBytes)
            } catch {
                throw COSEError(.malformed, "the protected header bytes are not one CBOR map: \(error.message)")
            }
            protectedHeaders = try COSEHeaders(decoded: decoded, bucket: "protected")
        }
        let unprotectedHeaders = try COSEHeaders(decoded: elements[1], bucket: "unprotected")
        let payload: [UInt8]?
        switch elements[2] {
        case .bytes(let bytes): payload = bytes
        case .null: payload = nil
        default: throw COSEError(.malformed, "the payload is neither a byte string nor nil")
        }
        guard let signature = elements[3].bytesValue else {
            throw COSEError(.malformed, "the signature is not a byte string")
        }
        try Self.checkBuckets(protectedHeaders, unprotectedHeaders)
        try self.init(
            protectedBytes: protectedBytes, protectedHeaders: protectedHeaders, unprotectedHeaders: unprotectedHeaders,
            payload: payload, signature: signature)
    }

    /// Throws `cose_malformed` when the unprotected headers have no deterministic encoding (e.g. a
    /// bignum with leading zeros), so that `encoded()` never has to fail.
    private init(
        protectedBytes: [UInt8], protectedHeaders: COSEHeaders, unprotectedHeaders: COSEHeaders, payload: [UInt8]?,
        signature: [UInt8]
    ) throws(COSEError) {
        do {
            unprotectedEncoding = try CBOR.map(unprotectedHeaders.entries).encode()
        } catch {
            throw COSEError(.malformed, "the unprotected header cannot be encoded deterministically: \(error.message)")
        }
        self.protectedBytes = protectedBytes
        self.protectedHeaders = protectedHeaders
        self.unprotectedHeaders = unprotectedHeaders
        self.payload = payload
        self.signature = signature
    }

    /// Signs `payload` with `signer`. The `alg` header for the signer's key type is added to the
    /// protected headers (which must not carry another). With `detached`, the message carries nil
    /// and the payload travels separately.
    public static func sign(
        payload: [UInt8], protectedHeaders: COSEHeaders = COSEHeaders(), unprotectedHeaders: COSEHeaders = COSEHeaders(),
        externalAAD: [UInt8] = [], detached: Bool = false, signer: some Signer
    ) async throws -> COSESign1 {
        let algorithm = COSEAlgorithm(keyAlgorithm: signer.algorithm)
        let (headers, protectedBytes) = try prepareProtected(protectedHeaders, unprotectedHeaders, algorithm: algorithm)
        let toBeSigned = signatureStructure(protectedBytes: protectedBytes, externalAAD: externalAAD, payload: payload)
        let signature = try await signer.sign(toBeSigned)
        return try COSESign1(
            protectedBytes: protectedBytes, protectedHeaders: headers, unprotectedHeaders: unprotectedHeaders,
            payload: detached ? nil : payload, signature: signature)
    }

    /// The protected header bytes for a message signed with `algorithm`, checked as `sign` does;
    /// for signers that must see the whole Sig_structure before deciding on the payload (a secure
    /// element numbering its signatures), with `init(protectedBytes:…)` afterwards.
    package static func prepareProtected(
        _ protectedHeaders: COSEHeaders, _ unprotectedHeaders: COSEHeaders, algorithm: COSEAlgorithm
    ) throws(COSEError) -> (COSEHeaders, [UInt8]) {
        var headers = protectedHeaders
        if let given = headers[COSEHeaders.Label.algorithm], given != CBOR(algorithm.rawValue) {
            throw COSEError(.algorithmMismatch, "the protected alg \(given) does not fit a \(algorithm.keyAlgorithm.rawValue) key")
        }
        headers[COSEHeaders.Label.algorithm] = CBOR(algorithm.rawValue)
        try checkBuckets(headers, unprotectedHeaders)
        do {
            _ = try CBOR.map(unprotectedHeaders.entries).encode()
        } catch {
            throw COSEError(.malformed, "the unprotected header cannot be encoded: \(error.message)")
        }
        return (headers, try headers.serialized())
    }

    /// A message from its parts, after signing `signatureStructure(...)` of them.
    package static func assemble(
        protectedBytes: [UInt8], protectedHeaders: COSEHeaders, unprotectedHeaders: COSEHeaders, payload: [UInt8],
        signature: [UInt8]
    ) throws(COSEError) -> COSESign1 {
        try COSESign1(
            protectedBytes: protectedBytes, protectedHeaders: protectedHeaders, unprotectedHeaders: unprotectedHeaders,
            payload: payload, signature: signature)
    }

    /// The message as CBOR: tagged with 18 unless `tagged` is false.
    public func encoded(tagged: Bool = true) -> [UInt8] {
        var writer = CBORWriter(capacity: 16 + protectedBytes.count + (payload?.count ?? 0) + signature.count)
        if tagged { writer.appendHead(.tag, Self.tag) }
        writer.appendHead(.array, 4)
        writer.appendHead(.bytes, UInt64(protectedBytes.count))
        writer.appendRaw(protectedBytes)
        writer.appendRaw(unprotectedEncoding)
        if let payload {
            writer.appendHead(.bytes, UInt64(payload.count))
            writer.appendRaw(payload)
        } else {
            writer.appendRaw([0xF6])  // null: a detached payload
        }
        writer.appendHead(.bytes, UInt64(signature.count))
        writer.appendRaw(signature)
        return writer.bytes
    }

    /// The signature algorithm, from the protected bucket or else the unprotected one. Throws
    /// `cose_missing_algorithm` or `cose_unsupported_algorithm`.
    public func algorithm() throws(COSEError) -> COSEAlgorithm {
        guard let value = protectedHeaders[COSEHeaders.Label.algorithm] ?? unprotectedHeaders[COSEHeaders.Label.algorithm]
        else {
            throw COSEError(.missingAlgorithm, "the message has no alg header")
        }
        return try COSEAlgorithm(header: value)
    }

    /// The key identifier (kid), protected or unprotected.
    public var keyID: [UInt8]? { protectedHeaders.keyID ?? unprotectedHeaders.keyID }

    /// Verifies the signature with `key` over the protected bytes as received, `externalAAD` and the
    /// payload (or `detachedPayload` when the message carries none). Throws `cose_unsupported_algorithm`,
    /// `cose_algorithm_mismatch` (key type vs alg), `cose_critical_header_unknown`,
    /// `cose_payload_mismatch` or `cose_signature_invalid`.
    public func verify(with key: PublicKey, externalAAD: [UInt8] = [], detachedPayload: [UInt8]? = nil) throws(COSEError) {
        let algorithm = try algorithm()
        guard algorithm.keyAlgorithm == key.algorithm else {
            throw COSEError(
                .algorithmMismatch, "alg \(algorithm.rawValue) needs a \(algorithm.keyAlgorithm.rawValue) key, not \(key.algorithm.rawValue)")
        }
        try checkCritical()
        let content: [UInt8]
        switch (payload, detachedPayload) {
        case (let payload?, nil): content = payload
        case (nil, let detached?): content = detached
        case (nil, nil): throw COSEError(.payloadMismatch, "the payload is detached and none was supplied")
        case (.some, .some): throw COSEError(.payloadMismatch, "the message carries a payload, so none may be supplied")
        }
        let toBeSigned = Self.signatureStructure(protectedBytes: protectedBytes, externalAAD: externalAAD, payload: content)
        guard key.verify(signature: signature, message: toBeSigned) else {
            throw COSEError(.signatureInvalid, "the \(algorithm == .edDSA ? "EdDSA" : "ES256") signature does not verify")
        }
    }

    /// The Sig_structure to sign or verify (RFC 9052 §4.4): `["Signature1", body_protected,
    /// external_aad, payload]`. A protected map without entries is the zero-length byte string, however
    /// it was encoded (§4.4: "if there are no protected attributes, a zero-length byte string is used").
    public static func signatureStructure(protectedBytes: [UInt8], externalAAD: [UInt8], payload: [UInt8]) -> [UInt8] {
        let body = protectedBytes == [0xA0] ? [] : protectedBytes
        var writer = CBORWriter(capacity: 24 + body.count + externalAAD.count + payload.count)
        writer.appendHead(.array, 4)
        writer.appendHead(.text, 10)
        writer.appendRaw("Signature1".utf8)
        for part in [body, externalAAD, payload] {
            writer.appendHead(.bytes, UInt64(part.count))
            writer.appendRaw(part)
        }
        return writer.bytes
    }

    /// Every critical header must be one we understand and present in the protected bucket (RFC 9052 §3.1).
    private func checkCritical() throws(COSEError) {
        guard let critical = protectedHeaders[COSEHeaders.Label.critical]?.arrayValue else { return }
        for label in critical {
            guard COSEHeaders.Label.understood.contains(label) else {
                throw COSEError(.unknownCriticalHeader, "the critical header \(label) is not understood")
            }
            guard protectedHeaders[label] != nil else {
                throw COSEError(.malformed, "the critical header \(label) is not in the protected bucket")
            }
        }
    }

    /// Labels are unique across both buckets and `crit` is a non-empty array of labels, protected only.
    private static func checkBuckets(_ protected: COSEHeaders, _ unprotected: COSEHeaders) throws(COSEError) {
        for pair in unprotected.entries where protected[pair.key] != nil {
            throw COSEError(.malformed, "the header \(pair.key) is in both the protected and the unprotected bucket")
        }
        if unprotected[COSEHeaders.Label.critical] != nil {
            throw COSEError(.malformed, "the crit header must be protected")
        }
        if let critical = protected[COSEHeaders.Label.critical] {
            guard let labels = critical.arrayValue, !labels.isEmpty,
                labels.allSatisfy({ label in
                    switch label {
                    case .unsigned, .negative, .text: true
                    default: false
                    }
                })
            else {
                throw COSEError(.malformed, "the crit header is not a non-empty array of labels")
            }
        }
    }
}
