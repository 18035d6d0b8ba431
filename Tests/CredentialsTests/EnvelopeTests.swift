import COSE
import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// VC-JOSE-COSE: credentials secured as a compact JWS (`application/vc+jwt`) and as a COSE_Sign1
/// (`application/vc+cose`), issued and verified with Ed25519, P-256 and P-384 keys; every way of
/// tampering with them fails with its stable code.
@Suite struct EnvelopeTests {
    static let credentialTypes: [EnvelopeMediaType] = [.vcJWT, .vcCOSE]
    let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])

    func verifier() -> Verifier { Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")) }

    /// A did:key issuer of `algorithm` and an unsecured credential of theirs.
    static func issuer(_ algorithm: KeyAlgorithm) throws -> (CredentialIssuer, SoftwareSigner) {
        let signer = SoftwareSigner.generate(algorithm)
        return (try CredentialIssuer(didKeySigner: signer), signer)
    }

    static func credential(extra: JSONObject = [:]) -> JSONObject {
        var credential: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:vc-jose-1", "type": ["VerifiableCredential"],
            "validFrom": "2025-01-01T00:00:00Z", "credentialSubject": ["id": "did:example:cell-1", "capacityAh": 52.3],
        ]
        for (key, value) in extra { credential[key] = value }
        return credential
    }

    /// The codes of verifying the `EnvelopedVerifiableCredential` object carrying `dataURL`.
    func codes(_ dataURL: String) async -> [String] {
        let enveloped: JSONObject = [
            "@context": "https://www.w3.org/ns/credentials/v2", "id": .string(dataURL), "type": "EnvelopedVerifiableCredential",
        ]
        return await verifier().verify(document: .object(enveloped)).failureCodes
    }

    /// A compact JWS over `payload` signed by `signer` under exactly `header` (its `alg` included).
    static func jws(header: JSONObject, payload: [UInt8], signer: some Signer) async throws -> String {
        let input = Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try await signer.sign(Array(input.utf8)))
    }

    /// `bytes` with the credential's `capacityAh` 52.3 changed to 62.3.
    static func raised(_ bytes: [UInt8]) -> [UInt8] {
        let needle = Array("52.3".utf8)
        var bytes = bytes
        let start = (0...(bytes.count - needle.count)).first { bytes[$0..<$0 + needle.count].elementsEqual(needle) }!
        bytes[start] = UInt8(ascii: "6")
        return bytes
    }

    @Test(arguments: KeyAlgorithm.allCases, EnvelopeTests.credentialTypes)
    func issuedEnvelopesVerify(algorithm: KeyAlgorithm, mediaType: EnvelopeMediaType) async throws {
        let (issuer, _) = try Self.issuer(algorithm)
        let envelope = try await issuer.envelop(Self.credential(), as: mediaType)
        #expect(envelope.document["issuer"] == .string(issuer.did))
        #expect(envelope.document["proof"] == nil)
        #expect(envelope.keyID == issuer.verificationMethod)
        #expect(envelope.dataURL.hasPrefix("data:" + mediaType.rawValue + (mediaType.isCOSE ? ";base64," : ",")))
        #expect(envelope.enveloped["type"] == "EnvelopedVerifiableCredential")
        let result = await verifier().verify(document: .object(envelope.enveloped))
        #expect(result.verified, "\(result.failures)")
        #expect(result.credentialIds == ["urn:uuid:vc-jose-1"])
        #expect(result.checks == ["data_model", "proof", "validity_period"])
        let reread = try Envelope(dataURL: envelope.dataURL)
        #expect(reread.document == envelope.document)
    }

    @Test func theJWSHeaderNamesAlgorithmTypeContentAndKey() async throws {
        for algorithm in KeyAlgorithm.allCases {
            let (issuer, _) = try Self.issuer(algorithm)
            let envelope = try await issuer.envelop(Self.credential(), as: .vcJWT)
            let jws = try CompactJWS(parsing: envelope.serialization)
            #expect(jws.header["alg"] == .string(JWSAlgorithm(keyAlgorithm: algorithm).rawValue))
            #expect(jws.header["typ"] == "vc+jwt")
            #expect(jws.header["cty"] == "vc")
            #expect(jws.header["kid"] == .string(issuer.verificationMethod))
            #expect(try JSONValue(parsing: jws.payload) == .object(envelope.document))
        }
    }

    @Test func theCOSEHeadersNameAlgorithmTypeContentAndKey() async throws {
        let (issuer, _) = try Self.issuer(.p384)
        let envelope = try await issuer.envelop(Self.credential(), as: .vcCOSE)
        let message = try COSESign1(decoding: Array(try #require(Data(base64Encoded: envelope.serialization))))
        #expect(try message.algorithm() == .es384)
        #expect(message.protectedHeaders[COSEHeaders.Label.type] == .text("application/vc+cose"))
        #expect(message.protectedHeaders[COSEHeaders.Label.contentType] == .text("application/vc"))
        #expect(message.keyID == Array(issuer.verificationMethod.utf8))
    }

    @Test func aChangedPayloadFails() async throws {
        let (issuer, signer) = try Self.issuer(.ed25519)
        let jose = try await issuer.envelop(Self.credential(), as: .vcJWT)
        let parts = jose.serialization.split(separator: ".").map(String.init)
        let payload = Self.raised(try Base64URL.decode(parts[1]))
        let forged = parts[0] + "." + Base64URL.encode(payload) + "." + parts[2]
        #expect(await codes("data:application/vc+jwt," + forged) == ["jose_invalid_signature"])

        var document = Self.credential()
        document["issuer"] = .string(issuer.did)
        let cose = try await COSESign1.sign(
            payload: JSONValue.object(document).serialized(),
            protectedHeaders: [COSEHeaders.Label.keyID: .bytes(Array(issuer.verificationMethod.utf8))], signer: signer)
        let bytes = Self.raised(cose.encoded())
        #expect(await codes("data:application/vc+cose;base64," + Data(bytes).base64EncodedString()) == ["cose_signature_invalid"])
    }

    @Test func aSwappedAlgorithmFails() async throws {
        let (issuer, signer) = try Self.issuer(.ed25519)
        var document = Self.credential()
        document["issuer"] = .string(issuer.did)
        let payload = JSONValue.object(document).serialized()
        for (alg, code) in [("ES256", "jose_algorithm_mismatch"), ("none", "jose_unsupported_algorithm"), ("HS256", "jose_unsupported_algorithm")] {
            let token = try await Self.jws(header: ["alg": .string(alg), "kid": .string(issuer.verificationMethod)], payload: payload, signer: signer)
            #expect(await codes("data:application/vc+jwt," + token) == [code], "\(alg)")
        }
        // alg none without a signature, as such tokens come.
        let unsigned = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(payload) + "."
        #expect(await codes("data:application/vc+jwt," + unsigned) == ["jose_unsupported_algorithm"])

        // COSE: a protected alg of ES256 over an Ed25519 signature.
        let protected = try CBOR.map([.init(1, -7), .init(4, .bytes(Array(issuer.verificationMethod.utf8)))]).encode()
        let toBeSigned = COSESign1.signatureStructure(protectedBytes: protected, externalAAD: [], payload: payload)
        let message = try CBOR.tagged(18, .array([.bytes(protected), .map([]), .bytes(payload), .bytes(try await signer.sign(toBeSigned))])).encode()
        #expect(await codes("data:application/vc+cose;base64," + Data(message).base64EncodedString()) == ["cose_algorithm_mismatch"])
        let unsupported = try CBOR.tagged(18, .array([.bytes(try CBOR.map([.init(1, -36)]).encode()), .map([]), .bytes(payload), .bytes([1])])).encode()
        #expect(await codes("data:application/vc+cose;base64," + Data(unsupported).base64EncodedString()) == ["cose_unsupported_algorithm"])
    }

    @Test(arguments: EnvelopeTests.credentialTypes)
    func aKeyOfAnotherDIDFails(mediaType: EnvelopeMediaType) async throws {
        let (issuer, _) = try Self.issuer(.ed25519)
        let (other, otherSigner) = try Self.issuer(.ed25519)
        var document = Self.credential()
        document["issuer"] = .string(issuer.did)
        // Signed by the other key under its own kid: a valid signature, but not the issuer's.
        let foreign = try await Envelope.sign(document, as: mediaType, verificationMethod: other.verificationMethod, signer: otherSigner)
        #expect(await codes(foreign.dataURL) == ["issuer_key_mismatch"])
        // Signed by the other key under the issuer's kid: the issuer's key does not verify it.
        let lying = try await Envelope.sign(document, as: mediaType, verificationMethod: issuer.verificationMethod, signer: otherSigner)
        #expect(await codes(lying.dataURL) == [mediaType.isCOSE ? "cose_signature_invalid" : "jose_invalid_signature"])
    }

    @Test func aWrongTypeFails() async throws {
        let (issuer, signer) = try Self.issuer(.p256)
        var document = Self.credential()
        document["issuer"] = .string(issuer.did)
        let payload = JSONValue.object(document).serialized()
        let kid = JSONValue.string(issuer.verificationMethod)
        for header: JSONObject in [["alg": "ES256", "kid": kid, "typ": "vp+jwt"], ["alg": "ES256", "kid": kid, "typ": "JWT"], ["alg": "ES256", "kid": kid, "cty": "json"]] {
            let token = try await Self.jws(header: header, payload: payload, signer: signer)
            #expect(await codes("data:application/vc+jwt," + token) == ["envelope_invalid_type"], "\(header)")
        }
        // typ with application/ and in other case is the same media type.
        let long = try await Self.jws(header: ["alg": "ES256", "kid": kid, "typ": "application/VC+JWT"], payload: payload, signer: signer)
        #expect(await codes("data:application/vc+jwt," + long) == [])
        let cose = try await COSESign1.sign(
            payload: payload,
            protectedHeaders: [COSEHeaders.Label.keyID: .bytes(Array(issuer.verificationMethod.utf8)), COSEHeaders.Label.type: "application/vp+cose"],
            signer: signer)
        #expect(await codes("data:application/vc+cose;base64," + Data(cose.encoded()).base64EncodedString()) == ["envelope_invalid_type"])
    }

    @Test func kidAndCriticalHeadersAreChecked() async throws {
        let (issuer, signer) = try Self.issuer(.ed25519)
        var document = Self.credential()
        document["issuer"] = .string(issuer.did)
        let payload = JSONValue.object(document).serialized()
        let fragment = "#" + (try DIDURL(issuer.verificationMethod).fragment ?? "")
        let cases: [(JSONObject, [String])] = [
            (["alg": "EdDSA"], ["envelope_missing_kid"]),
            (["alg": "EdDSA", "kid": "key-1"], ["INVALID_VERIFICATION_METHOD"]),
            (["alg": "EdDSA", "kid": .string(issuer.did + "#nope")], ["INVALID_VERIFICATION_METHOD"]),
            (["alg": "EdDSA", "kid": .string(fragment)], []),  // relative to the issuer
            (["alg": "EdDSA", "kid": .string(issuer.verificationMethod), "crit": ["exp"], "exp": 1], ["jose_critical_header_unknown"]),
            (["alg": "EdDSA", "kid": 7], ["jose_malformed"]),
        ]
        for (header, expected) in cases {
            let token = try await Self.jws(header: header, payload: payload, signer: signer)
            #expect(await codes("data:application/vc+jwt," + token) == expected, "\(header)")
        }
    }

    @Test func theDecodedCredentialGoesThroughTheSamePolicies() async throws {
        let (issuer, _) = try Self.issuer(.ed25519)
        let expired = try await issuer.envelop(Self.credential(extra: ["validUntil": "2025-02-01T00:00:00Z"]), as: .vcCOSE)
        #expect(await codes(expired.dataURL) == ["expired"])
        var noSubject = Self.credential()
        noSubject["credentialSubject"] = nil
        noSubject["issuer"] = .string(issuer.did)
        let broken = try await Envelope.sign(noSubject, as: .vcJWT, verificationMethod: issuer.verificationMethod, signer: issuer.signer)
        #expect(await codes(broken.dataURL).contains("missing_subject"))
    }

    @Test func badInputFailsWithAStableCode() async throws {
        let (issuer, signer) = try Self.issuer(.ed25519)
        let kid = JSONValue.string(issuer.verificationMethod)
        let cases: [(String, String)] = [
            ("", "envelope_malformed"),
            ("https://example.com/vc", "envelope_malformed"),
            ("data:application/vc+jwt", "envelope_malformed"),
            ("data:application/json,{}", "envelope_unsupported_media_type"),
            ("data:application/vc+jwt;charset=utf-8,a.b.c", "envelope_unsupported_media_type"),
            ("data:application/vc+jwt,not-a-jws", "jose_malformed"),
            ("data:application/vc+jwt,!!.??.**", "jose_malformed"),
            ("data:application/vc+jwt," + Base64URL.encode(Array("[1]".utf8)) + ".e30.AA", "jose_malformed"),
            ("data:application/vc+cose,abc", "envelope_malformed"),
            ("data:application/vc+cose;base64,!!!", "envelope_malformed"),
            ("data:application/vc+cose;base64," + Data([0x01, 0x02]).base64EncodedString(), "cose_malformed"),
            ("data:application/vc+jwt," + String(repeating: "a", count: Envelope.maximumSize), "envelope_too_large"),
        ]
        for (dataURL, code) in cases {
            #expect(await codes(dataURL) == [code], "\(dataURL.prefix(60))")
        }
        // A presentation's media type in an EnvelopedVerifiableCredential.
        let presentation = try await Self.jws(header: ["alg": "EdDSA", "kid": kid, "typ": "vp+jwt"], payload: Array("{}".utf8), signer: signer)
        #expect(await codes("data:application/vp+jwt," + presentation) == ["envelope_unsupported_media_type"])
        for (payload, name) in [([0xFF, 0xFE, 0x7B, 0x7D] as [UInt8], "bad UTF-8"), (Array("[1,2]".utf8), "an array"), (Array("{".utf8), "no JSON")] {
            let token = try await Self.jws(header: ["alg": "EdDSA", "kid": kid], payload: payload, signer: signer)
            #expect(await codes("data:application/vc+jwt," + token) == ["envelope_payload_invalid"], "\(name)")
            let cose = try await COSESign1.sign(payload: payload, protectedHeaders: [COSEHeaders.Label.keyID: .bytes(Array(issuer.verificationMethod.utf8))], signer: signer)
            #expect(await codes("data:application/vc+cose;base64," + Data(cose.encoded()).base64EncodedString()) == ["envelope_payload_invalid"], "\(name)")
        }
        // An enveloped credential without a data: URL id.
        let result = await verifier().verify(document: ["type": "EnvelopedVerifiableCredential", "id": 5])
        #expect(result.failureCodes == ["envelope_malformed"])
    }

    @Test func randomInputNeverCrashes() async throws {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ019-_.=+/,;:%".utf8)
        for index in 0..<300 {
            let length = Int.random(in: 0..<120, using: &random)
            let body = String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &random)! }, as: UTF8.self)
            let prefix = ["data:application/vc+jwt,", "data:application/vc+cose;base64,", "data:"][index % 3]
            #expect(await !codes(prefix + body).isEmpty)
        }
    }
}
