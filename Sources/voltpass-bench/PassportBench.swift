import Foundation
import Identity
import Ledger
import Passport
import Readings
import Server
import Storage

/// Battery passports on the embedded defaults (SQLite, local ledger): devices provisioned per second
/// in batches of 1,000 (Device and BOM credentials signed, one commissioning EPCIS credential, leaves
/// inserted in the trie, plate tokens signed, all stored), and one-scan verifications per second.
extension Suite {
    static let passport: [Suite] = [
        Suite(name: "passport.provision") { _ in
            try await PassportBenchFixtures.provisioning(on: .sqlite)
        },
        Suite(name: "passport.update.handoff") { _ in
            try await PassportBenchFixtures.concurrentUpdates(.handOff, on: .sqlite)
        },
        Suite(name: "passport.update.firmware") { _ in
            try await PassportBenchFixtures.concurrentUpdates(.firmware, on: .sqlite)
        },
        Suite(name: "readings.incorporate-100k") { _ in
            try await PassportBenchFixtures.withServer { server in
                _ = try await server.passports.registerOperator(name: "bench", companyPrefixes: ["4012345"])
                let operatorID = try PassportBenchFixtures.operatorID()
                let batteries = 10_000
                let signers = (0..<batteries).map { _ in SoftwareSigner.generate(.ed25519) }
                let specs = PassportBenchFixtures.specs(keys: signers.map(\.verificationKey))
                for batch in 0..<(batteries / 1_000) {
                    _ = try await server.passports.provision(Array(specs[batch * 1_000..<(batch + 1) * 1_000]), operator: operatorID)
                }
                _ = try await server.readings.fund(operator: operatorID, amount: 10_000_000_000_000)
                let user = SoftwareSigner.generate(.ed25519)
                let userHash = KeyHash(publicKey: user.publicKey)
                let ids = specs.map { "https://id.gs1.org/01/\($0.gtin)/21/\($0.serial)" }
                let ledger = server.readings.ledger
                for round in 1...10 {
                    let commits = ids.enumerated().map { index, id in
                        LedgerTransaction.commit(batteryID: id, userKeyHash: userHash, nonce: [UInt8(round)] + withUnsafeBytes(of: index, Array.init))
                    }
                    let receipts = try await ledger.submit(batch: commits)
                    var submissions: [LedgerTransaction] = []
                    for (index, receipt) in receipts.enumerated() {
                        let state = PassportBenchFixtures.state(round: round)
                        let reading = Reading(batteryID: ids[index], challenge: receipt.hash.bytes, counter: UInt64(round), state: state)
                        let bytes = try await SignedReading.sign(reading, signer: signers[index]).encoded
                        submissions.append(.submitReading(ReadingSubmission(
                            commitment: receipt.hash, challenge: receipt.hash, batteryID: ids[index], submitter: userHash,
                            operatorID: operatorID, reading: bytes)))
                    }
                    _ = try await ledger.submit(batch: submissions)
                }
                let start = ContinuousClock.now
                let summary = try await server.readings.incorporate(operator: operatorID)
                let seconds = PassportBenchFixtures.seconds(since: start)
                guard summary.incorporated == batteries * 10 else {
                    throw PassportError("bench_failed", "incorporated \(summary.incorporated), rejected \(summary.rejected): \(summary.outcomes.prefix(3))")
                }
                return Measurement(
                    operation: "incorporate 100,000 pending readings (10,000 batteries × 10): gates, leaves, root, rewards, settlement",
                    count: summary.incorporated, seconds: seconds, bytesPerOperation: nil)
            }
        },
        Suite(name: "passport.verify") { seconds in
            try await PassportBenchFixtures.withServer { server in
                let service = server.passports
                _ = try await service.registerOperator(name: "bench", companyPrefixes: ["4012345"])
                let operatorID = try PassportBenchFixtures.operatorID()
                _ = try await service.provision(PassportBenchFixtures.specs(count: 1_000), operator: operatorID)
                try await service.anchor(operator: operatorID)
                var index = 0
                return try await measure("verify a battery by serial (bundle + every check), one task", minimumSeconds: seconds) {
                    index = (index + 1) % 1_000
                    return try await service.verify("S-\(index)").failures.count
                }
            }
        },
    ] + (PassportBenchFixtures.postgresURL.map { url in
        [
            Suite(name: "passport.postgres.provision") { _ in try await PassportBenchFixtures.provisioning(on: .postgres(url)) },
            Suite(name: "passport.postgres.update.handoff") { _ in try await PassportBenchFixtures.concurrentUpdates(.handOff, on: .postgres(url)) },
            Suite(name: "passport.postgres.update.firmware") { _ in try await PassportBenchFixtures.concurrentUpdates(.firmware, on: .postgres(url)) },
        ]
    } ?? [])
}

enum PassportBenchFixtures {
    /// PostgreSQL for the `passport.postgres.*` suites (skipped without it), in a scratch schema dropped afterwards.
    static let postgresURL = ProcessInfo.processInfo.environment["VOLTPASS_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    enum Backend {
        case sqlite
        case postgres(String)

        var name: String {
            switch self {
            case .sqlite: "SQLite"
            case .postgres: "PostgreSQL"
            }
        }
    }

