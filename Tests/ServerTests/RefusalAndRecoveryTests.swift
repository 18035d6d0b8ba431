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
import Synchronization
import Testing

/// Refused writes leave no trace, a write cut off at any step is all or nothing, and a re-send with
/// the same `Idempotency-Key` completes it exactly once. On SQLite and, when `VOLTPASS_POSTGRES_URL`
/// is set, on PostgreSQL; the database is compared row by row from outside the server.
@Suite struct RefusalAndRecoveryTests {
    static let operatorID = "did:web:localhost%3A8080:operators:packmaker"
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    @Test("every refused write leaves every table as it was", arguments: testedStores)
    func refusalsLeaveNoTrace(store: String) async throws {
        try await withInstances(1, storeKind: store) { setup in
            let client = setup.clients[0]
            _ = try await client.registerOperator("packmaker", admin: setup.adminToken)
            _ = try await client.registerOperator("secondlife", companyPrefixes: ["4012346"], admin: setup.adminToken)
            let admin = try await client.createToken(operators: ["packmaker", "secondlife", "instance"], admin: setup.adminToken)
            let owner = DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey)
            let keyA = SoftwareSigner.generate(.ed25519)
            var deviceA = PassportFixtures.device(serial: "A", lot: "LOT-1", key: keyA)
            deviceA["owner"] = .string(owner)
            let devices: [JSONValue] = [
                .object(deviceA), .object(PassportFixtures.device(serial: "C", lot: "LOT-1", key: SoftwareSigner.generate(.ed25519))),
            ]
            let first = try await client.post(
                "/manufacturing/device/issue", ["operator": "packmaker", "devices": .array(devices)], token: admin, idempotencyKey: "batch-1")
            #expect(first.status == .created)
            #expect(try await client.post("/passports/C/lifecycle", ["action": "recycle"], token: admin).status == .ok)
            #expect(try await client.post("/operators/packmaker/anchor", [:], token: admin).status == .ok)

            let before = try databaseDump(setup.storeConfiguration)
            let newKey = SoftwareSigner.generate(.ed25519)
            let refusals: [(String, JSONObject, String?, String)] = [
                ("/manufacturing/device/issue", ["operator": "packmaker", "devices": [.object(PassportFixtures.device(serial: "D", lot: "LOT-2", key: newKey)), .object(deviceA)]], nil, "device_exists"),
                ("/manufacturing/device/issue", ["operator": "packmaker", "devices": [.object(PassportFixtures.device(serial: "E", lot: "LOT-2", key: newKey)), .object(PassportFixtures.device(serial: "E", lot: "LOT-2", key: newKey))]], nil, "device_exists"),
                ("/manufacturing/device/issue", ["operator": "packmaker", "device": ["gtin": "04012345000009", "serial": "F"]], nil, "invalid_device"),
                ("/manufacturing/device/issue", ["operator": "nobody", "device": .object(PassportFixtures.device(serial: "G", lot: "L", key: newKey))], nil, "operator_not_found"),
                ("/passports/C/ownership", ["owner": .string(owner)], nil, "transition_not_allowed"),
                ("/passports/A/ownership", ["owner": "not a DID"], nil, "invalid_owner"),
                ("/passports/Z/ownership", ["owner": .string(owner)], nil, "device_not_found"),
                ("/passports/C/lifecycle", ["action": "firmware", "version": "9.9.9", "sha256": .string(String(repeating: "aa", count: 32))], nil, "transition_not_allowed"),
                ("/passports/C/lifecycle", ["action": "voidWarranty"], nil, "transition_not_allowed"),
                ("/passports/A/lifecycle", ["action": "melt"], nil, "invalid_request"),
                ("/passports/A/lifecycle", ["action": "repurpose", "operator": "packmaker", "gtin": "04012345000009", "serial": "R"], nil, "invalid_repurpose"),
                ("/passports/C/lifecycle", ["action": "repurpose", "operator": "secondlife", "gtin": "04012346000015", "serial": "R"], nil, "transition_not_allowed"),
                ("/passports/A/bms-keys", ["publicKeyMultibase": .string(keyA.verificationKey.multikey)], nil, "bms_key_unchanged"),
                ("/passports/C/bms-keys", ["publicKeyMultibase": .string(newKey.verificationKey.multikey)], nil, "transition_not_allowed"),
                ("/operators/packmaker/recalls", ["selector": "lot", "value": "LOT-1", "reason": ""], nil, "invalid_recall"),
                ("/operators/packmaker/recalls", ["selector": "colour", "value": "red", "reason": "x"], nil, "invalid_request"),
                ("/epcis/capture", ["type": "EPCISDocument"], nil, ""),
                ("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(PassportFixtures.device(serial: "H", lot: "L", key: newKey))], "batch-1", "idempotency_key_mismatch"),
                ("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(PassportFixtures.device(serial: "J", lot: "L", key: newKey))], String(repeating: "k", count: 256), "invalid_idempotency_key"),
            ]
            for (path, body, key, code) in refusals {
                let response = try await client.post(path, body, token: admin, idempotencyKey: key)
                #expect(response.status.code >= 400, "\(path) \(body): \(response.status)")
                if !code.isEmpty { #expect(try response.json["code"] as? String == code, "\(path): \(String(buffer: response.body))") }
            }
            // A re-send of the first batch with its key is answered from the record, writing nothing.
            let resent = try await client.post(
                "/manufacturing/device/issue", ["operator": "packmaker", "devices": .array(devices)], token: admin, idempotencyKey: "batch-1")
            #expect(resent.status == .created)
            #expect(resent.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")
            #expect(Array(resent.body.readableBytesView) == Array(first.body.readableBytesView))

            let after = try databaseDump(setup.storeConfiguration)
            #expect(before == after, "the refusals changed the database: \(dumpDifference(before, after))")
        }
    }

    @Test("a 1,000-device batch stopped at each step is all or nothing; its re-send completes it once", arguments: testedStores)
    func batchStoppedAtEachStep(store: String) async throws {
        let faults = ArmedFaults()
        try await withInstances(1, storeKind: store, faults: faults) { setup in
            let client = setup.clients[0]
            let server = setup.servers[0]
            let admin = try await client.registerOperator("packmaker", admin: setup.adminToken)
            let keys = (0..<10).map { _ in SoftwareSigner.generate(.ed25519) }
            for (step, point) in [FaultPoint.provisionAllocated, .provisionSigned, .provisionCommitted].enumerated() {
                let lot = "LOT-\(step)"
                let devices: [JSONValue] = (0..<1_000).map { .object(PassportFixtures.device(serial: "\(lot)-\($0)", lot: lot, key: keys[$0 % 10])) }
                let body: JSONObject = ["operator": "packmaker", "devices": .array(devices)]
                let keysBefore = (try? await server.passports.tries.latest(operator: Self.operatorID).keyCount) ?? 0
                faults.arm(point)
                let stopped = try await client.post("/manufacturing/device/issue", body, token: admin, idempotencyKey: lot)
                let committed = point == .provisionCommitted
                // Stopped before the commit: an error. After it: the response the commit recorded.
                #expect(stopped.status == (committed ? .created : .internalServerError), "\(point)")
                let stored = try await server.store.devices(operator: Self.operatorID, matching: .lot(lot)).count
                let keysAfter = (try? await server.passports.tries.latest(operator: Self.operatorID).keyCount) ?? 0
                #expect(stored == (committed ? 1_000 : 0), "\(point)")
                #expect(keysAfter - keysBefore == (committed ? 1_000 : 0), "\(point)")
                #expect(try await commissioningEvents(client, serial: "\(lot)-0") == (committed ? 1 : 0), "\(point)")

                let resent = try await client.post("/manufacturing/device/issue", body, token: admin, idempotencyKey: lot)
                #expect(resent.status == .created, "\(point): \(String(buffer: resent.body))")
                #expect((resent.headers[HTTPField.Name("Idempotency-Replayed")!] == "true") == committed)
                #expect(try #require(try resent.json["devices"] as? [Any]).count == 1_000)
                #expect(try await server.store.devices(operator: Self.operatorID, matching: .lot(lot)).count == 1_000)
                #expect(try await server.passports.tries.latest(operator: Self.operatorID).keyCount - keysBefore == 1_000)
                #expect(try await commissioningEvents(client, serial: "\(lot)-0") == 1, "\(point)")
                #expect(try await commissioningEvents(client, serial: "\(lot)-999") == 1, "\(point)")
            }
        }
    }

    @Test("one batch sent with one key to two instances at once is provisioned once", arguments: testedStores)
    func sameKeyOnTwoInstancesAtOnce(store: String) async throws {
        try await withInstances(2, storeKind: store) { setup in
            let admin = try await setup.clients[0].registerOperator("packmaker", admin: setup.adminToken)
            let keys = (0..<10).map { _ in SoftwareSigner.generate(.ed25519) }
            let devices: [JSONValue] = (0..<100).map { .object(PassportFixtures.device(serial: "K-\($0)", lot: "LOT-K", key: keys[$0 % 10])) }
            let body: JSONObject = ["operator": "packmaker", "devices": .array(devices)]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for round in 0..<4 {
                    let client = setup.clients[round % 2]
                    group.addTask { try await client.post("/manufacturing/device/issue", body, token: admin, idempotencyKey: "batch-k").status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Each answer is the batch (first run or replay), or "still running" on the instance running it.
            #expect(statuses.allSatisfy { $0 == .created || $0 == .conflict }, "\(statuses)")
            #expect(statuses.contains(.created))
            #expect(try await setup.servers[1].store.devices(operator: Self.operatorID, matching: .lot("LOT-K")).count == 100)
            #expect(try await commissioningEvents(setup.clients[1], serial: "K-0") == 1)
        }
    }

    /// The number of EPCIS events about the battery with this serial.
    private func commissioningEvents(_ client: LoopbackClient, serial: String) async throws -> Int {
        let epc = "https://id.gs1.org/01/04012345000009/21/\(serial)"
        let response = try await client.execute(
            uri: "/epcis/events?epc=\(epc.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? epc)", method: .get)
        #expect(response.status == .ok)
        let body = try #require(try response.json["epcisBody"] as? [String: Any])
        let results = try #require(body["queryResults"] as? [String: Any])
        return ((results["resultsBody"] as? [String: Any])?["eventList"] as? [Any])?.count ?? -1
    }
}

/// Stops the write that next reaches the armed step, as a crash there would (the error unwinds it
/// before anything after that step runs).
final class ArmedFaults: FaultInjector {
    private let armed = Mutex<FaultPoint?>(nil)

    func arm(_ point: FaultPoint) { armed.withLock { $0 = point } }

    func reach(_ point: FaultPoint) async throws {
        let stop = armed.withLock { armed in
            guard armed == point else { return false }
            armed = nil
            return true
        }
        if stop { throw InjectedFault(point: point) }
    }

    struct InjectedFault: Error {
        let point: FaultPoint
    }
}
