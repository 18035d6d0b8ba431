import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

@Suite struct VerifierTests {
    let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])

    @Test func issuedCredentialVerifies() async throws {
        let issuer = TestIssuer()
        let credential = try await issuer.issue(issuer.credential(id: "urn:uuid:1"))
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")).verify(credential)
        #expect(result.verified, "\(result.failures)")
        #expect(result.checks == ["data_model", "proof", "validity_period"])
        #expect(result.credentialIds == ["urn:uuid:1"])
        #expect(result.verifiedAt == "2025-07-01T00:00:00Z")
    }

    @Test func everyFailureIsNamedWithCredentialAndPath() async throws {
        let issuer = TestIssuer()
        var document = try await issuer.issue(issuer.credential(id: "urn:uuid:2", extra: ["validUntil": "2025-06-30T00:00:00Z"])).json
        document["credentialSubject"] = ["id": "did:example:cell-1", "capacityAh": 60]
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")).verify(Credential(document))
        #expect(!result.verified)
        #expect(result.failureCodes == ["PROOF_VERIFICATION_ERROR", "expired"])
        #expect(result.failures.map(\.credentialId) == ["urn:uuid:2", "urn:uuid:2"])
        #expect(result.failures.map(\.path) == ["/proof/proofValue", "/validUntil"])
    }

    @Test func unknownExtensionTermsDoNotFailVerification() async throws {
        let issuer = TestIssuer()
        let document = issuer.credential(extra: [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://vocab.battery.example/passport/v1"],
            "type": ["VerifiableCredential", "BatteryPassportCredential"],
            "carbonFootprint": ["kgCO2ePerKWh": 61.2, "methodology": ["name": "PEFCR", "x-unknown": [1, 2, 3]]],
        ])
        let credential = try await issuer.issue(document)
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")).verify(credential)
        #expect(result.verified, "\(result.failures)")
    }

    @Test func aCredentialSignedByAnotherKeyThanTheIssuersFails() async throws {
        let issuer = TestIssuer()
        let impostor = TestIssuer()
        let credential = try await impostor.issue(issuer.credential())
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")).verify(credential)
        #expect(result.failureCodes == ["issuer_key_mismatch"])
    }

    @Test func issuerMustBeADIDAndTheCredentialMustBeSigned() async throws {
        var document = TestIssuer().credential()
        document["issuer"] = "https://maker.example/issuer"
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")).verify(Credential(document))
        #expect(result.failureCodes == ["issuer_not_did", "PROOF_VERIFICATION_ERROR"])
        #expect(result.failures.map(\.path) == ["/issuer", "/proof"])
    }

    @Test func notYetValid() async throws {
        let issuer = TestIssuer()
        let credential = try await issuer.issue(issuer.credential())
        let result = await Verifier.standard(resolver: resolver, now: at("2024-12-31T23:59:59Z")).verify(credential)
        #expect(result.failureCodes == ["not_yet_valid"])
    }

    @Test func documentsThatAreNotObjectsFail() async {
        let result = await Verifier.standard(resolver: resolver).verify(document: .array([]))
        #expect(result.failureCodes == ["malformed_credential"])
    }

    @Test func aSetVerifiesWhenEveryCredentialDoes() async throws {
        let issuer = TestIssuer()
        var credentials: [Credential] = []
        for index in 0..<20 { credentials.append(try await issuer.issue(issuer.credential(id: "urn:uuid:set-\(index)"))) }
        let verifier = Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z"))
        let good = await verifier.verify(credentials)
        #expect(good.verified)
        #expect(good.credentialIds == (0..<20).map { "urn:uuid:set-\($0)" })

        var forged = credentials[13].json
        forged["validFrom"] = "2020-01-01T00:00:00Z"
        credentials[13] = Credential(forged)
        let bad = await verifier.verify(credentials)
        #expect(!bad.verified)
        #expect(bad.failures.map(\.credentialId) == ["urn:uuid:set-13"])
    }

    @Test func resultsSerializeForTheAuditTrail() async throws {
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z"))
            .verify(Credential(TestIssuer().credential(id: "urn:uuid:audit")))
        let json = result.json
        #expect(json["verified"] == false)
        #expect(json["failures"]?[0]?["code"] == "PROOF_VERIFICATION_ERROR")
        #expect(json["failures"]?[0]?["credentialId"] == "urn:uuid:audit")
        let decoded = try JSONDecoder().decode(VerificationResult.self, from: JSONEncoder().encode(result))
        #expect(decoded == result)
    }

    /// Policies compose: a warning-only policy (as the issuer-authority policy is when no registry
    /// is required) keeps the result verified and shows up in `warnings`.
    @Test func warningsDoNotFailVerification() async throws {
        struct Unconfirmed: CredentialPolicy {
            var name: String { "issuer_authority" }
            func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
                .warning("issuer_authority_unconfirmed", "no issuer registry is required here", path: "/issuer")
            }
        }
        let issuer = TestIssuer()
        var verifier = Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z"))
        verifier.credentialPolicies.append(Unconfirmed())
        let result = await verifier.verify(try await issuer.issue(issuer.credential(id: "urn:uuid:w")))
        #expect(result.verified)
        #expect(result.warningCodes == ["issuer_authority_unconfirmed"])
        #expect(result.warnings.first?.credentialId == "urn:uuid:w")
    }
}

extension VerifierTests {
    /// A DID document cannot vouch for another DID's credentials by naming it as `controller`.
    @Test func aClaimedControllerDoesNotMakeAKeyTheIssuers() async throws {
        let evil = "did:web:evil.example"
        let key = SoftwareSigner.generate(.ed25519)
        let document = try DIDDocument(
            .object([
                "@context": ["https://www.w3.org/ns/did/v1.1"],
                "id": .string(evil),
                "verificationMethod": [
                    [
                        "id": .string(evil + "#k"), "type": "Multikey", "controller": "did:web:maker.example",
                        "publicKeyMultibase": .string(key.verificationKey.multikey),
                    ]
                ],
                "assertionMethod": [.string(evil + "#k")],
            ]))
        var unsigned = TestIssuer().credential()
        unsigned["issuer"] = "did:web:maker.example"
        let credential = Credential(
            try await DataIntegrity.sign(
                unsigned,
                options: ProofOptions(
                    cryptosuite: .eddsaJcs2022, verificationMethod: evil + "#k", created: XSDDateTime.parse("2025-06-01T00:00:00Z")),
                signer: key))
        let resolver = FixedDIDResolver(documents: [evil: document])
        let result = await Verifier.standard(resolver: resolver, now: at("2025-07-01T00:00:00Z")).verify(credential)
        #expect(result.failureCodes == ["issuer_key_mismatch"])
    }
}
