import Cardano
import CardanoChain
import CardanoTestSupport
import Encoding
import Foundation
import Identity
import Ledger
import Passport
import Readings
import Server
import Storage
import Testing
import VectorSupport

/// The operator's batch on the Cardano ledger killed with SIGKILL (before the settlement, and after
/// it) and run again: the settlement reaches the chain once, so each reader's reward is paid once.
@Suite(.enabled(if: Vectors.shouldRun, "the vectors (the V3 cost model the emulator serves) are absent; fails under CI=true"))
struct CardanoIncorporationCrashTests {
    static let reward: UInt64 = 2_000_000
    static let battery = "https://id.gs1.org/01/04012345000009/21/C-1"

    @Test func aBatchKilledOnCardanoPaysEachRewardOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cardano-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = try PaymentKey(seed: Array(repeating: 91, count: 32))
        let keyFile = directory.appendingPathComponent("payment.skey")
        try Data(key.textEnvelope().utf8).write(to: keyFile)
        let emulator = ChainEmulator(
            genesis: [UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 5, count: 32)), index: 0),
                output: TransactionOutput(address: key.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 1_000_000_000)))],
            slot: 90_000_000)
        let data = directory.appendingPathComponent("data")
        let bms = try BMSEmulator.create(at: directory.appendingPathComponent("bms"), batteryID: Self.battery)
        let user = SoftwareSigner.generate(.ed25519)
        let reader = try EnterpriseAddress(credential: .keyHash(KeyHash(publicKey: user.publicKey).bytes), network: .testnet)

        try await emulator.serve { url in
            let ledger = LedgerChoice.cardano(CardanoSettings(chain: OgmiosClient(url: url), key: key, network: .testnet, networkName: "preprod"))
            let incorporate = [
                "reading", "incorporate", "--data", data.path, "--operator", "packmaker", "--cooldown-slots", "0",
                "--reward-per-reading", String(Self.reward), "--ledger", "cardano", "--ogmios", url, "--cardano-key", keyFile.path,
            ]
            try await withPreparedServer(data, ledger: ledger) { server in
                _ = try await server.passports.registerOperator(name: "packmaker", companyPrefixes: ["4012345"])
                let spec = DeviceSpec(
                    gtin: "04012345000009", serial: "C-1", model: "LFP-280Ah-Pack", chemistry: "LFP", ratedCapacityAh: 280,
                    manufacturingDate: "2026-11-30", publicKey: bms.publicKey, firmwareVersion: "1.0",
                    firmwareHash: [UInt8](repeating: 1, count: 32), bomHash: "sha256:" + String(repeating: "2a", count: 32))
                _ = try await server.passports.provision([spec], operator: try Self.operatorDID())
                _ = try await server.readings.fund(operator: try Self.operatorDID(), amount: 20 * Self.reward)
                for _ in 0..<3 { try await Self.submitReading(server, bms: bms, user: user) }
            }

            // Killed after the leaves are in the trie, before the settlement: nothing is paid yet.
            let killed = try await Self.run(incorporate, crashAt: "incorporate.after-trie")
            #expect(killed.killed, "\(killed.error)")
            #expect(try await OgmiosClient(url: url).utxos(at: [reader.bech32]).isEmpty)
            let rerun = try await Self.run(incorporate + ["--json"])
            #expect(rerun.status == 0 && rerun.output.contains("\"recovered\": true"), "\(rerun.error)")
            #expect(try await OgmiosClient(url: url).utxos(at: [reader.bech32]).map(\.output.value.coin) == [3 * Self.reward])

            // Killed after the settlement reached the chain: the next run pays nothing again.
            try await withPreparedServer(data, ledger: ledger) { server in try await Self.submitReading(server, bms: bms, user: user) }
            let afterSettle = try await Self.run(incorporate, crashAt: "incorporate.after-settle")
            #expect(afterSettle.killed, "\(afterSettle.error)")
            let accepted = await emulator.accepted.count
            let again = try await Self.run(incorporate + ["--json"])
            #expect(again.status == 0 && again.output.contains("\"incorporated\": 0"), "\(again.error)")
            #expect(await emulator.accepted.count == accepted)
            #expect(try await OgmiosClient(url: url).utxos(at: [reader.bech32]).map(\.output.value.coin).sorted() == [Self.reward, 3 * Self.reward])
            try await withPreparedServer(data, ledger: ledger) { (server: VoltpassServer) async throws in
                #expect(try await server.readings.ledger.balance(of: KeyHash(publicKey: user.publicKey)) == 4 * Self.reward)
                #expect(try await server.readings.ledger.pendingReadings(operator: try Self.operatorDID()).isEmpty)
            }
        }
    }

    /// `voltpass arguments…`, crashing at `step` when one is named.
    static func run(_ arguments: [String], crashAt step: String? = nil) async throws -> CLI.Result {
        try await CLI.run(arguments, environment: step.map { ["VOLTPASS_CRASH_AT": $0] } ?? [:])
    }

    static func operatorDID() throws -> String {
        try DIDWeb.did(forDocumentURL: URL(string: "https://localhost:8080/operators/packmaker/did.json")!)
    }

    static func submitReading(_ server: VoltpassServer, bms: BMSEmulator, user: SoftwareSigner) async throws {
        try await bms.cycle(3)
        let commitment = try await server.readings.commit(batteryID: battery, user: KeyHash(publicKey: user.publicKey))
        let reading = try await bms.read(challenge: commitment.challenge.bytes).encoded
        let signature = try await user.sign(SubmitterProof.submissionMessage(challenge: commitment.challenge.bytes, reading: reading))
        _ = try await server.readings.submit(reading, submitter: user.verificationKey, signature: signature)
    }
}
