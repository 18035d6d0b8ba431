import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Passport
import Server
import ServerTestSupport
import Storage
import Testing

/// The service signs a checkpoint for every anchor, numbered per operator, and bundles carry the
/// stored one: across key rotation, an anchor cut off before its checkpoint, and two instances
/// anchoring one operator at once. On SQLite, and on PostgreSQL when `VOLTPASS_POSTGRES_URL` is set.
@Suite struct AnchorCheckpointServiceTests {
    static let operatorID = "did:web:localhost%3A8080:operators:packmaker"

    /// The operator and one pack, A-1; returns the operator's issuer token.
    private func provision(_ client: LoopbackClient, admin: String) async throws -> String {
        let issuer = try await client.registerOperator("packmaker", admin: admin)
        let device = PassportFixtures.device(serial: "A-1", lot: "L1", key: SoftwareSigner.generate(.ed25519))
        #expect(try await client.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: issuer).status == .created)
        return issuer
    }

    /// A firmware update of A-1 to `version`: a change of its leaf, so a new root.
    private func change(_ client: LoopbackClient, _ issuer: String, version: String) async throws {
        let body: JSONObject = ["action": "firmware", "version": .string(version), "sha256": .string(String(repeating: "ab", count: 32))]
        #expect(try await client.post("/passports/A-1/lifecycle", body, token: issuer).status == .ok)
    }

    private func anchor(_ client: LoopbackClient, _ issuer: String) async throws -> AnchorCheckpoint {
        let response = try await client.post("/operators/packmaker/anchor", [:], token: issuer)
        #expect(response.status == .ok)
        return try AnchorCheckpoint(json: try #require(try JSONValue(parsing: Array(buffer: response.body))["checkpoint"]))
    }

    @Test func everyAnchorGetsTheNextCheckpointSignedByTheCurrentKey() async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, server, adminToken in
            let issuer = try await provision(client, admin: adminToken)
            let first = try await anchor(client, issuer)
            #expect(first.sequence == 1)
            #expect(first.root == (try await server.passports.tries.latest(operator: Self.operatorID).root))
            let ledger = try #require(try await server.passports.ledger.currentAnchor(operator: Self.operatorID))
            #expect(first.transaction == ledger.transaction && first.slot == ledger.slot)
            #expect(try await anchor(client, issuer) == first, "nothing moved: the same checkpoint")

            try await change(client, issuer, version: "1.5.0")
            let second = try await anchor(client, issuer)
            #expect(second.sequence == 2 && second.root != first.root)
            let device = try #require(try await server.passports.device(scanned: try ScannedIdentifier("A-1")))
            let bundle = try await server.passports.bundle(for: device)
            #expect(bundle.anchor == second)

            // The operator rotates to a P-256 key: the next checkpoint is signed with it, and a verifier
            // pinning the key history checks both.
            _ = try await server.passports.operators.member(Self.operatorID).keys.rotate(to: .p256)
            try await change(client, issuer, version: "1.6.0")
            let third = try await anchor(client, issuer)
            #expect(third.sequence == 3)
            #expect(third.verificationMethod == Self.operatorID + "#key-2")
            let history = try PinnedKeys(history: try await server.store.keys(controller: Self.operatorID))
            for checkpoint in [first, second, third] {
                #expect(checkpoint.signatureProblem(trusted: history) == nil, "checkpoint \(checkpoint.sequence)")
            }
            #expect(try await server.passports.verify("A-1").verdict == .green)
            #expect(try await verifyOverHTTP(client, "/verify/device/A-1").verdict == "green")
        }
    }

    @Test("an anchor cut off before its checkpoint gets it from the cadence; bundles never carry an unsigned one", arguments: testedStores)
    func anchorCutOffBeforeItsCheckpoint(store: String) async throws {
        let faults = ArmedFaults()
        try await withInstances(1, storeKind: store, faults: faults) { setup in
            let (client, server) = (setup.clients[0], setup.servers[0])
            let issuer = try await provision(client, admin: setup.adminToken)
            let first = try await anchor(client, issuer)
            try await change(client, issuer, version: "2.0.0")
            faults.arm(.anchorLedgered)
            #expect(try await client.post("/operators/packmaker/anchor", [:], token: issuer).status == .internalServerError)
            let anchored = try #require(try await server.passports.ledger.currentAnchor(operator: Self.operatorID))
            #expect(anchored.root != first.root, "the ledger holds the new root")
            #expect(try await server.store.latestCheckpoint(operator: Self.operatorID) == first, "no checkpoint for it yet")
            // Meanwhile a scan sees the last signed checkpoint: the passport changed after it.
            #expect(try await server.passports.verify("A-1").failureCodes == ["anchor_stale"])

            #expect(try await server.passports.anchorAll() == 0, "nothing new to anchor")
            let healed = try #require(try await server.store.latestCheckpoint(operator: Self.operatorID))
            #expect(healed.sequence == 2)
            #expect(healed.root == anchored.root && healed.transaction == anchored.transaction && healed.slot == anchored.slot)
            #expect(try await server.passports.verify("A-1").verdict == .green)
            #expect(try await server.passports.anchorAll() == 0)
            #expect(try await server.store.latestCheckpoint(operator: Self.operatorID) == healed, "healed once")
        }
    }

    @Test("two instances anchoring one operator at once number its checkpoints without gaps", arguments: testedStores)
    func twoInstancesAnchorAtOnce(store: String) async throws {
        try await withInstances(2, storeKind: store) { setup in
            let issuer = try await provision(setup.clients[0], admin: setup.adminToken)
            for round in 1...3 {
                if round > 1 { try await change(setup.clients[round % 2], issuer, version: "3.\(round).0") }
                let clients = setup.clients
                let checkpoints = try await withThrowingTaskGroup(of: AnchorCheckpoint.self) { group in
                    for client in clients { group.addTask { try await anchor(client, issuer) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(checkpoints.allSatisfy { $0.sequence == UInt64(round) }, "\(checkpoints.map(\.sequence))")
                let latest = try #require(try await setup.servers[0].store.latestCheckpoint(operator: Self.operatorID))
                #expect(latest.sequence == UInt64(round))
                #expect(latest.root == (try await setup.servers[1].passports.tries.latest(operator: Self.operatorID).root))
            }
            #expect(try await setup.servers[1].passports.verify("A-1").verdict == .green)
        }
    }
}
