import Encoding
import Foundation
import Identity
import Ledger
import Passport
import Readings
import Server
import Storage
import Testing

/// The operator's batch killed mid-way (SIGKILL, between the trie write and the ledger settlement,
/// and after the settlement) and run again: no submitted reading is lost, none is paid twice, and
/// the anchored root is the trie's.
@Suite struct IncorporationCrashTests {
    static let reward: UInt64 = 1_000_000

    @Test func aBatchKilledAtEachPointIsFinishedOnceByTheNextRun() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bms = try BMSEmulator.create(
            at: directory.appendingPathComponent("bms"), batteryID: "https://id.gs1.org/01/04012345000009/21/C-1")
        let user = SoftwareSigner.generate(.ed25519)
        let userHash = KeyHash(publicKey: user.publicKey)

        try await withPreparedServer(directory) { server in
            _ = try await server.passports.registerOperator(name: "packmaker", companyPrefixes: ["4012345"])
            let operatorID = try operatorDID()
            let spec = DeviceSpec(
                gtin: "04012345000009", serial: "C-1", model: "LFP-280Ah-Pack", chemistry: "LFP", ratedCapacityAh: 280,
                manufacturingDate: "2026-11-30", publicKey: bms.publicKey, firmwareVersion: "1.0",
                firmwareHash: [UInt8](repeating: 1, count: 32), bomHash: "sha256:" + String(repeating: "2a", count: 32))
            _ = try await server.passports.provision([spec], operator: operatorID)
            _ = try await server.readings.fund(operator: operatorID, amount: 10 * Self.reward)
            for _ in 0..<3 { try await submitReading(server, bms: bms, user: user) }
        }

        // Killed after the leaves are in the trie, before the settlement.
        let killed = try await CLI.run(incorporate(directory), environment: ["VOLTPASS_CRASH_AT": "incorporate.after-trie"])
        #expect(killed.killed && killed.status == SIGKILL, "\(killed.error)")
        try await withPreparedServer(directory) { server in
            let operatorID = try operatorDID()
            #expect(try await server.readings.ledger.pendingReadings(operator: operatorID).count == 3)
            #expect(try await server.readings.ledger.balance(of: userHash) == 0)
        }
        let rerun = try await CLI.run(incorporate(directory) + ["--json"])
        #expect(rerun.status == 0, "\(rerun.error)")
        #expect(rerun.output.contains("\"recovered\": true"))
        try await withPreparedServer(directory) { server in
            let operatorID = try operatorDID()
            #expect(try await server.readings.ledger.pendingReadings(operator: operatorID).isEmpty)
            #expect(try await server.readings.ledger.balance(of: userHash) == 3 * Self.reward)
            let anchored = try await server.readings.ledger.currentAnchor(operator: operatorID)?.root
            #expect(anchored == (try await server.passports.tries.latest(operator: operatorID).root))
            try await submitReading(server, bms: bms, user: user)
        }

        // Killed after the settlement, before the plan is cleared: the next run pays nothing again.
        let afterSettle = try await CLI.run(incorporate(directory), environment: ["VOLTPASS_CRASH_AT": "incorporate.after-settle"])
        #expect(afterSettle.killed, "\(afterSettle.error)")
        let again = try await CLI.run(incorporate(directory) + ["--json"])
        #expect(again.status == 0, "\(again.error)")
        #expect(again.output.contains("\"incorporated\": 0"))
        try await withPreparedServer(directory) { server in
            let operatorID = try operatorDID()
            #expect(try await server.readings.ledger.balance(of: userHash) == 4 * Self.reward)
            #expect(try await server.readings.ledger.rewardPool(operator: operatorID) == 6 * Self.reward)
            let history = try await server.readings.ledger.readings(battery: "https://id.gs1.org/01/04012345000009/21/C-1")
            #expect(history.count == 4)
            #expect(history.allSatisfy { if case .incorporated = $0.status { true } else { false } })
        }
    }

    private func incorporate(_ directory: URL) -> [String] {
        ["reading", "incorporate", "--data", directory.path, "--operator", "packmaker", "--cooldown-slots", "0"]
    }

    private func operatorDID() throws -> String {
        try DIDWeb.did(forDocumentURL: URL(string: "https://localhost:8080/operators/packmaker/did.json")!)
    }

    private func submitReading(_ server: VoltpassServer, bms: BMSEmulator, user: SoftwareSigner) async throws {
        try await bms.cycle(3)
        let commitment = try await server.readings.commit(
            batteryID: "https://id.gs1.org/01/04012345000009/21/C-1", user: KeyHash(publicKey: user.publicKey))
        let reading = try await bms.read(challenge: commitment.challenge.bytes).encoded
        let signature = try await user.sign(SubmitterProof.submissionMessage(challenge: commitment.challenge.bytes, reading: reading))
        _ = try await server.readings.submit(reading, submitter: user.verificationKey, signature: signature)
    }
}
