import Credentials
import Encoding
import Foundation
import HTTPTestSupport
import Identity
import Testing

@testable import EPCIS

/// Chain integrity (REQ-F09) over A → B → C: a commissioning, a shipping and a receiving event,
/// each a signed VSC credential linking to the one before; status lists served over loopback HTTP.
@Suite("EPCIS event chains")
struct EventChainTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let fetcher = HTTPStatusListFetcher(configuration: .init(timeout: .seconds(15), allowLoopbackHTTP: true))

    struct Chain {
        var a: Credential
        var b: Credential
        var c: Credential
        let server: StatusListTestServer
        let issuer: CredentialIssuer

        /// Verifies C (or `credential`) with the chain policy, finding predecessors among `known`.
        func verify(_ credential: Credential? = nil, known: [Credential]) async -> VerificationResult {
            await verify(credential, in: CredentialSet(known))
        }

        func verify(_ credential: Credential? = nil, in fetcher: any CredentialFetcher) async -> VerificationResult {
            let cache = StatusListCache(fetcher: EventChainTests.fetcher, resolver: EventChainTests.resolver)
            let chain = EventChainPolicy(
                fetcher: fetcher, proof: ProofPolicy(resolver: EventChainTests.resolver),
                status: StatusPolicy(cache: cache))
            let verifier = Verifier(credentialPolicies: [ProofPolicy(resolver: EventChainTests.resolver), chain])
            return await verifier.verify(credential ?? c)
        }

        /// Publishes the revocation list with `indices` set.
        func revoke(_ indices: [Int]) async throws {
            var bitstring = StatusListBitstring(entryCount: 131_072)
            for index in indices { try bitstring.setStatus(1, at: index) }
            let list = StatusListCredential(
                id: server.url("/lists/1"), issuer: issuer.did, purposes: [.revocation], bitstring: bitstring,
                validFrom: Date(timeIntervalSinceNow: -60))
            await server.documents.publish(try await issuer.issue(list.document).json, at: "/lists/1")
        }
    }

    static func event(_ bizStep: String, action: String = "OBSERVE") -> JSONObject {
        [
            "type": "ObjectEvent",
            "eventTime": "2026-03-01T10:00:00.000+01:00",
            "eventTimeZoneOffset": "+01:00",
            "epcList": ["urn:epc:id:sgtin:4012345.011111.P-0001"],
            "action": .string(action),
            "bizStep": .string(bizStep),
        ]
    }

    static func credential(
        _ bizStep: String, index: Int, links: [String], issuer: CredentialIssuer, server: StatusListTestServer
    ) async throws -> Credential {
        let status = StatusListEntry(
            id: "urn:uuid:\(UUID())", purpose: .revocation, index: index, listCredential: server.url("/lists/1"))
        let document = try EventCredentialMapping.credential(
            for: event(bizStep), documentContext: [], eventID: "urn:uuid:\(UUID())", issuer: issuer.did,
            id: "urn:uuid:\(UUID())", validFrom: Date(timeIntervalSinceNow: -60), predecessors: links,
            credentialStatus: .object(status.json))
        return try await issuer.issue(document)
    }

    static func withChain(_ body: @Sendable (Chain) async throws -> Void) async throws {
        try await StatusListTestServer.run { server in
            let issuer = try CredentialIssuer(didKeySigner: .generate(.ed25519))
            let a = try await credential("commissioning", index: 1, links: [], issuer: issuer, server: server)
            let b = try await credential("shipping", index: 2, links: [a.id!], issuer: issuer, server: server)
            let c = try await credential("receiving", index: 3, links: [b.id!], issuer: issuer, server: server)
            let chain = Chain(a: a, b: b, c: c, server: server, issuer: issuer)
            try await chain.revoke([])
            try await body(chain)
        }
    }

    @Test("a complete chain verifies, and the links are read from the subject")
    func validChain() async throws {
        try await Self.withChain { chain in
            #expect(EventChainPolicy.links(of: chain.c).links == [chain.b.id!])
            let result = await chain.verify(known: [chain.a, chain.b])
            #expect(result.verified, "\(result.failures)")
            #expect(result.checks.contains("chain"))
        }
    }

    @Test("a predecessor that cannot be retrieved is missing_predecessor, naming the credential that links to it")
    func missingPredecessor() async throws {
        try await Self.withChain { chain in
            let result = await chain.verify(known: [chain.b])
            #expect(result.failureCodes == ["missing_predecessor"])
            #expect(result.failures.first?.credentialId == chain.b.id)
        }
    }

    @Test("a corrupted link in B is broken_link naming B; so is a link resolving to an altered id")
    func brokenLink() async throws {
        try await Self.withChain { chain in
            let corruptedB = try await Self.signedWithLinks(["urn:uuid:5e0b-not-a-uuid"], like: chain.b, chain: chain)
            let c = try await Self.credential(
                "receiving", index: 4, links: [corruptedB.id!], issuer: chain.issuer, server: chain.server)
            let result = await chain.verify(c, known: [chain.a, corruptedB])
            #expect(result.failureCodes == ["broken_link"])
            #expect(result.failures.first?.credentialId == corruptedB.id)

            // A stored under its id, but its own id altered (and re-signed): B's link no longer resolves to it.
            var altered = chain.a.unsecured
            altered["id"] = .string("urn:uuid:\(UUID())")
            let alteredA = try await chain.issuer.issue(altered)
            let store = FiledCredentials(byKey: [chain.a.id!: alteredA, chain.b.id!: chain.b])
            let result2 = await chain.verify(in: store)
            #expect(result2.failureCodes == ["broken_link"])
            #expect(result2.failures.first?.credentialId == chain.b.id)
        }
    }

    @Test("a predecessor whose proof fails is predecessor_signature_invalid, naming it")
    func badSignature() async throws {
        try await Self.withChain { chain in
            var tampered = chain.a.json
            tampered["validFrom"] = .string(XSDDateTime.format(Date(timeIntervalSinceNow: -120)))
            let result = await chain.verify(known: [Credential(tampered), chain.b])
            #expect(result.failureCodes == ["predecessor_signature_invalid"])
            #expect(result.failures.first?.credentialId == chain.a.id)
        }
    }

    @Test("a revoked predecessor is predecessor_revoked, naming it")
    func revokedPredecessor() async throws {
        try await Self.withChain { chain in
            try await chain.revoke([2])
            let result = await chain.verify(known: [chain.a, chain.b])
            #expect(result.failureCodes == ["predecessor_revoked"])
            #expect(result.failures.first?.credentialId == chain.b.id)
        }
    }

    @Test("a cycle is chain_cycle and stops; a long chain is bounded by chain_too_long")
    func cyclesAndLimits() async throws {
        try await Self.withChain { chain in
            // X links to Y and Y to X: both signed, so only the cycle is wrong.
            let xID = "urn:uuid:\(UUID())"
            let yID = "urn:uuid:\(UUID())"
            let x = try await Self.signed(id: xID, links: [yID], chain: chain)
            let y = try await Self.signed(id: yID, links: [xID], chain: chain)
            let result = await chain.verify(x, known: [x, y])
            #expect(result.failureCodes == ["chain_cycle"])

            let cache = StatusListCache(fetcher: Self.fetcher, resolver: Self.resolver)
            let bounded = EventChainPolicy(
                fetcher: CredentialSet([chain.a, chain.b]), proof: ProofPolicy(resolver: Self.resolver),
                status: StatusPolicy(cache: cache), limit: 1)
            let limited = await Verifier(credentialPolicies: [bounded]).verify(chain.c)
            #expect(limited.failureCodes == ["chain_too_long"])
        }
    }

    /// B's content with other links, signed again by the same issuer.
    static func signedWithLinks(_ links: [String], like credential: Credential, chain: Chain) async throws -> Credential {
        var document = credential.unsecured
        var subject = document["credentialSubject"]?.objectValue ?? [:]
        subject[VSCVocabulary.predecessorsTerm] = .array(links.map { .string($0) })
        document["credentialSubject"] = .object(subject)
        document["id"] = .string("urn:uuid:\(UUID())")
        return try await chain.issuer.issue(document)
    }

    static func signed(id: String, links: [String], chain: Chain) async throws -> Credential {
        let document = try EventCredentialMapping.credential(
            for: event("inspecting"), documentContext: [], eventID: "urn:uuid:\(UUID())", issuer: chain.issuer.did,
            id: id, validFrom: Date(timeIntervalSinceNow: -60), predecessors: links)
        return try await chain.issuer.issue(document)
    }
}

/// Credentials filed by a key of the store's choosing, as a store holding an altered document would
/// answer: the key need not be the document's own id.
struct FiledCredentials: CredentialFetcher {
    let byKey: [String: Credential]

    func credential(id: String) async throws -> Credential? { byKey[id] }
}
