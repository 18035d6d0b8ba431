import Encoding
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import NIOCore
import Readings
import ServerTestSupport
import Testing

/// Three instances on one PostgreSQL database share one ledger: a commitment made on one is read on
/// another and incorporated on the third; racing anchors and batches record each thing once.
@Suite struct SeveralInstancesTests {
    static let batteryID = "https://id.gs1.org/01/04012345000009/21/R-1"

    @Test("commit on A, submit on B, incorporate on C; racing anchors and batches count once", arguments: testedStores.filter { $0 != "sqlite" })
    func oneLedger(store: String) async throws {
        try await withInstances(3, storeKind: store) { setup in
            let (a, b, c) = (setup.clients[0], setup.clients[1], setup.clients[2])
            let token = try await a.registerOperator("packmaker", admin: setup.adminToken)
            let auth = HTTPFields.bearer(token)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bms-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let bms = try BMSEmulator.create(at: directory, batteryID: Self.batteryID)
            var device = PassportFixtures.device(serial: "R-1", lot: "L", key: SoftwareSigner.generate(.ed25519))
            device["publicKeyMultibase"] = .string(bms.publicKey.multikey)
            let issued = try await a.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: token)
            #expect(issued.status == .created)
            #expect(try await b.post("/operators/packmaker/reward-pool", ["amount": 1_000], token: token).status == .ok)

            /// Commits on `committer`, taps the BMS, submits on `submitter`; returns the reading id.
            func read(commitOn committer: LoopbackClient, submitOn submitter: LoopbackClient) async throws -> String {
                let user = SoftwareSigner.generate(.ed25519)
                let committed = try await committer.execute(
                    uri: "/readings/commitments", method: .post,
                    body: jsonBody(["battery": "R-1", "user": .string(user.verificationKey.multikey)]))
                #expect(committed.status == .created)
                let challenge = try Hex.decode(try #require(try committed.json["challenge"] as? String))
                try await bms.cycle(5)
                let reading = try await bms.read(challenge: challenge).encoded
                let signature = try await user.sign(SubmitterProof.submissionMessage(challenge: challenge, reading: reading))
                let submitted = try await submitter.execute(
                    uri: "/readings", method: .post,
                    body: jsonBody([
                        "reading": .string(Hex.encode(reading)), "submitter": .string(user.verificationKey.multikey),
                        "signature": .string(Hex.encode(signature)),
                    ]))
                #expect(submitted.status == .accepted, "\(String(buffer: submitted.body))")
                return try #require(try submitted.json["id"] as? String)
            }

            let first = try await read(commitOn: a, submitOn: b)
            let batch = try await c.execute(uri: "/operators/packmaker/incorporate", method: .post, headers: auth).json
            #expect(batch["incorporated"] as? Double == 1)
            #expect(try await a.execute(uri: "/readings/\(first)", method: .get).json["status"] as? String == "incorporated")

            // Three more readings spread over the instances, then two instances run the batch at once:
            // each reading is incorporated once, by whichever batch held the operator's lease.
            var pending: [String] = []
            for (committer, submitter) in [(b, c), (c, a), (a, c)] { pending.append(try await read(commitOn: committer, submitOn: submitter)) }
            async let fromB = b.execute(uri: "/operators/packmaker/incorporate", method: .post, headers: auth)
            async let fromC = c.execute(uri: "/operators/packmaker/incorporate", method: .post, headers: auth)
            var incorporated = 0
            for response in try await [fromB, fromC] {
                if response.status == .ok {
                    incorporated += Int(try response.json["incorporated"] as? Double ?? 0)
                } else {
                    #expect(response.status == .conflict)
                    #expect(try response.json["code"] as? String == "incorporation_busy")
                }
            }
            if incorporated < pending.count {
                incorporated += Int(try await a.execute(uri: "/operators/packmaker/incorporate", method: .post, headers: auth).json["incorporated"] as? Double ?? 0)
            }
            #expect(incorporated == pending.count)
            for id in pending {
                #expect(try await b.execute(uri: "/readings/\(id)", method: .get).json["status"] as? String == "incorporated")
            }

            // A new root anchored from all three at once is anchored once, and every instance sees one history.
            let second = PassportFixtures.device(serial: "R-2", lot: "L", key: SoftwareSigner.generate(.ed25519))
            #expect(try await b.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(second)], token: token).status == .created)
            async let anchorA = a.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            async let anchorB = b.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            async let anchorC = c.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let anchored = try await [anchorA, anchorB, anchorC]
            #expect(anchored.allSatisfy { $0.status == .ok })
            #expect(Set(try anchored.map { try #require(try $0.json["transaction"] as? String) }).count == 1)
            var histories: [[String]] = []
            for client in [a, b, c] {
                let anchors = try #require(try await client.execute(uri: "/operators/packmaker/anchors", method: .get).json["anchors"] as? [[String: Any]])
                histories.append(anchors.compactMap { $0["transaction"] as? String })
            }
            #expect(histories[0] == histories[1] && histories[1] == histories[2])
            let roots = try #require(try await c.execute(uri: "/operators/packmaker/anchors", method: .get).json["anchors"] as? [[String: Any]])
                .compactMap { $0["root"] as? String }
            #expect(zip(roots, roots.dropFirst()).allSatisfy { $0 != $1 }, "no root anchored twice in a row")
        }
    }
}
