import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// jwcrypto (an independent JOSE implementation) verifies our `application/vc+jwt` credentials and
/// signs ones we verify. Skipped when python3 or jwcrypto is missing, except under `CI=true`.
@Suite(.enabled(if: ReferencePython.canImport("jwcrypto") || Vectors.required, "jwcrypto not installed"))
struct JWCryptoCrossCheckTests {
    /// `verify JWK TOKEN` prints the protected header and the payload when jwcrypto verifies;
    /// `sign PRIVATE_JWK ALG KID PAYLOAD TYP` prints a compact JWS with that `typ` (`vc+jwt`, `vp+jwt`).
    static let script = """
        import sys, json
        from jwcrypto import jwk, jws
        mode = sys.argv[1]
        key = jwk.JWK(**json.loads(sys.argv[2]))
        if mode == 'verify':
            token = jws.JWS()
            token.deserialize(sys.argv[3])
            token.verify(key)
            print(json.dumps(token.jose_header, sort_keys=True))
            print(token.payload.decode())
        else:
            token = jws.JWS(sys.argv[5].encode())
            header = {'alg': sys.argv[3], 'kid': sys.argv[4], 'typ': sys.argv[6], 'cty': sys.argv[6].split('+')[0]}
            token.add_signature(key, None, json.dumps(header))
            print(token.serialize(compact=True))
        """

