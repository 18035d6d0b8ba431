import Encoding
import Foundation
import HTTPTestSupport
import Identity
import Testing

@testable import Credentials

/// The status policy end to end: signed status list credentials served by a real HTTP server on
/// 127.0.0.1, fetched by `HTTPStatusListFetcher`, verified and cached by `StatusListCache`.
@Suite("Bitstring Status List: verifier")
struct StatusListPolicyTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let start = XSDDateTime.parse("2025-06-01T12:00:00Z")!
    /// Generous, so a loaded machine never turns an answer into `status_unreachable`.
    static let fetcher = HTTPStatusListFetcher(configuration: .init(timeout: .seconds(15), allowLoopbackHTTP: true))
    /// Gives up long before the test server's `/slow/…` answers (2 s).
    static let impatientFetcher = HTTPStatusListFetcher(configuration: .init(timeout: .milliseconds(300), allowLoopbackHTTP: true))

    /// An issuer publishing lists on a test server, and a verifier with its own clock and cache.
    struct Fixture {
        let issuer = TestIssuer()
        let server: StatusListTestServer
        let clock = TestClock(StatusListPolicyTests.start)
        let cache: StatusListCache

        init(server: StatusListTestServer, fetcher: any StatusListFetcher = StatusListPolicyTests.fetcher) {
            self.server = server
            let clock = self.clock
            cache = StatusListCache(fetcher: fetcher, resolver: StatusListPolicyTests.resolver, now: { clock.now })
        }

        /// Signs and publishes a list at `path`.
        func publish(
            _ path: String, purpose: StatusPurpose = .revocation, set indices: [Int] = [], entryCount: Int = 131_072,
            ttl: Int? = nil, signer: TestIssuer? = nil, edit: (inout JSONObject) -> Void = { _ in }
        ) async throws {
            let signer = signer ?? issuer
            var bitstring = StatusListBitstring(entryCount: entryCount)
            for index in indices { try bitstring.setStatus(1, at: index) }
            let list = StatusListCredential(
                id: server.url(path), issuer: signer.did, purposes: [purpose], bitstring: bitstring,
                validFrom: XSDDateTime.parse("2025-01-01T00:00:00Z"), timeToLive: ttl)
            var signed = try await DataIntegrity.sign(
                list.document, options: ProofOptions(cryptosuite: .eddsaJcs2022, verificationMethod: signer.method, created: start),
                signer: signer.signer)
            edit(&signed)
            await server.documents.publish(signed, at: path)
        }

        func entry(_ path: String, _ index: Int, purpose: StatusPurpose = .revocation) -> JSONValue {
            .object(StatusListEntry(id: "urn:uuid:\(UUID())", purpose: purpose, index: index, listCredential: server.url(path)).json)
        }

        func credential(_ entries: JSONValue...) async throws -> Credential {
            try await issuer.issue(issuer.credential(extra: entries.isEmpty ? [:] : ["credentialStatus": .array(entries)]))
        }

        func verify(
            _ credential: Credential, maximumAge: Duration = StatusPolicy.standardMaximumAge, requireStatus: Bool = false
        ) async -> VerificationResult {
            let clock = self.clock
            let verifier = Verifier(
                credentialPolicies: [
                    ProofPolicy(resolver: StatusListPolicyTests.resolver),
                    StatusPolicy(cache: cache, maximumAge: maximumAge, requireStatus: requireStatus),
                ],
                now: { clock.now })
            return await verifier.verify(credential)
        }
    }

    @Test func validRevokedAndSuspendedCredentials() async throws {
        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            try await fixture.publish("/lists/r", set: [7, 94567])
            try await fixture.publish("/lists/s", purpose: .suspension, set: [8])
            let valid = try await fixture.credential(fixture.entry("/lists/r", 8), fixture.entry("/lists/s", 7, purpose: .suspension))
            let result = await fixture.verify(valid)
            #expect(result.verified, "\(result.failures)")
            #expect(result.checks.contains("status"))

            let revoked = await fixture.verify(try await fixture.credential(fixture.entry("/lists/r", 94567)))
            #expect(!revoked.verified)
            #expect(revoked.failureCodes == ["revoked"])
            #expect(revoked.failures.first?.path == "/credentialStatus/0")

            let suspended = await fixture.verify(
                try await fixture.credential(fixture.entry("/lists/r", 0), fixture.entry("/lists/s", 8, purpose: .suspension)))
            #expect(suspended.failureCodes == ["suspended"])
            #expect(suspended.failures.first?.path == "/credentialStatus/1")
            #expect(await server.documents.requests("/lists/r") == 1, "one fetch, then the cache")
        }
    }

    @Test func unreachableListsFailClosed() async throws {
        // A server that has stopped: the port refuses connections.
        let (fixture, credential) = try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            try await fixture.publish("/lists/r")
            return (fixture, try await fixture.credential(fixture.entry("/lists/r", 3)))
        }
        let stopped = await fixture.verify(credential)
        #expect(stopped.failureCodes == ["status_unreachable"], "\(stopped.failures)")

        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            for path in ["/missing/1", "/error/1", "/large/1"] {
                let result = await fixture.verify(try await fixture.credential(fixture.entry(path, 3)))
                #expect(result.failureCodes == ["status_unreachable"], "\(path): \(result.failures)")
            }
            let impatient = Fixture(server: server, fetcher: Self.impatientFetcher)
            let slow = await impatient.verify(try await impatient.credential(impatient.entry("/slow/1", 3)))
            #expect(slow.failureCodes == ["status_unreachable"], "a list that does not arrive in time: \(slow.failures)")
            let https = Fixture(server: server, fetcher: HTTPStatusListFetcher())
            let plain = await https.verify(try await https.credential(https.entry("/lists/r", 3)))
            #expect(plain.failureCodes == ["status_unreachable"], "plain http is refused without allowLoopbackHTTP")
        }
    }

    @Test func invalidListsAreNamed() async throws {
        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            try await fixture.publish("/tampered") { document in
                var subject = document["credentialSubject"]!.objectValue!
                var other = StatusListBitstring()
                try? other.setStatus(1, at: 2)
                subject["encodedList"] = .string((try? other.encodedList) ?? "")  // a different list than was signed
                document["credentialSubject"] = .object(subject)
            }
            try await fixture.publish("/foreign", signer: TestIssuer())
            try await fixture.publish("/unsigned") { $0["proof"] = nil }
            try await fixture.publish("/moved") { _ in }
            try await fixture.publish("/suspension", purpose: .suspension)
            try await fixture.publish("/short", entryCount: 100_000)
            try await fixture.publish("/range")
            await server.documents.publish(bytes: Array("not json".utf8), at: "/notjson")
            // /moved is served at another path than its id says.
            await server.documents.publish(bytes: await server.documents.request("/moved")!, at: "/elsewhere")

            let cases: [(String, Int, String)] = [
                ("/tampered", 1, "status_list_invalid"), ("/foreign", 1, "status_list_invalid"),
                ("/unsigned", 1, "status_list_invalid"), ("/elsewhere", 1, "status_list_invalid"),
                ("/suspension", 1, "status_list_invalid"), ("/notjson", 1, "status_list_invalid"),
                ("/short", 1, "status_list_length_error"), ("/range", 131_072, "range_error"),
            ]
            for (path, index, code) in cases {
                let result = await fixture.verify(try await fixture.credential(fixture.entry(path, index)))
                #expect(result.failureCodes == [code], "\(path): \(result.failures)")
            }
            let malformed = await fixture.verify(
                try await fixture.credential(["type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "x"]))
            #expect(malformed.failureCodes == ["status_entry_invalid"])
        }
    }

    @Test func credentialsWithoutStatus() async throws {
        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            let credential = try await fixture.credential()
            #expect(await fixture.verify(credential).verified)
            #expect(await fixture.verify(credential, requireStatus: true).failureCodes == ["status_missing"])
        }
    }

    @Test func cachedListsExpireByContextAndTTL() async throws {
        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            try await fixture.publish("/r")
            let credential = try await fixture.credential(fixture.entry("/r", 5))
            #expect(await fixture.verify(credential, maximumAge: StatusPolicy.highStakesMaximumAge).verified)
            try await fixture.publish("/r", set: [5])  // revoked at the source; the verifier still holds the old list

            fixture.clock.advance(seconds: 23 * 3600)
            #expect(await fixture.verify(credential, maximumAge: StatusPolicy.highStakesMaximumAge).verified, "23 h: cached")
            #expect(await server.documents.requests("/r") == 1)
            fixture.clock.advance(seconds: 2 * 3600)
            #expect(await fixture.verify(credential, maximumAge: .seconds(7 * 24 * 3600)).verified, "25 h: still fine for 7 days")
            let highStakes = await fixture.verify(credential, maximumAge: StatusPolicy.highStakesMaximumAge)
            #expect(highStakes.failureCodes == ["revoked"], "25 h: high stakes must fetch again (REQ-F08 b)")
            #expect(await server.documents.requests("/r") == 2)

            // A list's own ttl wins when shorter.
            try await fixture.publish("/ttl", ttl: 60_000)
            let short = try await fixture.credential(fixture.entry("/ttl", 9))
            #expect(await fixture.verify(short).verified)
            try await fixture.publish("/ttl", set: [9], ttl: 60_000)
            fixture.clock.advance(seconds: 59)
            #expect(await fixture.verify(short).verified)
            fixture.clock.advance(seconds: 2)
            #expect(await fixture.verify(short).failureCodes == ["revoked"])
            #expect(await server.documents.requests("/ttl") == 2)
        }
    }

    @Test func concurrentChecksShareOneFetch() async throws {
        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            try await fixture.publish("/shared", set: [1])
            var credentials: [Credential] = []
            for index in 0..<40 { credentials.append(try await fixture.credential(fixture.entry("/shared", index))) }
            let clock = fixture.clock
            let verifier = Verifier(credentialPolicies: [StatusPolicy(cache: fixture.cache)], now: { clock.now })
            let result = await verifier.verify(credentials)
            #expect(result.failureCodes == ["revoked"])
            #expect(await server.documents.requests("/shared") == 1)
            #expect(await fixture.cache.fetchCount == 1)
        }
    }

    @Test func failuresAreNotCached() async throws {
        try await StatusListTestServer.run { server in
            let fixture = Fixture(server: server)
            let credential = try await fixture.credential(fixture.entry("/late", 2))
            #expect(await fixture.verify(credential).failureCodes == ["status_unreachable"])
            try await fixture.publish("/late")
            #expect(await fixture.verify(credential).verified)
        }
    }
}
