import Encoding
import Foundation
import Identity
import Passport
import Storage
import Testing
import Trie
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `voltpass serve` killed with SIGKILL at moments spread over a 1,000-device batch: after a
/// restart the batch is all there or not there at all (devices, trie leaves, commissioning event),
/// and its re-send with the same `Idempotency-Key` completes it with exactly one commissioning event.
@Suite struct ProvisioningKillTests {
    /// Milliseconds after the request was sent at which the server is killed.
    static let killDelays = [30, 600, 1_800, 3_000, 3_800, 4_600, 6_000]

    @Test func aBatchKilledAtAnyMomentIsAllOrNothingAndItsResendCompletesItOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try CLI.freePort()
        var admin: String?
        var operatorID = ""
        let keys = (0..<10).map { _ in SoftwareSigner.generate(.ed25519) }
        var provisioned = 0

        for (trial, delay) in Self.killDelays.enumerated() {
            let lot = "LOT-K\(trial)"
            let body = Self.batch(lot: lot, keys: keys)
            let server = try ServeProcess(dataDirectory: directory, port: port)
            try await server.waitUntilListening()
            if admin == nil {
                let adminToken = try #require(server.output.firstMatch(of: /vpt_[A-Za-z0-9_-]+/).map { String($0.output) })
                let registered = try await server.request(
                    "POST", "/operators", body: #"{"name":"packmaker","companyPrefixes":["4012345"]}"#, token: adminToken)
                operatorID = try #require(registered.body["id"] as? String)
                let created = try await server.request(
                    "POST", "/admin/tokens", body: #"{"role":"issuer","operators":["packmaker"]}"#, token: adminToken)
                admin = try #require(created.body["token"] as? String)
            }
            let token = try #require(admin)
            let request = Task { try? await Self.send(body, port: port, token: token, key: lot) }
            try await Task.sleep(for: .milliseconds(delay))
            let status = try await server.stop(signal: SIGKILL)
            #expect(status == SIGKILL || status == 0)
            _ = await request.value

            // All or nothing, read from the database while no server runs.
            let (devices, leaves) = try await Self.state(directory, operatorID: operatorID, lot: lot)
            print("kill after \(delay) ms: \(devices) devices")
            #expect(devices == 0 || devices == 1_000, "trial \(trial): \(devices) devices")
            #expect(leaves == provisioned + devices, "trial \(trial): \(leaves) leaves for \(provisioned + devices) devices")

            let restarted = try ServeProcess(dataDirectory: directory, port: port)
            try await restarted.waitUntilListening()
            let events = try await Self.commissioningEvents(port: port, serial: "\(lot)-0")
            #expect(events == (devices == 0 ? 0 : 1), "trial \(trial)")
            let resent = try await Self.send(body, port: port, token: token, key: lot)
            #expect(resent == 201, "trial \(trial)")
            #expect(try await Self.commissioningEvents(port: port, serial: "\(lot)-0") == 1, "trial \(trial)")
            #expect(try await Self.commissioningEvents(port: port, serial: "\(lot)-999") == 1, "trial \(trial)")
            _ = try await restarted.stop(signal: SIGTERM)
            provisioned += 1_000
            let (finalDevices, finalLeaves) = try await Self.state(directory, operatorID: operatorID, lot: lot)
            #expect(finalDevices == 1_000 && finalLeaves == provisioned, "trial \(trial)")
        }
    }

    /// A provisioning request for `count` packs of `lot`, serials `<lot>-0` on, keys taken in turn.
    static func batch(lot: String, keys: [SoftwareSigner], count: Int = 1_000) -> [UInt8] {
        let devices: [JSONValue] = (0..<count).map { index in
            [
                "gtin": "04012345000009", "serial": .string("\(lot)-\(index)"), "lot": .string(lot), "model": "LFP-280Ah-Pack",
                "chemistry": "LFP", "ratedCapacityAh": 280, "manufacturingDate": "2026-11-30",
                "publicKeyMultibase": .string(keys[index % keys.count].verificationKey.multikey),
                "firmware": ["version": "1.0", "sha256": .string(String(repeating: "0f", count: 32))],
                "bom": ["hash": .string("sha256:" + String(repeating: "1e", count: 32)), "components": []],
            ]
        }
        return JSONValue.object(["operator": "packmaker", "devices": .array(devices)]).serialized()
    }

    /// POSTs the batch with its idempotency key; returns the status.
    static func send(_ body: [UInt8], port: Int, token: String, key: String) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/manufacturing/device/issue")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.timeoutInterval = 120
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(key, forHTTPHeaderField: "Idempotency-Key")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// The lot's devices and the operator's trie keys, in the data directory's database.
    static func state(_ directory: URL, operatorID: String, lot: String) async throws -> (devices: Int, leaves: Int) {
        try await StoreConfiguration(dataDirectory: directory).withStore { store in
            let devices = try await store.devices(operator: operatorID, matching: .lot(lot)).count
            let leaves = try await store.operatorTries.history(operator: operatorID, limit: 1).first?.keyCount ?? 0
            return (devices, leaves)
        }
    }

    /// The number of EPCIS events about the battery with this serial.
    static func commissioningEvents(port: Int, serial: String) async throws -> Int {
        let epc = "https://id.gs1.org/01/04012345000009/21/\(serial)"
        let query = epc.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? epc
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/epcis/events?epc=\(query)")!)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let results = (json?["epcisBody"] as? [String: Any])?["queryResults"] as? [String: Any]
        return ((results?["resultsBody"] as? [String: Any])?["eventList"] as? [Any])?.count ?? -1
    }
}
