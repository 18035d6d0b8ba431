import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// REQ-NF05: a credential signed before a key rotation still verifies with the retired key from
/// the DID document's history; one signed with the retired key after the rotation does not.
@Suite struct CredentialKeyRotationTests {
    let did = "did:web:maker.example"
    let oldKey = SoftwareSigner.generate(.ed25519)
    let newKey = SoftwareSigner.generate(.ed25519)

    func resolver() throws -> FixedDIDResolver {
        let rotation = XSDDateTime.parse("2025-03-01T00:00:00Z")!
        let records = [
            KeyRecord(
                id: did + "#key-1", controller: did, algorithm: .ed25519, publicKeyMultibase: oldKey.verificationKey.multikey,
                validFrom: XSDDateTime.parse("2024-01-01T00:00:00Z")!, validUntil: rotation),
            KeyRecord(
                id: did + "#key-2", controller: did, algorithm: .ed25519, publicKeyMultibase: newKey.verificationKey.multikey,
                validFrom: rotation),
        ]
        return FixedDIDResolver(documents: [did: try DIDWeb.document(did: did, keys: records)])
    }

    func issue(with signer: SoftwareSigner, method: String, created: String) async throws -> Credential {
        let document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": .string("urn:uuid:\(method.suffix(1))-\(created)"),
            "type": ["VerifiableCredential"],
            "issuer": .string(did),
            "credentialSubject": ["id": "did:example:pack-7", "ratedCapacityKWh": 75],
        ]
        return Credential(
            try await DataIntegrity.sign(
                document,
                options: ProofOptions(cryptosuite: .eddsaJcs2022, verificationMethod: method, created: XSDDateTime.parse(created)),
                signer: signer))
    }

    @Test func retiredKeyStillVerifiesWhatItSignedWhileValid() async throws {
        let verifier = Verifier.standard(resolver: try resolver(), now: at("2031-01-01T00:00:00Z"))
        let before = try await issue(with: oldKey, method: did + "#key-1", created: "2025-02-01T09:30:00Z")
        let result = await verifier.verify(before)
        #expect(result.verified, "\(result.failures)")
    }

    @Test func retiredKeyCannotSignAfterTheRotation() async throws {
        let verifier = Verifier.standard(resolver: try resolver(), now: at("2031-01-01T00:00:00Z"))
        let after = try await issue(with: oldKey, method: did + "#key-1", created: "2025-03-02T09:30:00Z")
        let result = await verifier.verify(after)
        #expect(result.failureCodes == ["INVALID_VERIFICATION_METHOD"])
        #expect(result.failures.first?.path == "/proof/verificationMethod")
    }

    @Test func newKeyVerifiesAfterButNotBeforeTheRotation() async throws {
        let verifier = Verifier.standard(resolver: try resolver(), now: at("2031-01-01T00:00:00Z"))
        let current = try await issue(with: newKey, method: did + "#key-2", created: "2025-03-02T09:30:00Z")
        #expect(await verifier.verify(current).verified)
        let backdated = try await issue(with: newKey, method: did + "#key-2", created: "2025-02-01T09:30:00Z")
        #expect(await verifier.verify(backdated).failureCodes == ["INVALID_VERIFICATION_METHOD"])
    }

    @Test func keyOfTheWrongDocumentEntryFails() async throws {
        // Signed by the new key but claiming the old method: the signature does not verify.
        let verifier = Verifier.standard(resolver: try resolver(), now: at("2031-01-01T00:00:00Z"))
        let mislabeled = try await issue(with: newKey, method: did + "#key-1", created: "2025-02-01T09:30:00Z")
        #expect(await verifier.verify(mislabeled).failureCodes == ["PROOF_VERIFICATION_ERROR"])
    }
}

extension CredentialKeyRotationTests {
    /// Retired keys stay for assertions only: they cannot authenticate a presentation.
    @Test func retiredKeysDoNotAuthenticate() async throws {
        let presentation = try await DataIntegrity.sign(
            Presentation.unsecured(holder: did, credentials: []),
            options: ProofOptions(
                cryptosuite: .eddsaJcs2022, verificationMethod: did + "#key-1", proofPurpose: .authentication,
                created: XSDDateTime.parse("2025-02-01T00:00:00Z"), challenge: "c"),
            signer: oldKey)
        await expectError("MISMATCHED_PROOF_PURPOSE_ERROR", path: "/proof/verificationMethod") {
            _ = try await DataIntegrity.verify(
                presentation, resolver: try resolver(),
                expectation: ProofExpectation(proofPurpose: .authentication, challenge: "c", now: XSDDateTime.parse("2025-02-01T00:00:01Z")!))
        }
    }
}
