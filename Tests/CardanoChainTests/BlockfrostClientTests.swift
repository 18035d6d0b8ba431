import Cardano
import CardanoChain
import CardanoTestSupport
import Foundation
import Testing
import VectorSupport

/// The Blockfrost client against the emulator's Blockfrost API: prices read exactly from decimal
/// numbers, UTxOs by address over pages and by reference (spent ones left out), submission
/// idempotent by id, and a wrong project key or a refusal reported with its code.
@Suite(.enabled(if: Vectors.shouldRun, "the vectors (the V3 cost model the emulator serves) are absent; fails under CI=true"))
struct BlockfrostClientTests {
    @Test func readsParametersAndUTxOsAndSubmitsOnce() async throws {
        let key = try PaymentKey(seed: Array(repeating: 33, count: 32))
        let address = key.enterpriseAddress(network: .testnet)
        // 150 outputs at one address: two pages.
        let genesis = try (0..<150).map { index in
            UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 1, count: 32)), index: UInt16(index)),
                output: TransactionOutput(address: address.bytes, value: Value(coin: 2_000_000 + UInt64(index))))
        }
        let emulator = ChainEmulator(genesis: genesis, slot: 90_000_000)
        try await emulator.serve { url in
            let chain = BlockfrostClient(baseURL: url + "api/v0", projectID: ChainEmulator.blockfrostProject)
            #expect(try await chain.tipSlot() == 90_000_000)
            let (fees, costModels) = try await chain.protocolParameters()
            #expect(fees == FeeParameters.conway)
            #expect(costModels[.v3]?.count == 297)
            let all = try await chain.utxos(at: [address.bech32])
            #expect(all.count == 150 && Set(all.map(\.input)) == Set(genesis.map(\.input)))
            #expect(try await chain.utxos(at: [try PaymentKey(seed: Array(repeating: 34, count: 32)).enterpriseAddress(network: .testnet).bech32]).isEmpty)

            let spend = try TransactionBalancer.balance(
                spending: Array(genesis.prefix(2)), paying: [], changeTo: address.bytes, fees: fees)
            var witnesses = spend.witnessSet
            witnesses.vkeyWitnesses = [try key.witness(for: spend.id)]
            let signed = try Transaction(bodyBytes: spend.bodyBytes, witnessSet: witnesses)
            #expect(try await chain.submit(signed) == signed.id)
            // Sent again (after a crash): answered with its id, not taken twice.
            #expect(try await chain.submit(signed) == signed.id)
            #expect(await emulator.accepted == [signed.id])
            // By reference: the spent inputs are gone, the new output is there.
            let found = try await chain.utxos(genesis.prefix(3).map(\.input) + [TransactionInput(transactionID: signed.id, index: 0)])
            #expect(Set(found.map(\.input)) == [genesis[2].input, TransactionInput(transactionID: signed.id, index: 0)])

            // A transaction spending what is gone is refused with Blockfrost's status.
            let late = try TransactionBalancer.balance(spending: [genesis[0]], paying: [], changeTo: address.bytes, fees: fees)
            var lateWitnesses = late.witnessSet
            lateWitnesses.vkeyWitnesses = [try key.witness(for: late.id)]
            await #expect { try await chain.submit(try Transaction(bodyBytes: late.bodyBytes, witnessSet: lateWitnesses)) } throws: {
                ($0 as? ChainError)?.kind == .rejected && ($0 as? ChainError)?.backendCode == 400
            }
            let stranger = BlockfrostClient(baseURL: url + "api/v0", projectID: "wrong")
            await #expect { try await stranger.tipSlot() } throws: { ($0 as? ChainError)?.backendCode == 403 }
        }
    }
}