    /// 10 batches of 1,000 devices, one after another: each batch's credentials, EPCIS event, leaves,
    /// plate tokens and records committed in one transaction.
    static func provisioning(on backend: Backend) async throws -> Measurement {
        try await withServer(on: backend) { server in
            let service = server.passports
            _ = try await service.registerOperator(name: "bench", companyPrefixes: ["4012345"])
            let batches = 10
            let specs = specs(count: batches * 1_000)
            let operatorID = try operatorID()
            let start = ContinuousClock.now
            for batch in 0..<batches {
                _ = try await service.provision(Array(specs[batch * 1_000..<(batch + 1) * 1_000]), operator: operatorID)
            }
            return Measurement(
                operation: "provision devices, batches of 1,000 (credentials, EPCIS event, trie leaf, plate token, \(backend.name), one transaction each)",
                count: specs.count, seconds: seconds(since: start), bytesPerOperation: nil)
        }
    }

    /// A single-battery write.
    enum Update: String {
        case handOff = "hand-off"
        case firmware = "firmware update"
    }

    /// Single-battery writes from 4 concurrent clients on one operator's 1,000 batteries, each one
    /// transaction serialized by the operator's writer: a hand-off (credential signed, status entry,
    /// previous owner revoked, record, feed, leaf and root) or a firmware update (feed, leaf and root).
    static func concurrentUpdates(_ update: Update, on backend: Backend) async throws -> Measurement {
        try await withServer(on: backend) { server in
            let service = server.passports
            _ = try await service.registerOperator(name: "bench", companyPrefixes: ["4012345"])
            let operatorID = try operatorID()
            _ = try await service.provision(specs(count: 1_000), operator: operatorID)
            let clients = 4
            let perClient = 500
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        for step in 0..<perClient {
                            let batteryID = "https://id.gs1.org/01/04012345000009/21/S-\((client * 250 + step * 7) % 1_000)"
                            switch update {
                            case .handOff:
                                _ = try await service.transferOwnership(of: batteryID, to: "did:web:owner-\(client)-\(step).example")
                            case .firmware:
                                let firmware = BatteryLeaf.Firmware(version: "2.\(client).\(step)", hash: [UInt8](repeating: 7, count: 32))
                                try await service.change(batteryID, by: .operator(operatorID), .updateFirmware(firmware), feed: .firmware)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            return Measurement(
                operation: "single-battery \(update.rawValue)s, 4 concurrent clients on one operator (\(backend.name), one transaction each)",
                count: clients * perClient, seconds: seconds(since: start), bytesPerOperation: nil)
        }
    }

    static func withServer<T: Sendable>(on backend: Backend = .sqlite, _ body: (VoltpassServer) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = ServerConfiguration(dataDirectory: directory, anchorInterval: nil)
        let storeConfiguration: StoreConfiguration
        switch backend {
        case .sqlite:
            storeConfiguration = StoreConfiguration(dataDirectory: directory)
        case .postgres(let url):
            configuration.postgresURL = url
            storeConfiguration = .postgres(url: url, schema: "voltpass_bench_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_"))")
        }
        return try await storeConfiguration.withStore { store in
            let (server, _) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            let result: T
            do {
                result = try await body(server)
            } catch {
                await server.close()
                try? await (store as? PostgresStore)?.dropSchema()
                throw error
            }
            await server.close()
            try await (store as? PostgresStore)?.dropSchema()
            return result
        }
    }

    static func operatorID() throws -> String {
        try DIDWeb.did(forDocumentURL: URL(string: "https://localhost:8080/operators/bench/did.json")!)
    }

    static func specs(count: Int) -> [DeviceSpec] {
        specs(keys: (0..<count).map { _ in SoftwareSigner.generate(.ed25519).verificationKey })
    }

    static func specs(keys: [PublicKey]) -> [DeviceSpec] {
        keys.enumerated().map { index, key in
            DeviceSpec(
                gtin: "04012345000009", serial: "S-\(index)", lot: "L-\(index / 100)", model: "LFP-280Ah-Pack", chemistry: "LFP",
                ratedCapacityAh: 280, manufacturingDate: "2026-11-30", publicKey: key,
                firmwareVersion: "1.4.2", firmwareHash: [UInt8](repeating: 0x0f, count: 32),
                bomHash: "sha256:" + String(repeating: "1e", count: 32), owner: index % 2 == 0 ? "did:web:integrator.example" : nil,
                warrantyMonths: 120)
        }
    }

    /// A plausible state for the `round`-th reading of a pack: ageing, cycling.
    static func state(round: Int) -> BatteryState {
        let soh = 1_000 - round
        return BatteryState(
            stateOfHealthPerMille: soh, stateOfChargePerMille: 700, cycleCount: 10 * round, capacityMilliampereHours: 280_000 * soh / 1_000,
            nominalCapacityMilliampereHours: 280_000, voltageMillivolts: 51_200, currentMilliamperes: 0,
            minimumTemperatureCentidegrees: 2_100, maximumTemperatureCentidegrees: 2_400, energyThroughputWattHours: 14_000 * round)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
