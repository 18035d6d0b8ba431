import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

@Suite struct CredentialIssuerTests {
    let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])

    func input(_ extra: JSONObject = [:]) -> JSONObject {
        var document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": ["id": "did:example:module-4", "cellCount": 16],
        ]
        for (key, value) in extra { document[key] = value }
        return document
    }

    @Test(arguments: [KeyAlgorithm.ed25519, .p256])
    func issuesWithTheClockAndFillsTheIssuer(_ algorithm: KeyAlgorithm) async throws {
        let issuer = try CredentialIssuer(didKeySigner: .generate(algorithm), now: at("2025-05-05T05:05:05Z"))
        let credential = try await issuer.issue(input())
        #expect(credential.issuerID == issuer.did)
        #expect(credential.proofs.first?["created"] == "2025-05-05T05:05:05Z")
        #expect(credential.proofs.first?["cryptosuite"] == .string(algorithm == .ed25519 ? "eddsa-jcs-2022" : "ecdsa-jcs-2019"))
        let result = await Verifier.standard(resolver: resolver, now: at("2025-06-01T00:00:00Z")).verify(credential)
        #expect(result.verified, "\(result.failures)")
    }

    @Test func issuerObjectsGetTheirId() async throws {
        let issuer = try CredentialIssuer(didKeySigner: .generate(.ed25519))
        let credential = try await issuer.issue(input(["issuer": ["name": "Cell Maker"]]))
        #expect(credential.json["issuer"] == ["name": "Cell Maker", "id": .string(issuer.did)])
    }

    @Test func refusesBadInputWithItsCode() async throws {
        let issuer = try CredentialIssuer(didKeySigner: .generate(.ed25519))
        await expectError("invalid_subject", path: "/credentialSubject") {
            _ = try await issuer.issue(input(["credentialSubject": [:]]))
        }
        await expectError("issuer_key_mismatch", path: "/issuer") {
            _ = try await issuer.issue(input(["issuer": "did:example:someone-else"]))
        }
        await expectError("missing_context", path: "/@context") {
            _ = try await issuer.issue(input().removing("@context"))
        }
    }

    @Test func refusesAKeyThatDoesNotFitTheSuite() {
        #expect(throws: CredentialError.self) {
            _ = try CredentialIssuer(didKeySigner: .generate(.p256), cryptosuite: .eddsaJcs2022)
        }
    }
}
