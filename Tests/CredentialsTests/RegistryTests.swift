import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// Issuer registries and the issuer-authority policy (REQ-F07, REQ-F10).
@Suite("Issuer registries")
struct RegistryTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let now = at("2025-06-02T00:00:00Z")
    static let framework = "https://trust.example/eu-battery-passport"

    let authority = TestIssuer()
    let cells = TestIssuer()
    let stranger = TestIssuer()

    func registry(_ issuers: [IssuerRegistry.Authorization]? = nil) -> IssuerRegistry {
        IssuerRegistry(
            id: "https://registry.example/eu-battery", trustFramework: Self.framework, authority: authority.did,
            issuers: issuers ?? [
                IssuerRegistry.Authorization(
                    issuer: cells.did, name: "Cells Inc", credentialTypes: ["BatteryPassportCredential", "EPCISEventCredential"],
                    bizSteps: ["urn:epcglobal:cbv:bizstep:commissioning", "shipping"])
            ],
            validFrom: XSDDateTime.parse("2025-01-01T00:00:00Z"))
    }

    func signedRegistry(_ registry: IssuerRegistry) async throws -> JSONObject {
        try await registry.signed(signer: authority.signer, verificationMethod: authority.method, now: Self.now())
    }

    func credential(
        by issuer: TestIssuer, type: String = "BatteryPassportCredential", bizStep: String? = nil,
        termsOfUse: [TrustFrameworkReference] = []
    ) async throws -> Credential {
        var subject: JSONObject = ["id": "did:example:cell-1", "capacityAh": 52.3]
        if let bizStep { subject["event"] = ["type": "ObjectEvent", "bizStep": .string(bizStep)] }
        var extra: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", .string(type)], "credentialSubject": .object(subject),
        ]
        if !termsOfUse.isEmpty {
            extra["@context"] = [
                "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2", .object(IssuerRegistry.context),
            ]
            extra["termsOfUse"] = .array(termsOfUse.map { .object($0.json) })
        }
        return try await issuer.issue(issuer.credential(extra: extra))
    }

    func verify(_ credential: Credential, _ policy: IssuerAuthorityPolicy) async -> VerificationResult {
        await Verifier(credentialPolicies: [DataModelPolicy(), ProofPolicy(resolver: Self.resolver), policy], now: Self.now)
            .verify(credential)
    }

    @Test func registryDocumentsRoundTripAndVerify() async throws {
        let registry = registry()
        let signed = try await signedRegistry(registry)
        #expect(signed["type"] == ["VerifiableCredential", "VoltpassIssuerRegistryCredential"])
        #expect(signed["credentialSubject"]?["issuers"]?[0]?["bizSteps"] == ["commissioning", "shipping"])
        #expect(try IssuerRegistry(document: registry.document) == registry)
        let verified = try await IssuerRegistry.verified(signed, authority: authority.did, resolver: Self.resolver, now: Self.now)
        #expect(verified == registry)
    }

    @Test func registriesMustVerifyAndComeFromTheAuthority() async throws {
        let signed = try await signedRegistry(registry())
        var tampered = signed
        var subject = tampered["credentialSubject"]!.objectValue!
        subject["issuers"] = .array([["id": .string(stranger.did)]])
        tampered["credentialSubject"] = .object(subject)
        let invalid = await #expect(throws: IssuerRegistryError.self) {
            try await IssuerRegistry.verified(tampered, authority: authority.did, resolver: Self.resolver, now: Self.now)
        }
        #expect(invalid?.code == "registry_invalid")
        let untrusted = await #expect(throws: IssuerRegistryError.self) {
            try await IssuerRegistry.verified(signed, authority: stranger.did, resolver: Self.resolver, now: Self.now)
        }
        #expect(untrusted?.code == "registry_untrusted")
        let selfMade = try await registry().signed(signer: stranger.signer, verificationMethod: stranger.method, now: Self.now())
        let forged = await #expect(throws: IssuerRegistryError.self) {
            try await IssuerRegistry.verified(selfMade, authority: authority.did, resolver: Self.resolver, now: Self.now)
        }
        #expect(forged?.code == "registry_invalid", "signed with a key that is not the named authority's")
        for (name, edit) in [
            ("type", { (document: inout JSONObject) in document["type"] = ["VerifiableCredential"] }),
            ("framework", { document in document["credentialSubject"] = ["issuers": []] }),
            ("issuer not a DID", { document in
                document["credentialSubject"] = ["trustFramework": "x:y", "issuers": [["id": "https://cells.example"]]]
            }),
            ("bizSteps", { document in
                document["credentialSubject"] = ["trustFramework": "x:y", "issuers": [["id": "did:example:1", "bizSteps": "shipping"]]]
            }),
        ] as [(String, (inout JSONObject) -> Void)] {
            var document = registry().document
            edit(&document)
            let error = #expect(throws: IssuerRegistryError.self, "\(name)") { try IssuerRegistry(document: document) }
            #expect(error?.code == "registry_invalid", "\(name)")
        }
    }

    @Test func requiredRegistryAuthorizesListedIssuers() async throws {
        let policy = IssuerAuthorityPolicy(registries: [registry()], requiredTrustFrameworks: [Self.framework])
        let listed = await verify(try await credential(by: cells, bizStep: "urn:epcglobal:cbv:bizstep:commissioning"), policy)
        #expect(listed.verified, "\(listed.failures)")
        #expect(listed.warnings.isEmpty)
        #expect(listed.checks.contains("issuer_authority"))

        let unlisted = await verify(try await credential(by: stranger), policy)
        #expect(unlisted.failureCodes == ["issuer_not_authorized"])
        #expect(unlisted.failures.first?.path == "/issuer")

        let wrongType = await verify(try await credential(by: cells, type: "OwnershipCredential"), policy)
        #expect(wrongType.failureCodes == ["issuer_not_authorized"])
        let wrongStep = await verify(try await credential(by: cells, type: "EPCISEventCredential", bizStep: "destroying"), policy)
        #expect(wrongStep.failureCodes == ["issuer_not_authorized"])
        let gs1Step = await verify(
            try await credential(by: cells, type: "EPCISEventCredential", bizStep: "https://ref.gs1.org/cbv/BizStep-shipping"), policy)
        #expect(gs1Step.verified, "the GS1 web URI form of a listed step")
    }

    @Test func notAuthorizedIsDistinctFromABadSignature() async throws {
        let policy = IssuerAuthorityPolicy(registries: [registry()], requiredTrustFrameworks: [Self.framework])
        var tampered = try await credential(by: cells).json
        tampered["credentialSubject"] = ["id": "did:example:cell-2"]
        let badSignature = await verify(Credential(tampered), policy)
        #expect(!badSignature.verified)
        #expect(!badSignature.failureCodes.contains("issuer_not_authorized"))
        let unauthorized = await verify(try await credential(by: stranger), policy)
        #expect(unauthorized.failureCodes == ["issuer_not_authorized"])
        #expect(Set(badSignature.failureCodes).isDisjoint(with: unauthorized.failureCodes))
    }

    @Test func withoutARegistryTheIssuerIsUnconfirmed() async throws {
        let result = await verify(try await credential(by: stranger), IssuerAuthorityPolicy())
        #expect(result.verified)
        #expect(result.warningCodes == ["issuer_authority_unconfirmed"])
    }

    @Test func trustFrameworkReferencesSelectTheRegistry() async throws {
        let held = IssuerAuthorityPolicy(registries: [registry()])
        let reference = TrustFrameworkReference(trustFramework: Self.framework, issuerRegistry: "https://registry.example/eu-battery")
        let authorized = await verify(try await credential(by: cells, termsOfUse: [reference]), held)
        #expect(authorized.verified)
        #expect(authorized.warnings.isEmpty)
        let refused = await verify(try await credential(by: stranger, termsOfUse: [reference]), held)
        #expect(refused.failureCodes == ["issuer_not_authorized"], "the registry the credential names does not list its issuer")

        let unknown = TrustFrameworkReference(trustFramework: "https://trust.example/other")
        let unconfirmed = await verify(try await credential(by: stranger, termsOfUse: [unknown]), held)
        #expect(unconfirmed.verified)
        #expect(unconfirmed.warningCodes == ["issuer_authority_unconfirmed"])
        #expect(unconfirmed.warnings.first?.path == "/termsOfUse/0")
    }

    @Test func aRequiredRegistryTheVerifierLacksFailsClosed() async throws {
        let policy = IssuerAuthorityPolicy(registries: [], requiredTrustFrameworks: [Self.framework])
        let result = await verify(try await credential(by: cells), policy)
        #expect(result.failureCodes == ["issuer_registry_unavailable"])
    }

    @Test func authorizationsHaveValidityPeriods() async throws {
        let expired = registry([
            IssuerRegistry.Authorization(issuer: cells.did, validUntil: XSDDateTime.parse("2025-06-01T00:00:00Z"))
        ])
        let policy = IssuerAuthorityPolicy(registries: [expired], requiredTrustFrameworks: [Self.framework])
        #expect(await verify(try await credential(by: cells), policy).failureCodes == ["issuer_not_authorized"])
        let open = registry([IssuerRegistry.Authorization(issuer: cells.did)])
        let any = IssuerAuthorityPolicy(registries: [open], requiredTrustFrameworks: [Self.framework])
        #expect(await verify(try await credential(by: cells, type: "AnythingCredential", bizStep: "repairing"), any).verified)
    }
}
