import Cardano
import CardanoTestSupport
import Encoding
import Foundation
import Testing

/// `voltpass cardano` against the test-only chain emulator (Ogmios on loopback): a payment key, the
/// anchor minted with a first root, moved with the next, read back; bad input ends in status 1 or 2
/// with a message, never a transaction.
@Suite struct CardanoCLITests {
    /// `voltpass arguments…` (waited for off the cooperative threads, where the emulator answers).
    static func run(_ arguments: [String]) async throws -> CLI.Result { try await CLI.run(arguments) }

    @Test func mintMoveAndShowTheRootAnchor() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cardano-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("payment.skey").path
        let anchorFile = directory.appendingPathComponent("anchor.json").path

        let generated = try await Self.run(["cardano", "key", "generate", "--out", keyFile, "--json"])
        #expect(generated.status == 0, "\(generated.error)")
        let key = try PaymentKey(textEnvelope: Array(try #require(FileManager.default.contents(atPath: keyFile))))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(generated.output.utf8)) as? [String: Any])
        #expect(summary["keyHash"] as? String == Hex.encode(key.keyHash))
        #expect(summary["address"] as? String == key.enterpriseAddress(network: .testnet).bech32)
        #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int) == 0o600)

        let emulator = ChainEmulator(
            genesis: [UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 4, count: 32)), index: 0),
                output: TransactionOutput(address: key.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 10_000_000)))],
            slot: 120_000_000)
        let (first, second) = (String(repeating: "ab", count: 32), String(repeating: "cd", count: 32))
        try await emulator.serve { url in
            let chain = ["--ogmios", url, "--key", keyFile]
            let unlocked = try await Self.run(["cardano", "anchor", "mint"] + chain + ["--root", first, "--anchor", anchorFile, "--lock-after", "0"])
            #expect(unlocked.status == 2 && unlocked.error.contains("--lock-after"))
            let minted = try await Self.run(["cardano", "anchor", "mint"] + chain + ["--root", first, "--anchor", anchorFile, "--json"])
            #expect(minted.status == 0, "\(minted.error)")
            let txFile = directory.appendingPathComponent("move.cbor").path
            let moved = try await Self.run(
                ["cardano", "anchor", "move"] + chain + ["--root", second, "--anchor", anchorFile, "--tx-out", txFile, "--json"])
            #expect(moved.status == 0, "\(moved.error)")
            // Offline, from the transaction's bytes: the root it anchors, and its id for an indexer to confirm.
            let verified = try await Self.run(["cardano", "anchor", "verify", "--tx", txFile, "--anchor", anchorFile, "--root", second, "--json"])
            #expect(verified.status == 0, "\(verified.error)")
            let checked = try #require(try JSONSerialization.jsonObject(with: Data(verified.output.utf8)) as? [String: Any])
            #expect(checked["transaction"] as? String == (try JSONSerialization.jsonObject(with: Data(moved.output.utf8)) as? [String: Any])?["transaction"] as? String)
            let wrongRoot = try await Self.run(["cardano", "anchor", "verify", "--tx", txFile, "--anchor", anchorFile, "--root", first])
            #expect(wrongRoot.status == 1)
            let wrongOutput = try await Self.run(["cardano", "anchor", "verify", "--tx", txFile, "--anchor", anchorFile, "--output", "1"])
            #expect(wrongOutput.status == 1 && wrongOutput.error.contains("cardano_not_an_anchor"))
            #expect(await emulator.accepted.count == 2)
            // The same root again (a re-run after a crash): answered with the transaction that anchored it.
            let again = try await Self.run(["cardano", "anchor", "move"] + chain + ["--root", second, "--anchor", anchorFile, "--json"])
            #expect(again.status == 0, "\(again.error)")
            let original = try #require(try JSONSerialization.jsonObject(with: Data(moved.output.utf8)) as? [String: Any])
            let repeated = try #require(try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [String: Any])
            #expect(again.status == 0 && repeated["transaction"] as? String == original["transaction"] as? String)
            #expect(repeated["alreadyAnchored"] as? Bool == true && repeated["sequence"] as? Int == 1)
            #expect(await emulator.accepted.count == 2)
            let shown = try await Self.run(["cardano", "anchor", "show", "--ogmios", url, "--anchor", anchorFile, "--json"])
            #expect(shown.status == 0, "\(shown.error)")
            let state = try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any])
            #expect(state["root"] as? String == second)
            #expect(state["sequence"] as? Int == 1)

            // Bad input: a short root, a missing anchor file, a backend that does not answer.
            for arguments in [
                ["cardano", "anchor", "move"] + chain + ["--root", "abcd", "--anchor", anchorFile],
                ["cardano", "anchor", "move"] + chain + ["--root", second, "--anchor", directory.appendingPathComponent("none").path],
                ["cardano", "anchor", "show", "--ogmios", "http://127.0.0.1:9/", "--anchor", anchorFile],
            ] {
                let refused = try await Self.run(arguments)
                #expect(refused.status == 1 && refused.error.hasPrefix("error: "), "\(arguments): \(refused.error)")
            }
            #expect(await emulator.accepted.count == 2)
        }
    }
}

/// `voltpass serve --ledger cardano`: its options go together, and a chain that does not answer stops
/// the start with the code, never a service that would record nothing.
@Suite struct CardanoServeOptionsTests {
    @Test func optionsGoTogetherAndASilentChainStopsTheStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cardano-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("payment.skey")
        try Data(try PaymentKey(seed: Array(repeating: 5, count: 32)).textEnvelope().utf8).write(to: keyFile)
        let data = ["serve", "--data", directory.appendingPathComponent("data").path, "--port", String(try CLI.freePort())]

        let alone = try await CardanoCLITests.run(data + ["--ledger", "cardano", "--cardano-key", keyFile.path])
        #expect(alone.status == 2 && alone.error.contains("--ledger cardano needs --cardano-key and one of --ogmios or --blockfrost"), "\(alone.status) \(alone.error)")
        let stray = try await CardanoCLITests.run(data + ["--ogmios", "http://127.0.0.1:1"])
        #expect(stray.status == 2 && stray.error.contains("go with --ledger cardano"), "\(stray.status) \(stray.error)")
        let keyless = try await CardanoCLITests.run(data + ["--ledger", "cardano", "--blockfrost", "http://127.0.0.1:1/api/v0", "--cardano-key", keyFile.path])
        #expect(keyless.status == 2 && keyless.error.contains("VOLTPASS_BLOCKFROST_PROJECT_ID"), "\(keyless.status) \(keyless.error)")
        let garbled = directory.appendingPathComponent("garbled.skey")
        try Data("{\"type\": \"nonsense\"}".utf8).write(to: garbled)
        for (file, message) in [(garbled.path, "cardano_text_envelope_invalid"), (directory.appendingPathComponent("absent.skey").path, "cannot be read")] {
            let refused = try await CardanoCLITests.run(data + ["--ledger", "cardano", "--ogmios", "http://127.0.0.1:1", "--cardano-key", file])
            #expect(refused.status != 0 && refused.error.contains(message), "\(refused.status) \(refused.error)")
        }
        let silent = try await CardanoCLITests.run(data + ["--ledger", "cardano", "--ogmios", "http://127.0.0.1:1", "--cardano-key", keyFile.path])
        #expect(silent.status != 0 && silent.error.contains("chain_unreachable"), "\(silent.status) \(silent.error)")
    }
}
