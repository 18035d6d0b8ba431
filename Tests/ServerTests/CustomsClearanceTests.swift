import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Testing

/// UC-03, automated customs clearance: the exporter issues an origin credential whose statements a
/// holder can disclose one by one (ecdsa-sd-2023); the freight forwarder derives one revealing only
/// the tariff code, the origin and the declared value, presents it to the customs authority's
/// `/presentations/verify`, and the authority sees nothing of the supplier or the price.
@Suite("Customs clearance (UC-03) over /presentations/verify")
struct CustomsClearanceTests {
    static let confidential = ["Nordic Cell Components AB", "EUR 3120.40", "contract 2025-0042"]

    static func originCredential(exporter: String, product: String) -> JSONObject {
        [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://voltpass.dev/ns/battery/v1"],
            "id": "urn:uuid:0e3f6a2e-4c1b-4c55-9d7e-1f0f8a3b2c10",
            "type": ["VerifiableCredential", "CertificateOfOriginCredential"],
            "issuer": .string(exporter), "validFrom": "2025-06-01T00:00:00Z",
            "credentialSubject": [
                "id": .string(product), "tariffCode": "8507.60", "origin": "SE", "declaredValue": "EUR 4350.00",
                "supplier": .string(confidential[0]), "unitPrice": .string(confidential[1]), "purchaseContract": .string(confidential[2]),
            ],
        ]
    }

    @Test func aForwarderRevealsOnlyTariffOriginAndValue() async throws {
        try await withLiveServer { client, _, _ in
            let exporter = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p256))
            let product = "https://id.gs1.org/01/04012345000009/21/PK-7"
            let base = try await exporter.issueSelective(
                Self.originCredential(exporter: exporter.did, product: product),
                mandatoryPointers: ["/issuer", "/validFrom", "/credentialSubject/id"])
            let derived = try DataIntegrity.deriveSelective(
                base.json,
                selectivePointers: ["/credentialSubject/tariffCode", "/credentialSubject/origin", "/credentialSubject/declaredValue"])

            let forwarder = SoftwareSigner.generate(.ed25519)
            let forwarderDID = DIDKey.did(for: forwarder.verificationKey)
            let challenge = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let presentation = try await DataIntegrity.sign(
                Presentation.unsecured(holder: forwarderDID, credentials: [Credential(derived)]),
                options: ProofOptions(
                    cryptosuite: .eddsaJcs2022, verificationMethod: forwarderDID + "#" + forwarder.verificationKey.multikey,
                    proofPurpose: .authentication, created: Date(), domain: ["https://customs.example"], challenge: challenge),
                signer: forwarder)
            let body: JSONValue = [
                "verifiablePresentation": .object(presentation),
                "options": ["challenge": .string(challenge), "domain": "https://customs.example", "returnPresentation": true],
            ]
            let sent = body.serializedString()
            for secret in Self.confidential { #expect(!sent.contains(secret), "\(secret) reached the customs authority") }
            let response = try await client.execute(
                uri: "/presentations/verify", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: sent))
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["verified"] as? Bool == true, "\(String(buffer: response.body))")
            let subject = derived["credentialSubject"]?.objectValue
            #expect(Set(subject?.keys ?? []) == ["id", "tariffCode", "origin", "declaredValue"])

            // A value changed on the way is caught.
            var forgedSubject = derived["credentialSubject"]?.objectValue ?? [:]
            forgedSubject["declaredValue"] = "EUR 435.00"
            var forged = derived
            forged["credentialSubject"] = .object(forgedSubject)
            let nextChallenge = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let forgedPresentation = try await DataIntegrity.sign(
                Presentation.unsecured(holder: forwarderDID, credentials: [Credential(forged)]),
                options: ProofOptions(
                    cryptosuite: .eddsaJcs2022, verificationMethod: forwarderDID + "#" + forwarder.verificationKey.multikey,
                    proofPurpose: .authentication, created: Date(), challenge: nextChallenge),
                signer: forwarder)
            let refused: JSONValue = ["verifiablePresentation": .object(forgedPresentation), "options": ["challenge": .string(nextChallenge)]]
            let answer = try await client.execute(
                uri: "/presentations/verify", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: refused.serialized()))
            let refusedJSON = try answer.json
            #expect(refusedJSON["verified"] as? Bool == false)
            let credentials = (refusedJSON["results"] as? [String: Any])?["credentials"] as? [[String: Any]] ?? []
            let errors = (credentials.first?["problemDetails"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
            #expect(errors.compactMap { $0["code"] as? String } == ["PROOF_VERIFICATION_ERROR"])
        }
    }
}
