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
import Trie

/// Writes under concurrency, over real HTTP on loopback, through one instance and through two
/// instances on one database: no batch refused for racing another, no acknowledged change lost,
/// and reads never failing because of a write. On SQLite and, when `VOLTPASS_POSTGRES_URL` is set,
/// on PostgreSQL. The cases run one after another: each loads both cores.
@Suite(.serialized) struct WritesThatHoldTests {
    static let clients = 4
    static let batchesPerClient = 40
    static let batchSize = 50

    /// (store, instances): one SQLite instance, and two instances on one PostgreSQL database (on one
    /// SQLite file when no PostgreSQL server is given).
    static var layouts: [(String, Int)] {
        [("sqlite", 1), (testedStores.contains("postgresql") ? "postgresql" : "sqlite", 2)]
    }

    @Test("4 clients × 40 batches of 50 provision concurrently: none refused, every device green on every instance", arguments: layouts)
    func concurrentProvisioning(store: String, instances: Int) async throws {
        try await withInstances(instances, storeKind: store) { setup in
            let admin = try await setup.clients[0].registerOperator("packmaker", admin: setup.adminToken)
            let keys = (0..<Self.batchSize).map { _ in SoftwareSigner.generate(.ed25519) }
            let statuses = try await withThrowingTaskGroup(of: [HTTPResponse.Status].self) { group in
                for client in 0..<Self.clients {
                    // Clients 0 and 1 on the first instance, 2 and 3 on the last.
                    let http = setup.clients[client < Self.clients / 2 ? 0 : instances - 1]
                    group.addTask {
                        var statuses: [HTTPResponse.Status] = []
                        for batch in 0..<Self.batchesPerClient {
                            let devices: [JSONValue] = (0..<Self.batchSize).map { index in
                                .object(PassportFixtures.device(serial: "C\(client)-B\(batch)-\(index)", lot: "LOT-\(client)", key: keys[index]))
                            }
                            let response = try await http.post(
                                "/manufacturing/device/issue", ["operator": "packmaker", "devices": .array(devices)], token: admin)
                            if response.status != .created { Issue.record("batch \(client)/\(batch): \(String(buffer: response.body))") }
                            statuses.append(response.status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == Self.clients * Self.batchesPerClient)
            #expect(statuses.allSatisfy { $0 == .created })

            let operatorID = "did:web:localhost%3A8080:operators:packmaker"
            let total = Self.clients * Self.batchesPerClient * Self.batchSize
            #expect(try await setup.servers[0].passports.tries.latest(operator: operatorID).keyCount == total)
            // Each instance anchors on its own ledger until the ledger is shared.
            for client in setup.clients {
                #expect(try await client.post("/operators/packmaker/anchor", [:], token: admin).status == .ok)
            }
            let serials = (0..<Self.clients).flatMap { client in
                (0..<Self.batchesPerClient).flatMap { batch in (0..<Self.batchSize).map { "C\(client)-B\(batch)-\($0)" } }
            }
            for client in setup.clients {
                let results = try await verdicts(client, serials)
                let notGreen = results.filter { $0.value.verdict != "green" }
                #expect(results.count == total)
                #expect(notGreen.isEmpty, "\(notGreen.count) not green, e.g. \(notGreen.prefix(3))")
            }
        }
    }

    @Test("a lot recall racing hand-offs, firmware updates and warranty voids on two instances loses none of them", arguments: testedStores)
    func noLostUpdates(store: String) async throws {
        try await withInstances(2, storeKind: store) { setup in
            let (first, second) = (setup.clients[0], setup.clients[1])
            let admin = try await first.registerOperator("packmaker", admin: setup.adminToken)
            let count = 16
            let devices: [JSONValue] = (0..<count).map { index in
                var device = PassportFixtures.device(serial: "L-\(index)", lot: "LOT-R", key: SoftwareSigner.generate(.ed25519))
                device["owner"] = .string(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
                return .object(device)
            }
            let provisioned = try await first.post(
                "/manufacturing/device/issue", ["operator": "packmaker", "devices": .array(devices)], token: admin)
            #expect(provisioned.status == .created)

            // Each battery: two hand-offs (second instance), a firmware update (first), a warranty void
            // (second), all at once with the lot recall (first).
            enum Acknowledged: Sendable {
                case handOff(serial: String, credential: String)
                case firmware(serial: String, version: String)
                case voided(serial: String)
                case recall
            }
            let acknowledged = try await withThrowingTaskGroup(of: Acknowledged?.self) { group in
                group.addTask {
                    let response = try await first.post(
                        "/operators/packmaker/recalls", ["selector": "lot", "value": "LOT-R", "reason": "cell venting"], token: admin)
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                    return response.status == .created ? .recall : nil
                }
                for index in 0..<count {
                    let serial = "L-\(index)"
                    for _ in 0..<2 {
                        group.addTask {
                            let owner = DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey)
                            let response = try await second.post("/passports/\(serial)/ownership", ["owner": .string(owner)], token: admin)
                            #expect(response.status == .created, "\(String(buffer: response.body))")
                            let credential = try response.json["verifiableCredential"] as? [String: Any]
                            return (credential?["id"] as? String).map { .handOff(serial: serial, credential: $0) }
                        }
                    }
                    group.addTask {
                        let version = "2.0.\(index)"
                        let response = try await first.post(
                            "/passports/\(serial)/lifecycle",
                            ["action": "firmware", "version": .string(version), "sha256": .string(String(repeating: "ab", count: 32))], token: admin)
                        #expect(response.status == .ok, "\(String(buffer: response.body))")
                        return response.status == .ok ? .firmware(serial: serial, version: version) : nil
                    }
                    group.addTask {
                        let response = try await second.post("/passports/\(serial)/lifecycle", ["action": "voidWarranty"], token: admin)
                        #expect(response.status == .ok, "\(String(buffer: response.body))")
                        return response.status == .ok ? .voided(serial: serial) : nil
                    }
                }
                return try await group.reduce(into: [Acknowledged]()) { if let item = $1 { $0.append(item) } }
            }
            #expect(acknowledged.count == 1 + count * 4)

            let anchor = try await first.post("/operators/packmaker/anchor", [:], token: admin)
            #expect(anchor.status == .ok)
            let anchoredRoot = try #require(try anchor.json["root"] as? String)
            let passports = setup.servers[0].passports
            let operatorID = "did:web:localhost%3A8080:operators:packmaker"
            #expect(try await passports.tries.latest(operator: operatorID).root.hex == anchoredRoot)
            func leaf(_ serial: String) async throws -> BatteryLeaf {
                let proof = try await passports.tries.proof(for: Array("https://id.gs1.org/01/04012345000009/21/\(serial)".utf8), operator: operatorID)
                #expect(proof.root.hex == anchoredRoot && proof.verifies())
                return try BatteryLeaf(cbor: try #require(proof.value))
            }
            for item in acknowledged {
                switch item {
                case .handOff(let serial, let credential):
                    let chain = try await setup.servers[1].store.ownershipChain(device: "https://id.gs1.org/01/04012345000009/21/\(serial)")
                    #expect(chain.count == 3 && chain.contains { $0.credentialID == credential })
                    #expect(try await leaf(serial).credentials.ownership == chain.last?.credentialID)
                case .firmware(let serial, let version):
                    #expect(try await leaf(serial).firmware.version == version)
                case .voided(let serial):
                    #expect(try await leaf(serial).warranty?.voided == true)
                case .recall:
                    for index in 0..<count { #expect(try await leaf("L-\(index)").isRecalled) }
                }
            }
        }
    }

    @Test("verifications on one instance while the other provisions never fail for untouched batteries", arguments: testedStores)
    func readsDuringWrites(store: String) async throws {
        try await withInstances(2, storeKind: store) { setup in
            let (writer, reader) = (setup.clients[0], setup.clients[1])
            let admin = try await writer.registerOperator("packmaker", admin: setup.adminToken)
            let keys = (0..<20).map { _ in SoftwareSigner.generate(.ed25519) }
            let settled: [JSONValue] = (0..<20).map { .object(PassportFixtures.device(serial: "S-\($0)", lot: "LOT-S", key: keys[$0])) }
            #expect(try await writer.post("/manufacturing/device/issue", ["operator": "packmaker", "devices": .array(settled)], token: admin).status == .created)
            #expect(try await writer.post("/operators/packmaker/anchor", [:], token: admin).status == .ok)

            let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    for batch in 0..<20 {
                        let devices: [JSONValue] = (0..<20).map { .object(PassportFixtures.device(serial: "W-\(batch)-\($0)", lot: "LOT-W", key: keys[$0])) }
                        let response = try await writer.post("/manufacturing/device/issue", ["operator": "packmaker", "devices": .array(devices)], token: admin)
                        #expect(response.status == .created)
                    }
                    return []
                }
                for round in 0..<8 {
                    group.addTask {
                        var seen: [String] = []
                        for index in 0..<16 {
                            let response = try await reader.execute(
                                uri: "/verify/device/S-\((round + index) % 20)", method: .get, headers: [.accept: "application/json"])
                            let json = try response.json
                            let codes = (json["failures"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                            // Untouched, but the trie moved past the anchored root (the checkpoint, in the
                            // shared database, is the writer's): genuine, amber at worst.
                            seen.append("\(response.status.code) \(json["verdict"] as? String ?? "?") \(codes)")
                        }
                        return seen
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(outcomes.count == 128)
            let failed = outcomes.filter { !($0.hasPrefix("200 green") || $0 == "200 amber [\"anchor_stale\"]") }
            #expect(failed.isEmpty, "\(failed)")
        }
    }
}
