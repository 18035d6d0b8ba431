import Cardano
import CardanoChain
import CardanoTestSupport
import Encoding
import Foundation
import Testing
import Trie
import VectorSupport

/// The batch anchor through the Ogmios client and the test-only emulator: the operator mints its
/// one-shot root token with the first root, then moves it once per batch, whatever the batch's size;
/// each anchoring transaction, read from its bytes, says which root it anchors, and only the
/// operator's own token counts.
@Suite struct RootAnchorTests {
    @Test(.enabled(if: AikenEvaluation.available || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func oneTransactionPerBatchWhateverItsSize() async throws {
        let owner = try PaymentKey(seed: Array(repeating: 51, count: 32))
        let address = owner.enterpriseAddress(network: .testnet)
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 9, count: 32)), index: 0),
            output: TransactionOutput(address: address.bytes, value: Value(coin: 10_000_000)))
        let start: UInt64 = 120_000_000
        let emulator = ChainEmulator(genesis: [funding], slot: start)
        let anchor = try RootAnchor(owner: owner.keyHash, lockSlot: start + 100)

        // Two batches: 1,000 passports, then 500 of them changed.
        let trie = try await MerkleTrie()
        _ = try await trie.apply((0..<1_000).map { TrieMutation.insert(key: Array("battery-\($0)".utf8), value: [1]) })
        let first = await trie.root.bytes
        _ = try await trie.apply((0..<500).map { TrieMutation.update(key: Array("battery-\($0)".utf8), value: [2]) })
        let second = await trie.root.bytes

        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            let fees = try await chain.protocolParameters().fees

            // Unsigned by the owner, the mint is refused; signed, it is accepted.
            let mint = try anchor.mint(
                root: first, funding: [funding], address: address.bytes, lockedLovelace: 2_000_000, change: address.bytes,
                validUntil: start + 50, fees: fees, network: .testnet)
            let stranger = try PaymentKey(seed: Array(repeating: 52, count: 32))
            await #expect { try await chain.submit(try Self.signed(mint, by: stranger)) } throws: { ($0 as? ChainError)?.backendCode == 3100 }
            let minted = try Self.signed(mint, by: owner)
            #expect(try await chain.submit(minted) == minted.id)
            #expect(try anchor.anchored(in: minted, outputIndex: 0) == (try RootAnchor.State(root: first, sequence: 0)))

            // The next batch: one ordinary transaction moving the token.
            let current = try #require(try await chain.utxos(at: [address.bech32]).first { (try? anchor.anchored(in: $0.output)) != nil })
            let moved = try Self.signed(try anchor.move(from: current, to: second, change: address.bytes, fees: fees), by: owner)
            #expect(moved.body.inputs.count == 1 && moved.body.mint == nil)
            print("root anchor move: \(moved.cborBytes.count) bytes signed, fee \(moved.body.fee) lovelace")
            #expect(try await chain.submit(moved) == moved.id)
            #expect(try anchor.anchored(in: moved, outputIndex: 0) == (try RootAnchor.State(root: second, sequence: 1)))
            let onChain = try await chain.utxos(at: [address.bech32]).compactMap { try? anchor.anchored(in: $0.output) }
            #expect(onChain == [try RootAnchor.State(root: second, sequence: 1)])

            // Another key's token of the same name is not this operator's anchor; the policy is locked after its slot.
            let impostor = try RootAnchor(owner: stranger.keyHash, lockSlot: start + 100)
            #expect { try impostor.anchored(in: moved, outputIndex: 0) } throws: { ($0 as? CardanoError)?.code == "cardano_not_an_anchor" }
            #expect { try anchor.anchored(in: moved, outputIndex: 1) } throws: { ($0 as? CardanoError)?.code == "cardano_not_an_anchor" }
            #expect(throws: CardanoError.self) {
                try anchor.mint(
                    root: first, funding: [funding], address: address.bytes, lockedLovelace: 2_000_000, change: address.bytes,
                    validUntil: start + 101, fees: fees, network: .testnet)
            }
        }
    }

    static func signed(_ tx: Transaction, by key: PaymentKey) throws -> Transaction {
        var witnesses = tx.witnessSet
        witnesses.vkeyWitnesses = [try key.witness(for: tx.id)]
        return try Transaction(bodyBytes: tx.bodyBytes, witnessSet: witnesses)
    }
}
