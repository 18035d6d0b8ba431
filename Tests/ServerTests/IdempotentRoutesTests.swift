import Encoding
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import Ledger
import NIOCore
import Readings
import ServerTestSupport
import Testing

/// The writes outside the database's unit of work (operator registration, tokens, anchoring, the
/// reward pool, the operator's batch, reading commitments and submissions) honour `Idempotency-Key`
/// too: a re-send gets the first response and changes nothing; the key with another body is refused.
@Suite struct IdempotentRoutesTests {
    static let replayed = HTTPField.Name("Idempotency-Replayed")!
    static let key = HTTPField.Name("Idempotency-Key")!

    /// Sends `body` to `path` twice with one key: the second answer is the first, marked replayed.
    func sendTwice(
        _ client: LoopbackClient, _ path: String, _ body: JSONObject, token: String?, key: String
    ) async throws -> (first: LoopbackResponse, second: LoopbackResponse) {
        var headers: HTTPFields = token.map { .bearer($0) } ?? [:]
        headers[Self.key] = key
        let first = try await client.execute(uri: path, method: .post, headers: headers, body: jsonBody(body))
        let second = try await client.execute(uri: path, method: .post, headers: headers, body: jsonBody(body))
        #expect(first.headers[Self.replayed] == nil)
        #expect(second.headers[Self.replayed] == "true", "\(path)")
        #expect(second.status == first.status, "\(path)")
        #expect(String(buffer: second.body) == String(buffer: first.body), "\(path)")
        return (first, second)
    }

    @Test("each write outside the unit of work runs once per key; another body with the key is refused")
    func writesRunOncePerKey() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, _, admin in
            // Registration: one operator, and the same name with another key is refused as before.
            let registered = try await sendTwice(
                client, "/operators", ["name": "packmaker", "companyPrefixes": ["4012345"]], token: admin, key: "register-1")
            #expect(registered.first.status == .created)
            let other = try await client.post("/operators", ["name": "packmaker", "companyPrefixes": ["4012399"]], token: admin, idempotencyKey: "register-1")
            #expect(other.status == .unprocessableContent)
            #expect(try other.json["code"] as? String == "idempotency_key_mismatch")

            // A token: its secret is shown once, never recorded, so the replay has the record without it.
            var headers = HTTPFields.bearer(admin)
            headers[Self.key] = "token-1"
            let body = jsonBody(["role": "issuer", "operators": ["packmaker"]])
            let created = try await client.execute(uri: "/admin/tokens", method: .post, headers: headers, body: body)
            let again = try await client.execute(uri: "/admin/tokens", method: .post, headers: headers, body: body)
            let token = try #require(try created.json["token"] as? String)
            #expect(again.headers[Self.replayed] == "true")
            #expect(try again.json["token"] == nil)
            #expect(try again.json["id"] as? String == (try created.json["id"] as? String))
            #expect(!String(buffer: again.body).contains(token))
            let listed = try await client.execute(uri: "/admin/tokens", method: .get, headers: .bearer(admin))
            let tokens = try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [Any]
            #expect(tokens?.count == 2, "the admin token and this one: created once")

            // The reward pool is funded once.
            let funded = try await sendTwice(client, "/operators/packmaker/reward-pool", ["amount": 300], token: token, key: "fund-1")
            #expect(try funded.second.json["pool"] as? Double == 300)

            // Anchoring: the same anchor.
            let device = PassportFixtures.device(serial: "I-1", lot: "L", key: SoftwareSigner.generate(.ed25519))
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: token).status == .created)
            let anchored = try await sendTwice(client, "/operators/packmaker/anchor", [:], token: token, key: "anchor-1")
            #expect(anchored.first.status == .ok)

            // A public reading commitment: one challenge.
            let user = SoftwareSigner.generate(.ed25519)
            let committed = try await sendTwice(
                client, "/readings/commitments", ["battery": "I-1", "user": .string(user.verificationKey.multikey)], token: nil, key: "commit-1")
            #expect(committed.first.status == .created)

            // The operator's batch.
            let batch = try await sendTwice(client, "/operators/packmaker/incorporate", [:], token: token, key: "batch-1")
            #expect(batch.first.status == .ok)
        }
    }
}
