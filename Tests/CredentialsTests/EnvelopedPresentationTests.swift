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
}
