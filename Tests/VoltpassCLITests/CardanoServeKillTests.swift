import Cardano
import CardanoChain
import CardanoTestSupport
import Encoding
import Foundation
import Identity
import Ledger
import Testing
import Trie
import VectorSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `voltpass serve --ledger cardano` killed with SIGKILL while commitments and anchors are being
/// submitted to the chain (the test-only emulator): after each kill the journal and the chain agree —
/// every transaction the chain took is in the journal in the same order, none was submitted twice,
/// nothing the journal holds is missing from the chain — and the anchor the chain holds is the one
/// the service records.
@Suite(.enabled(if: Vectors.shouldRun, "the vectors (the V3 cost model the emulator serves) are absent; fails under CI=true"))
struct CardanoServeKillTests {
    static let killDelays = [120, 250, 400, 600]

    @Test func killedWhileSubmittingTheJournalAndTheChainAgree() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cardano-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = try PaymentKey(seed: Array(repeating: 81, count: 32))
        let keyFile = directory.appendingPathComponent("payment.skey")
        try Data(key.textEnvelope().utf8).write(to: keyFile)
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 4, count: 32)), index: 0),
            output: TransactionOutput(address: key.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 10_000_000_000)))
        let emulator = ChainEmulator(genesis: [funding], slot: 90_000_000)
        let data = directory.appendingPathComponent("data")
        let bms = SoftwareSigner.generate(.ed25519)

        try await emulator.serve { url in
            let port = try CLI.freePort()
            let options = [
                "--ledger", "cardano", "--ogmios", url, "--network", "preprod", "--cardano-key", keyFile.path, "--anchor-interval", "1",
                "--public-write-rate", "100000", "--public-write-burst", "100000",
            ]
            var issuer = ""
            for (trial, delay) in Self.killDelays.enumerated() {
                let server = try ServeProcess(dataDirectory: data, port: port, options: options)
                try await server.waitUntilListening()
                if issuer.isEmpty {
                    let admin = try #require(server.output.firstMatch(of: /vpt_[A-Za-z0-9_-]+/).map { String($0.output) })
                    _ = try await server.request("POST", "/operators", body: #"{"name":"packmaker","companyPrefixes":["4012345"]}"#, token: admin)
                    let created = try await server.request("POST", "/admin/tokens", body: #"{"role":"issuer","operators":["packmaker"]}"#, token: admin)
                    issuer = try #require(created.body["token"] as? String)
                }
                // Each trial provisions a battery (the trie moves: the cadence anchors it) and commits to reading it, many at once.
                let body = ProvisioningKillTests.batch(lot: "LOT-C\(trial)", keys: [bms], count: 1)
                #expect(try await ProvisioningKillTests.send(body, port: port, token: issuer, key: "C\(trial)") == 201)
                let user = SoftwareSigner.generate(.ed25519).verificationKey.multikey
                let load = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for _ in 0..<40 {
                            group.addTask {
                                _ = try? await server.request(
                                    "POST", "/readings/commitments", body: #"{"battery":"LOT-C\#(trial)-0","user":"\#(user)"}"#)
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(delay))
                #expect(try await server.stop(signal: SIGKILL) == SIGKILL)
                _ = await load.value

                // Opened while no server runs, the journal settles what the kill left in doubt.
                let beforeOpening = await emulator.accepted.count
                let ledger = try await CardanoLedger(
                    directory: CardanoLedger.directory(inData: data), chain: OgmiosClient(url: url), key: key, network: .testnet)
                let accepted = await emulator.accepted
                let tip = await ledger.tip()
                print("kill after \(delay) ms: \(accepted.count) transactions on chain, \(accepted.count - beforeOpening) submitted again on opening")
                #expect(tip.count == accepted.count, "trial \(trial): the journal holds \(tip.count), the chain took \(accepted.count)")
                #expect(tip.hash.bytes == (accepted.last?.bytes ?? Hash32.null.bytes), "trial \(trial)")
                #expect(Set(accepted).count == accepted.count)
                let operatorID = try DIDWeb.did(forDocumentURL: URL(string: "https://localhost:\(port)/operators/packmaker/did.json")!)
                let recorded = await ledger.currentAnchor(operator: operatorID)?.root
                #expect(try await ledger.anchorOnChain(operator: operatorID)?.root == recorded, "trial \(trial)")
                await ledger.close()
            }
        }
    }
}
