import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// Presentations carrying `EnvelopedVerifiableCredential`s (VC-JOSE-COSE §3.2): each enveloped
/// credential is opened, its signature checked and its payload verified like any credential.
@Suite struct EnvelopedPresentationTests {
    let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    let holder = TestIssuer()

    func present(_ entries: [JSONObject]) async throws -> Presentation {
        let unsecured: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:vp-enveloped", "type": ["VerifiablePresentation"],
            "holder": .string(holder.did), "verifiableCredential": .array(entries.map { .object($0) }),
        ]
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: holder.method, proofPurpose: .authentication,
            created: XSDDateTime.parse("2025-07-01T10:00:00Z"), domain: ["https://verifier.example"], challenge: "c-1")
        return Presentation(try await DataIntegrity.sign(unsecured, options: options, signer: holder.signer))
    }

    func verifier() -> Verifier {
        Verifier.presentation(
            resolver: resolver, challenge: "c-1", domain: "https://verifier.example", now: at("2025-07-01T10:00:05Z"))
    }

    @Test func envelopedCredentialsOfEveryKindVerify() async throws {
        var entries: [JSONObject] = []
        for (index, algorithm) in KeyAlgorithm.allCases.enumerated() {
            let issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(algorithm))
            for mediaType in [EnvelopeMediaType.vcJWT, .vcCOSE] {
                let document = EnvelopeTests.credential(extra: ["id": .string("urn:uuid:vc-\(index)-\(mediaType.shortName)")])
                entries.append(try await issuer.envelop(document, as: mediaType).enveloped)
            }
        }
        let embedded = TestIssuer()
        let signed = try await embedded.issue(embedded.credential(id: "urn:uuid:vc-di"))
        entries.append(signed.json)
        let presentation = try await present(entries)
        let parts = await verifier().verifyInParts(presentation)
        #expect(parts.combined.verified, "\(parts.combined.failures)")
        #expect(parts.credentials.count == 7)
        #expect(parts.credentials.map(\.verified) == Array(repeating: true, count: 7))
        #expect(parts.credentials[0].credentialIds == ["urn:uuid:vc-0-vc+jwt"])
        #expect(parts.combined.credentialIds.count == 8)
    }

    @Test func aBadEnvelopeFailsAtItsPlace() async throws {
        let issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.ed25519))
        let good = try await issuer.envelop(EnvelopeTests.credential(), as: .vcJWT)
        let other = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.ed25519))
        var foreign = EnvelopeTests.credential()
        foreign["issuer"] = .string(issuer.did)
        let mismatched = try await Envelope.sign(foreign, as: .vcCOSE, verificationMethod: other.verificationMethod, signer: other.signer)
        let garbage: JSONObject = [
            "@context": "https://www.w3.org/ns/credentials/v2", "id": "data:application/vc+jwt,garbage", "type": "EnvelopedVerifiableCredential",
        ]
        let presentation = try await present([good.enveloped, mismatched.enveloped, garbage])
        let parts = await verifier().verifyInParts(presentation)
        #expect(parts.presentation.verified, "\(parts.presentation.failures)")
        #expect(parts.credentials.map(\.verified) == [true, false, false])
        #expect(parts.credentials[1].failureCodes == ["issuer_key_mismatch"])
        #expect(parts.credentials[2].failureCodes == ["jose_malformed"])
        #expect(parts.credentials[2].failures.first?.path == "/verifiableCredential/2/id")
        #expect(parts.combined.failureCodes == ["issuer_key_mismatch", "jose_malformed"])
    }

    /// A presentation enveloped by the holder for a verifier: `nonce` and `aud` carry the challenge
    /// and the domain, `iat` the time it was made.
    func envelop(
        _ entries: [JSONObject], as mediaType: EnvelopeMediaType, challenge: String = "c-1", domain: String? = "https://verifier.example",
        holderKey: SoftwareSigner? = nil, extra: JSONObject = [:]
    ) async throws -> Envelope {
        var unsecured = Presentation.unsecured(holder: holder.did, credentials: entries.map(Credential.init))
        for (key, value) in extra { unsecured[key] = value }
        let signer = holderKey ?? holder.signer
        let method = DIDKey.did(for: signer.verificationKey) + "#" + signer.verificationKey.multikey
        return try await Envelope.present(
            unsecured, as: mediaType, challenge: challenge, domain: domain, issuedAt: XSDDateTime.parse("2025-07-01T10:00:00Z")!,
            verificationMethod: method, signer: signer)
    }

    @Test func presentationsEnvelopedAsJWSOrCOSEVerifyWithTheirCredentials() async throws {
        let embedded = TestIssuer()
        let signed = try await embedded.issue(embedded.credential(id: "urn:uuid:vc-di"))
        let issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p384))
        let enveloped = try await issuer.envelop(EnvelopeTests.credential(), as: .vcCOSE)
        for mediaType in [EnvelopeMediaType.vpJWT, .vpCOSE] {
            let envelope = try await envelop([signed.json, enveloped.enveloped], as: mediaType)
            #expect(envelope.document["nonce"] == "c-1" && envelope.document["aud"] == "https://verifier.example")
            let parts = await verifier().verifyInParts(Presentation(envelope.document), envelope: envelope)
            #expect(parts.combined.verified, "\(mediaType): \(parts.combined.failures)")
            #expect(parts.credentials.map(\.verified) == [true, true])
            // The same through the EnvelopedVerifiablePresentation a VC API client sends.
            let whole = await verifier().verify(presentationDocument: .object(envelope.enveloped))
            #expect(whole.verified, "\(mediaType): \(whole.failures)")
            #expect(await verifier().verify(envelope).verified)
        }
    }

    @Test func anEnvelopedPresentationIsHeldToItsChallengeDomainHolderAndTimes() async throws {
        let embedded = TestIssuer()
        let signed = try await embedded.issue(embedded.credential(id: "urn:uuid:vc-di"))
        func codes(_ envelope: Envelope) async -> [String] {
            await verifier().verifyInParts(Presentation(envelope.document), envelope: envelope).combined.failureCodes
        }
        for mediaType in [EnvelopeMediaType.vpJWT, .vpCOSE] {
            #expect(await codes(try await envelop([signed.json], as: mediaType, challenge: "replayed")) == ["INVALID_CHALLENGE_ERROR"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, domain: "https://other.example")) == ["INVALID_DOMAIN_ERROR"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, domain: nil)) == ["INVALID_DOMAIN_ERROR"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, holderKey: SoftwareSigner.generate(.ed25519))) == ["holder_key_mismatch"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, extra: ["exp": 1_751_363_000])) == ["envelope_expired"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, extra: ["nbf": 1_751_400_000])) == ["envelope_not_yet_valid"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, extra: ["exp": "tomorrow"])) == ["envelope_claim_invalid"])
            #expect(await codes(try await envelop([signed.json], as: mediaType, extra: ["aud": ["https://verifier.example", "https://b.example"]])) == [])
        }
        // A presentation envelope carries no credential's proof, and a credential's is no presentation's.
        let credentialEnvelope = try await CredentialIssuer(didKeySigner: holder.signer).envelop(EnvelopeTests.credential(), as: .vcJWT)
        var mislabelled = credentialEnvelope.enveloped
        mislabelled["type"] = "EnvelopedVerifiablePresentation"
        #expect(await verifier().verify(presentationDocument: .object(mislabelled)).failureCodes == ["envelope_unsupported_media_type"])
        await #expect(throws: CredentialError.self) {
            try await Envelope.present(
                Presentation.unsecured(holder: holder.did, credentials: []), as: .vcJWT, challenge: "c", domain: nil, issuedAt: Date(),
                verificationMethod: holder.method, signer: holder.signer)
        }
    }

    @Test func anEnvelopedCredentialIsHeldToTheSignaturesTimeClaims() async throws {
        let issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p256))
        var expired = EnvelopeTests.credential()
        expired["exp"] = 1_751_363_000  // 2025-07-01T09:43:20Z, before the verifier's clock
        var current = EnvelopeTests.credential()
        current["exp"] = 1_751_450_000
        current["iat"] = 1_751_360_000
        let verifier = Verifier.standard(resolver: resolver, now: at("2025-07-01T10:00:05Z"))
        #expect(await verifier.verify(try await issuer.envelop(expired, as: .vcJWT)).failureCodes == ["envelope_expired"])
        #expect(await verifier.verify(try await issuer.envelop(current, as: .vcCOSE)).verified)
    }
}
