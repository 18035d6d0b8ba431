import Encoding
import Foundation
import HTTPTestSupport
import Identity
import Testing

@testable import Credentials

/// Trust framework references dereferenced over HTTP (REQ-F10): registries published on a real server
/// on 127.0.0.1, followed only for frameworks the verifier has a trust anchor for.
@Suite("Issuer registries over HTTP")
struct RegistryResolverTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let framework = "https://trust.example/eu-battery-passport"
    static let fetcher = HTTPIssuerRegistryFetcher(
        transport: HTTPStatusListFetcher(configuration: .init(timeout: .seconds(15), allowLoopbackHTTP: true)))

    let authority = TestIssuer()
    let cells = TestIssuer()
    let stranger = TestIssuer()
    let clock = TestClock(XSDDateTime.parse("2025-06-02T00:00:00Z")!)

    func publishRegistry(on server: StatusListTestServer, at path: String, signedBy signer: TestIssuer? = nil, framework: String = framework)
        async throws
    {
        let signer = signer ?? authority
        let registry = IssuerRegistry(
            id: server.url(path), trustFramework: framework, authority: signer.did,
            issuers: [IssuerRegistry.Authorization(issuer: cells.did, credentialTypes: ["BatteryPassportCredential"])])
        await server.documents.publish(
            try await registry.signed(signer: signer.signer, verificationMethod: signer.method, now: clock.now), at: path)
    }

    func credential(by issuer: TestIssuer, registry: String?, framework: String = framework) async throws -> Credential {
        try await issuer.issue(
            issuer.credential(extra: [
                "@context": [
                    "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2", .object(IssuerRegistry.context),
                ],
                "type": ["VerifiableCredential", "BatteryPassportCredential"],
                "termsOfUse": [.object(TrustFrameworkReference(trustFramework: framework, issuerRegistry: registry).json)],
            ]))
    }

    func verify(_ credential: Credential, anchors: [String: String], required: [String] = []) async -> VerificationResult {
        let clock = self.clock
        let registries = IssuerRegistryResolver(trustAnchors: anchors, fetcher: Self.fetcher, resolver: Self.resolver, now: { clock.now })
        return await verify(credential, IssuerAuthorityPolicy(requiredTrustFrameworks: required, resolver: registries))
    }

    func verify(_ credential: Credential, _ policy: IssuerAuthorityPolicy) async -> VerificationResult {
        let clock = self.clock
        return await Verifier(credentialPolicies: [DataModelPolicy(), ProofPolicy(resolver: Self.resolver), policy], now: { clock.now })
            .verify(credential)
    }

    @Test func referencedRegistriesAreFetchedAndApplied() async throws {
        try await StatusListTestServer.run { server in
            try await publishRegistry(on: server, at: "/registry.json")
            let anchors = [Self.framework: authority.did]
            let authorized = await verify(try await credential(by: cells, registry: server.url("/registry.json")), anchors: anchors)
            #expect(authorized.verified, "\(authorized.failures)")
            #expect(authorized.warnings.isEmpty)
            let refused = await verify(try await credential(by: stranger, registry: server.url("/registry.json")), anchors: anchors)
            #expect(refused.failureCodes == ["issuer_not_authorized"])
        }
    }

    @Test func registriesAreCachedForTheirMaximumAge() async throws {
        try await StatusListTestServer.run { server in
            try await publishRegistry(on: server, at: "/cached.json")
            let registries = IssuerRegistryResolver(
                trustAnchors: [Self.framework: authority.did], fetcher: Self.fetcher, resolver: Self.resolver, maximumAge: .seconds(3600),
                now: { clock.now })
            let policy = IssuerAuthorityPolicy(resolver: registries)
            let credential = try await credential(by: cells, registry: server.url("/cached.json"))
            #expect(await verify(credential, policy).verified)
            #expect(await verify(credential, policy).verified)
            #expect(await server.documents.requests("/cached.json") == 1)
            clock.advance(seconds: 3601)
            #expect(await verify(credential, policy).verified)
            #expect(await server.documents.requests("/cached.json") == 2)
        }
    }

    @Test func trustedButUnobtainableRegistriesFailClosed() async throws {
        try await StatusListTestServer.run { server in
            try await publishRegistry(on: server, at: "/forged.json", signedBy: stranger)
            try await publishRegistry(on: server, at: "/other.json", framework: "https://trust.example/other")
            let anchors = [Self.framework: authority.did]
            for path in ["/missing.json", "/error/registry.json", "/forged.json", "/other.json"] {
                let result = await verify(try await credential(by: cells, registry: server.url(path)), anchors: anchors)
                #expect(result.failureCodes == ["issuer_registry_unavailable"], "\(path): \(result.failures)")
            }
            let required = await verify(try await credential(by: cells, registry: server.url("/missing.json")), anchors: anchors, required: [Self.framework])
            #expect(required.failureCodes == ["issuer_registry_unavailable"])
        }
    }

    @Test func frameworksWithoutATrustAnchorAreNotFollowed() async throws {
        try await StatusListTestServer.run { server in
            try await publishRegistry(on: server, at: "/self-made.json", signedBy: stranger, framework: "https://trust.example/self-made")
            let credential = try await credential(by: stranger, registry: server.url("/self-made.json"), framework: "https://trust.example/self-made")
            let result = await verify(credential, anchors: [Self.framework: authority.did])
            #expect(result.verified)
            #expect(result.warningCodes == ["issuer_authority_unconfirmed"])
            #expect(await server.documents.requests("/self-made.json") == 0, "a registry the credential brings is not fetched")
        }
    }
}
