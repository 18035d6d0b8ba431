import Foundation
import Identity
import Passport
import Server
import Storage

/// Battery passports on the embedded defaults (SQLite, local ledger): devices provisioned per second
/// in batches of 1,000 (Device and BOM credentials signed, one commissioning EPCIS credential, leaves
/// inserted in the trie, plate tokens signed, all stored), and one-scan verifications per second.
extension Suite {
    static let passport: [Suite] = [
        Suite(name: "passport.provision") { _ in
            try await PassportBenchFixtures.withService { service in
                _ = try await service.registerOperator(name: "bench")
                let batches = 10
                let specs = PassportBenchFixtures.specs(count: batches * 1_000)
                let operatorID = try await PassportBenchFixtures.operatorID(service)
                let start = ContinuousClock.now
                for batch in 0..<batches {
                    _ = try await service.provision(Array(specs[batch * 1_000..<(batch + 1) * 1_000]), operator: operatorID)
                }
                return Measurement(
                    operation: "provision devices, batches of 1,000 (credentials, EPCIS event, trie leaf, plate token, SQLite)",
                    count: specs.count, seconds: PassportBenchFixtures.seconds(since: start), bytesPerOperation: nil)
            }
        },
        Suite(name: "passport.verify") { seconds in
            try await PassportBenchFixtures.withService { service in
                _ = try await service.registerOperator(name: "bench")
                let operatorID = try await PassportBenchFixtures.operatorID(service)
                _ = try await service.provision(PassportBenchFixtures.specs(count: 1_000), operator: operatorID)
                try await service.anchor(operator: operatorID)
                var index = 0
                return try await measure("verify a battery by serial (bundle + every check), one task", minimumSeconds: seconds) {
                    index = (index + 1) % 1_000
                    return try await service.verify("S-\(index)").failures.count
                }
            }
        },
    ]
}

enum PassportBenchFixtures {
    static func withService<T: Sendable>(_ body: (PassportService) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = ServerConfiguration(dataDirectory: directory, anchorInterval: nil)
        return try await StoreConfiguration(dataDirectory: directory).withStore { store in
            let (server, _) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            return try await body(server.passports)
        }
    }

    static func operatorID(_ service: PassportService) async throws -> String {
        try DIDWeb.did(forDocumentURL: URL(string: "https://localhost:8080/operators/bench/did.json")!)
    }

    static func specs(count: Int) -> [DeviceSpec] {
        (0..<count).map { index in
            DeviceSpec(
                gtin: "04012345000009", serial: "S-\(index)", lot: "L-\(index / 100)", model: "LFP-280Ah-Pack", chemistry: "LFP",
                ratedCapacityAh: 280, manufacturingDate: "2026-11-30", publicKey: SoftwareSigner.generate(.ed25519).verificationKey,
                firmwareVersion: "1.4.2", firmwareHash: [UInt8](repeating: 0x0f, count: 32),
                bomHash: "sha256:" + String(repeating: "1e", count: 32), owner: index % 2 == 0 ? "did:web:integrator.example" : nil,
                warrantyMonths: 120)
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