    static func jwk(_ signer: SoftwareSigner, withSecret: Bool = false) -> String {
        var jwk = signer.verificationKey.jwk
        if withSecret { jwk["d"] = .string(Base64URL.encode(signer.secretKey)) }
        return JSONValue.object(jwk).serializedString()
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func jwcryptoVerifiesOurCredentials(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let issuer = try CredentialIssuer(didKeySigner: signer)
        let envelope = try await issuer.envelop(EnvelopeTests.credential(), as: .vcJWT)
        let run = try ReferencePython.run(Self.script, arguments: ["verify", Self.jwk(signer), envelope.serialization])
        #expect(run.status == 0, "\(run.error)")
        let header = try JSONValue(parsing: try #require(run.lines.first))
        #expect(header["typ"] == "vc+jwt")
        #expect(header["alg"] == .string(JWSAlgorithm(keyAlgorithm: algorithm).rawValue))
        #expect(header["kid"] == .string(issuer.verificationMethod))
        #expect(try JSONValue(parsing: try #require(run.lines.last)) == .object(envelope.document))
        // Another key does not verify in jwcrypto either, so the check above can fail.
        let other = try ReferencePython.run(
            Self.script, arguments: ["verify", Self.jwk(SoftwareSigner.generate(algorithm)), envelope.serialization])
        #expect(other.status != 0)
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func weVerifyJWCryptoCredentials(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let issuer = try CredentialIssuer(didKeySigner: signer)
        var document = EnvelopeTests.credential()
        document["issuer"] = .string(issuer.did)
        let run = try ReferencePython.run(
            Self.script,
            arguments: [
                "sign", Self.jwk(signer, withSecret: true), JWSAlgorithm(keyAlgorithm: algorithm).rawValue, issuer.verificationMethod,
                JSONValue.object(document).serializedString(), "vc+jwt",
            ])
        let token = try #require(run.lines.first, "\(run.error)")
        let verifier = Verifier.standard(resolver: MethodDispatchResolver(["key": DIDKeyResolver()]), now: at("2025-07-01T00:00:00Z"))
        let result = await verifier.verify(try Envelope(compactJWS: token))
        #expect(result.verified, "\(result.failures)")
        let enveloped: JSONValue = ["type": "EnvelopedVerifiableCredential", "id": .string("data:application/vc+jwt," + token)]
        #expect(await verifier.verify(document: enveloped).verified)
    }

    /// A holder's `application/vp+jwt`: jwcrypto verifies ours and reads the challenge and domain
    /// claims; we verify one jwcrypto signs, and refuse it for another challenge.
    @Test(arguments: KeyAlgorithm.allCases)
    func presentationsCrossBothWays(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let holder = DIDKey.did(for: signer.verificationKey)
        let method = holder + "#" + signer.verificationKey.multikey
        let unsecured = Presentation.unsecured(holder: holder, credentials: [])
        let ours = try await Envelope.present(
            unsecured, as: .vpJWT, challenge: "c-7", domain: "https://verifier.example", issuedAt: XSDDateTime.parse("2025-07-01T00:00:00Z")!,
            verificationMethod: method, signer: signer)
        let run = try ReferencePython.run(Self.script, arguments: ["verify", Self.jwk(signer), ours.serialization])
        #expect(run.status == 0, "\(run.error)")
        #expect(try JSONValue(parsing: try #require(run.lines.first))["typ"] == "vp+jwt")
        let payload = try JSONValue(parsing: try #require(run.lines.last))
        #expect(payload["nonce"] == "c-7" && payload["aud"] == "https://verifier.example" && payload["holder"] == .string(holder))

        var theirs = unsecured
        theirs["nonce"] = "c-8"
        theirs["aud"] = "https://verifier.example"
        let signed = try ReferencePython.run(
            Self.script,
            arguments: [
                "sign", Self.jwk(signer, withSecret: true), JWSAlgorithm(keyAlgorithm: algorithm).rawValue, method,
                JSONValue.object(theirs).serializedString(), "vp+jwt",
            ])
        let token = try #require(signed.lines.first, "\(signed.error)")
        let enveloped: JSONValue = ["type": "EnvelopedVerifiablePresentation", "id": .string("data:application/vp+jwt," + token)]
        let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
        func verifier(_ challenge: String) -> Verifier {
            .presentation(resolver: resolver, challenge: challenge, domain: "https://verifier.example", now: at("2025-07-01T00:00:00Z"))
        }
        let result = await verifier("c-8").verify(presentationDocument: enveloped)
        #expect(result.verified, "\(result.failures)")
        #expect(await verifier("c-9").verify(presentationDocument: enveloped).failureCodes == ["INVALID_CHALLENGE_ERROR"])
    }
}

/// pycose verifies our `application/vc+cose` credentials and signs ones we verify. Skipped when
/// python3 or pycose is missing, except under `CI=true`.
@Suite(.enabled(if: ReferencePython.canImport("pycose", "cbor2") || Vectors.required, "pycose not installed"))
struct PycoseEnvelopeCrossCheckTests {
    /// `verify ALG PUBLIC MESSAGE` prints the typ (16) and kid headers and the payload when pycose
    /// verifies; `sign ALG SECRET PUBLIC KID PAYLOAD` prints a tagged COSE_Sign1 with typ
    /// `application/vc+cose`. Hex arguments but for ALG.
    static let script = ReferencePython.pycosePrelude + """
        if mode == 'verify':
            item = cbor2.loads(h(sys.argv[4]))
            if not isinstance(item, cbor2.CBORTag) or item.tag != 18: sys.exit('not tag 18')
            protected = cbor2.loads(item.value[0])
            message = Sign1Message.from_cose_obj([plain(v) for v in item.value], True)
            message.key = key(h(sys.argv[3]))
            print('ok' if message.verify_signature() else 'bad')
            print(protected.get(16))
            print(protected.get(4).decode())
            print(message.payload.decode())
        else:
            phdr = {Algorithm: {'EdDSA': EdDSA, 'ES256': Es256, 'ES384': Es384}[alg], KID: h(sys.argv[5]), 16: 'application/vc+cose'}
            message = Sign1Message(phdr=phdr, payload=h(sys.argv[6]))
            message.key = key(h(sys.argv[4]), h(sys.argv[3]))
            print(message.encode(tag=True).hex())
        """

    @Test(arguments: KeyAlgorithm.allCases)
    func pycoseVerifiesOurCredentials(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let issuer = try CredentialIssuer(didKeySigner: signer)
        let envelope = try await issuer.envelop(EnvelopeTests.credential(), as: .vcCOSE)
        let bytes = Array(try #require(Data(base64Encoded: envelope.serialization)))
        let name = JWSAlgorithm(keyAlgorithm: algorithm).rawValue
        let run = try ReferencePython.run(Self.script, arguments: ["verify", name, Hex.encode(signer.publicKey), Hex.encode(bytes)])
        #expect(run.lines.prefix(3) == ["ok", "application/vc+cose", issuer.verificationMethod], "\(run.error)")
        #expect(try JSONValue(parsing: try #require(run.lines.last)) == .object(envelope.document))
        let other = try ReferencePython.run(
            Self.script, arguments: ["verify", name, Hex.encode(SoftwareSigner.generate(algorithm).publicKey), Hex.encode(bytes)])
        #expect(other.lines.first != "ok")
    }

    /// pycose verifies a holder's `application/vp+cose` and reads its challenge claim.
    @Test(arguments: KeyAlgorithm.allCases)
    func pycoseVerifiesOurPresentations(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let holder = DIDKey.did(for: signer.verificationKey)
        let method = holder + "#" + signer.verificationKey.multikey
        let envelope = try await Envelope.present(
            Presentation.unsecured(holder: holder, credentials: []), as: .vpCOSE, challenge: "c-7", domain: nil, issuedAt: Date(),
            verificationMethod: method, signer: signer)
        let bytes = Array(try #require(Data(base64Encoded: envelope.serialization)))
        let run = try ReferencePython.run(
            Self.script, arguments: ["verify", JWSAlgorithm(keyAlgorithm: algorithm).rawValue, Hex.encode(signer.publicKey), Hex.encode(bytes)])
        #expect(run.lines.prefix(3) == ["ok", "application/vp+cose", method], "\(run.error)")
        #expect(try JSONValue(parsing: try #require(run.lines.last))["nonce"] == "c-7")
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func weVerifyPycoseCredentials(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let issuer = try CredentialIssuer(didKeySigner: signer)
        var document = EnvelopeTests.credential()
        document["issuer"] = .string(issuer.did)
        let run = try ReferencePython.run(
            Self.script,
            arguments: [
                "sign", JWSAlgorithm(keyAlgorithm: algorithm).rawValue, Hex.encode(signer.secretKey), Hex.encode(signer.publicKey),
                Hex.encode(Array(issuer.verificationMethod.utf8)), Hex.encode(JSONValue.object(document).serialized()),
            ])
        let bytes = try Hex.decode(try #require(run.lines.first, "\(run.error)"))
        let verifier = Verifier.standard(resolver: MethodDispatchResolver(["key": DIDKeyResolver()]), now: at("2025-07-01T00:00:00Z"))
        let result = await verifier.verify(try Envelope(cose: bytes))
        #expect(result.verified, "\(result.failures)")
        let enveloped: JSONValue = [
            "type": "EnvelopedVerifiableCredential", "id": .string("data:application/vc+cose;base64," + Data(bytes).base64EncodedString()),
        ]
        #expect(await verifier.verify(document: enveloped).verified)
    }
}
