import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Passport
import ServerTestSupport
import Testing

/// Presentation and diagnostics challenges live in the database: one instance hands a challenge out,
/// another accepts it, and only once, even when both are asked at the same moment.
@Suite struct SharedChallengesTests {
    @Test("a challenge from one instance is accepted once by another, for its own purpose only", arguments: testedStores)
    func challengesAcrossInstances(store: String) async throws {
        try await withInstances(2, storeKind: store) { setup in
            let (first, second) = (setup.clients[0], setup.clients[1])
            let issuer = try await first.registerOperator("packmaker", admin: setup.adminToken)
            let element = SoftwareSigner.generate(.ed25519)
            let device = PassportFixtures.device(serial: "D-1", lot: "L", key: element)
            #expect(try await first.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: issuer).status == .created)
            let battery = "https://id.gs1.org/01/04012345000009/21/D-1"

            // Diagnostics: issued on the first instance, answered to the second, twice at once.
            let text = try #require(try await first.execute(uri: "/diagnostics/challenges", method: .post).json["challenge"] as? String)
            let answer = Base64URL.encode(try await FieldDiagnostics.respond(to: try Base64URL.decode(text), signer: element))
            let body: JSONObject = ["device": .string(battery), "challenge": .string(text), "response": .string(answer)]
            let outcomes = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for client in [first, second, second] {
                    group.addTask { try await client.execute(uri: "/diagnostics/responses", method: .post, body: jsonBody(body)).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .ok }.count == 1, "\(outcomes)")
            #expect(outcomes.filter { $0 == .badRequest }.count == 2, "the others are challenge_invalid")

            // A presentation challenge cannot answer diagnostics: each purpose is its own namespace.
            let presentation = try #require(try await second.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let answered = Base64URL.encode(try await FieldDiagnostics.respond(to: try Base64URL.decode(presentation), signer: element))
            let crossed = try await first.execute(
                uri: "/diagnostics/responses", method: .post,
                body: jsonBody(["device": .string(battery), "challenge": .string(presentation), "response": .string(answered)]))
            #expect(try crossed.json["code"] as? String == "challenge_invalid")
        }
    }
}
