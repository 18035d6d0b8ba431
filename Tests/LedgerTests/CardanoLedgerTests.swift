import Cardano
import CardanoChain
import CardanoTestSupport
import Encoding
import Foundation
import Synchronization
import Testing
import Trie
import VectorSupport

@testable import Ledger

/// The ledger on Cardano against the test-only chain emulator (Ogmios JSON-RPC on loopback): every
/// ledger transaction is a Cardano transaction the emulator checks (witnesses, native scripts,
/// validity interval, value, double spends), the reward reaches the reader's address, the chain
/// itself refuses a stale commitment, and a submission cut off by a crash or a silent backend is
/// neither lost nor made twice.
@Suite(.enabled(if: Vectors.shouldRun, "the vectors (the V3 cost model the emulator serves) are absent; fails under CI=true"))
struct CardanoLedgerTests {
    static let service = try! PaymentKey(seed: Array(repeating: 61, count: 32))
    static let start: UInt64 = 90_000_000

    /// An emulator whose only output is 100 ada at the service's address.
    static func emulator() throws -> ChainEmulator {
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 7, count: 32)), index: 0),
            output: TransactionOutput(address: service.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 100_000_000)))
        return ChainEmulator(genesis: [funding], slot: start)
    }

    /// The emulator's chain through Ogmios's JSON-RPC or Blockfrost's REST API.
    static func backend(_ kind: String, _ url: String) -> any ChainBackend {
        kind == "blockfrost"
            ? BlockfrostClient(baseURL: url + "api/v0", projectID: ChainEmulator.blockfrostProject) : OgmiosClient(url: url)
    }

    static func open(_ directory: URL, _ chain: any ChainBackend) async throws -> CardanoLedger {
        try await CardanoLedger(directory: directory, chain: chain, key: service, network: .testnet, parameters: LedgerParameters(maxAgeSlots: 200))
    }

    @Test(arguments: ["ogmios", "blockfrost"])
    func theReadingsProtocolRunsOnChain(through backend: String) async throws {
        let temp = TemporaryLedger()
        let emulator = try Self.emulator()
        try await emulator.serve { url in
            let chain = Self.backend(backend, url)
            let ledger = try await Self.open(temp.directory, chain)

            // The first anchor mints the operator's token; its hash is the Cardano transaction id.
            let anchored = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
            #expect(await emulator.accepted.map(\.bytes) == [anchored.hash.bytes])
            #expect(anchored.slot == Self.start)
            #expect(try await ledger.anchorOnChain(operator: Sample.operatorID)?.root == Sample.root(1))
            #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "anchor_unchanged")

            try await ledger.fund(operator: Sample.operatorID, amount: 10_000_000)
            await emulator.advance(slots: 5)
            let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
            #expect(try #require(await ledger.commitment(commitment.hash)).slot == Self.start + 5)
            await emulator.advance(slots: 10)
            let reading = try await ledger.submitReading(Sample.submission(commitment.hash))
            #expect(await code { try await ledger.submitReading(Sample.submission(commitment.hash)) } == "commitment_consumed")

            // The operator's batch: the reading incorporated, 2 ada to its reader, the new root anchored, in one transaction.
            let settled = try await ledger.settle(
                operator: Sample.operatorID, root: Sample.root(2), settlements: [Settlement(reading: reading.hash, outcome: .incorporated(reward: 2_000_000))])
            let alice = try EnterpriseAddress(credential: .keyHash(Sample.alice.bytes), network: .testnet)
            #expect(try await chain.utxos(at: [alice.bech32]).map(\.output.value.coin) == [2_000_000])
            let onChain = try #require(try await ledger.anchorOnChain(operator: Sample.operatorID))
            #expect(onChain.root == Sample.root(2) && onChain.sequence == 1 && onChain.transaction == settled.hash)
            #expect(await ledger.rewardPool(operator: Sample.operatorID) == 8_000_000)
            #expect(await emulator.accepted.count == 5)

            // libcardano-c reads every transaction the ledger built: the same id, the same native scripts, a fee it accepts.
            if CometaCheck.available || Vectors.required {
                for tx in await emulator.acceptedTransactions {
                    let read = try CometaCheck.run(tx.cborBytes)
                    #expect(read["txid"] == tx.id.description)
                    #expect(read["native_script_hash"] == (tx.witnessSet.nativeScripts.isEmpty ? nil : tx.witnessSet.nativeScripts.map { Hex.encode($0.hash) }.joined(separator: " ")))
                    #expect(try #require(read["size_fee"].flatMap { UInt64($0) }) <= tx.body.fee)
                }
            }
            // Each transaction's spent outputs are journaled: ada in equals ada out plus the fee.
            for id in await emulator.accepted {
                let (tx, spent) = try #require(try await ledger.exportTransaction(Hash32(bytes: id.bytes)!))
                #expect(tx.id == id)
                #expect(spent.map(\.input).sorted() == tx.body.inputs.sorted())
                #expect(spent.reduce(0) { $0 + $1.output.value.coin } == tx.body.outputs.reduce(tx.body.fee) { $0 + $1.value.coin })
            }

            // Reopened from its journal, the ledger answers the same.
            let before = await ledger.snapshot()
            await ledger.close()
            let reopened = try await Self.open(temp.directory, chain)
            #expect(await reopened.snapshot() == before)
            #expect(await reopened.balance(of: Sample.alice) == 2_000_000)
            let carried = try #require(try await reopened.anchoringTransaction(settled.hash))
            #expect(try Transaction(cbor: carried.cbor).id.bytes == settled.hash.bytes && carried.outputIndex == 0 && carried.chain == "cardano-testnet")
        }
    }

    /// The size and fee of each kind of transaction the ledger builds, with Conway mainnet fee
    /// parameters (the emulator's), and how many readings one settlement carries (BENCHMARKS.md).
    @Test func whatEachTransactionCostsAndHowManyReadingsASettlementCarries() async throws {
        let temp = TemporaryLedger()
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 8, count: 32)), index: 0),
            output: TransactionOutput(address: Self.service.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 100_000_000_000)))
        let emulator = ChainEmulator(genesis: [funding], slot: Self.start)
        try await emulator.serve { url in
            let ledger = try await Self.open(temp.directory, OgmiosClient(url: url))
            func report(_ kind: String) async throws -> Transaction {
                let tx = try #require(await emulator.acceptedTransactions.last)
                print("cardano ledger cost: \(kind): \(tx.cborBytes.count) B, fee \(tx.body.fee) lovelace")
                return tx
            }
            try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
            _ = try await report("anchor (first: mints the token)")
            try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(2))
            _ = try await report("anchor (a move, whatever the number of passports changed)")
            try await ledger.fund(operator: Sample.operatorID, amount: 50_000_000_000)
            _ = try await report("fund the reward pool")
            let reading = [UInt8](repeating: 0x5a, count: 220)  // a COSE_Sign1 reading is about this size
            var readings: [Hash32] = []
            for index in 0...CardanoLedgerPlanner.maxSettlements {
                let user = KeyHash(publicKey: [UInt8(index & 0xff), UInt8(index >> 8)] + Array(repeating: 0xC0, count: 30))
                let commitment = try await ledger.commit(batteryID: Sample.battery, userKeyHash: user, nonce: [UInt8(index & 0xff), 1])
                if index == 0 { _ = try await report("commitment") }
                readings.append(try await ledger.submitReading(Sample.submission(commitment.hash, submitter: user, reading: reading)).hash)
                if index == 0 { _ = try await report("reading submission (220-byte reading)") }
            }
            func settle(_ count: Int, root: UInt8) async throws {
                try await ledger.settle(
                    operator: Sample.operatorID, root: Sample.root(root),
                    settlements: readings.prefix(count).map { Settlement(reading: $0, outcome: .incorporated(reward: 1_000_000)) })
                readings.removeFirst(count)
            }
            try await settle(1, root: 3)
            _ = try await report("settlement of 1 reading (reward paid, anchor moved)")
            try await settle(CardanoLedgerPlanner.maxSettlements, root: 4)
            let full = try await report("settlement of \(CardanoLedgerPlanner.maxSettlements) readings from as many readers")
            #expect(full.cborBytes.count <= CardanoLedgerPlanner.maxTransactionSize)
        }
    }

    /// Past the ledger's own rules, the chain itself refuses a commitment consumed late, consumed twice,
    /// or consumed without the service's signature.
    @Test func theChainRefusesAStaleReusedOrUnsignedCommitment() async throws {
        let temp = TemporaryLedger()
        let emulator = try Self.emulator()
        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            let ledger = try await Self.open(temp.directory, chain)
            /// A transaction consuming `commitment` (made at `slot`), valid over `validity`, signed by `signer`.
            func consuming(_ commitment: Hash32, madeAt slot: UInt64, validity: Range<UInt64>, signer: PaymentKey) async throws -> Transaction {
                let script = NativeScript.all([.signature(Self.service.keyHash), .before(slot + 201)])
                let locked = UTxO(
                    input: TransactionInput(transactionID: try TransactionID(bytes: commitment.bytes), index: 0),
                    output: TransactionOutput(address: try EnterpriseAddress(credential: .scriptHash(script.hash), network: .testnet).bytes, value: Value(coin: 2_000_000)))
                let funding = try #require(try await chain.utxos(at: [signer.enterpriseAddress(network: .testnet).bech32]).first { $0.output.datum == nil })
                let tx = try TransactionBalancer.balance(
                    spending: [locked, funding], paying: [], changeTo: signer.enterpriseAddress(network: .testnet).bytes, validFrom: validity.lowerBound,
                    validUntil: validity.upperBound, nativeScripts: [script], fees: .conway)
                var witnesses = tx.witnessSet
                witnesses.vkeyWitnesses = [try signer.witness(for: tx.id)]
                return try Transaction(bodyBytes: tx.bodyBytes, witnessSet: witnesses)
            }
            func refusal(_ tx: Transaction) async -> Int? {
                do {
                    _ = try await chain.submit(tx)
                    return nil
                } catch {
                    return error.backendCode
                }
            }

            // The stranger has ada of its own to pay with.
            let stranger = try PaymentKey(seed: Array(repeating: 62, count: 32))
            await emulator.add(UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 0xEE, count: 32)), index: 0),
                output: TransactionOutput(address: stranger.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 5_000_000))))

            // Reused: a commitment a reading consumed is spent; consuming it again is an unknown input.
            let used = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1])
            _ = try await ledger.submitReading(Sample.submission(used.hash))
            #expect(await refusal(try await consuming(used.hash, madeAt: Self.start, validity: Self.start..<(Self.start + 100), signer: Self.service)) == 3117)

            // Unsigned: another key cannot consume a fresh commitment.
            let fresh = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [2])
            #expect(await refusal(try await consuming(fresh.hash, madeAt: Self.start, validity: Self.start..<(Self.start + 100), signer: stranger)) == 3100)

            // Stale: past the ledger's rule (`stale_challenge`), the chain refuses it too: the script ends at slot + 201.
            await emulator.advance(slots: 201)
            #expect(await code { try await ledger.submitReading(Sample.submission(fresh.hash)) } == "stale_challenge")
            #expect(await refusal(try await consuming(fresh.hash, madeAt: Self.start, validity: (Self.start + 201)..<(Self.start + 300), signer: Self.service)) == 3100)
        }
    }

    @Test(arguments: [false, true], ["ogmios", "blockfrost"])
    func aSubmissionCutOffIsSettledOnReopeningAndMadeOnce(landed: Bool, through backend: String) async throws {
        let temp = TemporaryLedger()
        let emulator = try Self.emulator()
        try await emulator.serve { url in
            let chain = Self.backend(backend, url)
            let silent = AlteredChain.silent(chain, forwarding: landed)
            let ledger = try await Self.open(temp.directory, silent)
            #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "chain_in_doubt")
            // While in doubt the ledger takes nothing new.
            #expect(await code { try await ledger.fund(operator: Sample.operatorID, amount: 5_000_000) } == "chain_in_doubt")
            #expect(await emulator.accepted.count == (landed ? 1 : 0))
            await ledger.close()

            let reopened = try await Self.open(temp.directory, chain)
            #expect(await emulator.accepted.count == 1)
            #expect(try await reopened.anchorOnChain(operator: Sample.operatorID)?.root == Sample.root(1))
            #expect(try await reopened.anchorHistory(operator: Sample.operatorID).count == 1)
            try await reopened.anchor(operator: Sample.operatorID, root: Sample.root(2))
            #expect(try await reopened.anchorOnChain(operator: Sample.operatorID)?.sequence == 1)
        }
    }

    @Test func aResubmissionRefusedWhileItMayStillLandStaysInDoubtUntilItsValidityEnds() async throws {
        let temp = TemporaryLedger()
        let emulator = try Self.emulator()
        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            let first = try await Self.open(temp.directory, AlteredChain.silent(chain, forwarding: false))
            #expect(await code { try await first.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "chain_in_doubt")
            await first.close()
            // A node answers the resubmission with a refusal (as when its mempool holds the transaction already).
            let second = try await Self.open(temp.directory, AlteredChain.refusing(chain))
            #expect(await code { try await second.anchor(operator: Sample.operatorID, root: Sample.root(2)) } == "chain_in_doubt")
            #expect(await second.currentAnchor(operator: Sample.operatorID)?.root == Sample.root(1))
            await second.close()
            // Once its validity has ended unseen it is gone: voided on opening, and the next anchor goes ahead.
            await emulator.advance(slots: 901)
            let third = try await Self.open(temp.directory, chain)
            #expect(await third.currentAnchor(operator: Sample.operatorID) == nil)
            let receipt = try await third.anchor(operator: Sample.operatorID, root: Sample.root(1))
            #expect(await emulator.accepted.map(\.bytes) == [receipt.hash.bytes])
        }
    }

    @Test func aTransactionTheChainRefusesIsVoided() async throws {
        let temp = TemporaryLedger()
        let emulator = try Self.emulator()
        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            let ledger = try await Self.open(temp.directory, AlteredChain.refusing(chain))
            #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "chain_rejected")
            #expect(await ledger.currentAnchor(operator: Sample.operatorID) == nil)
            await ledger.close()
            let reopened = try await Self.open(temp.directory, chain)
            #expect(await reopened.currentAnchor(operator: Sample.operatorID) == nil)
            let receipt = try await reopened.anchor(operator: Sample.operatorID, root: Sample.root(1))
            #expect(await emulator.accepted.map(\.bytes) == [receipt.hash.bytes])
        }
    }

    @Test func theFollowerConfirmsWhatLandsAndStopsTheLedgerWhenATransactionIsDropped() async throws {
        let temp = TemporaryLedger()
        let emulator = try Self.emulator()
        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            let swallow = Flag()
            let ledger = try await Self.open(temp.directory, AlteredChain.swallowing(chain, when: swallow))
            try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
            try await ledger.fund(operator: Sample.operatorID, amount: 5_000_000)
            var report = try await ledger.follow()
            #expect(report.confirmed == 2 && report.pending == 0 && report.dropped == nil && report.anchorsBehind.isEmpty)

            // A node that took the transaction but never put it in a block (a mempool dropped on restart).
            swallow.raise()
            let lost = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(2))
            report = try await ledger.follow()
            #expect(report.pending == 1 && report.dropped == nil && report.anchorsBehind == [Sample.operatorID])
            await emulator.advance(slots: 901)
            report = try await ledger.follow()
            #expect(report.dropped == lost.hash)
            #expect(await code { try await ledger.fund(operator: Sample.operatorID, amount: 5_000_000) } == "ledger_diverged")
        }
    }

    @Test func anEmptyWalletIsAClearError() async throws {
        let temp = TemporaryLedger()
        let emulator = ChainEmulator(genesis: [], slot: Self.start)
        try await emulator.serve { url in
            let ledger = try await Self.open(temp.directory, OgmiosClient(url: url))
            #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "wallet_insufficient")
            #expect(await code { try await ledger.submit(batch: [.anchor(operator: "a", root: Sample.root(1)), .anchor(operator: "b", root: Sample.root(1))]) } == "batch_unsupported")
        }
    }
}

/// The emulator's chain with its submissions (and, when given, its lookups by reference) replaced
/// as a test needs; everything else passes through.
struct AlteredChain: ChainBackend {
    let chain: any ChainBackend
    let submitting: @Sendable (Transaction) async throws(ChainError) -> TransactionID
    var lookingUp: (@Sendable ([TransactionInput]) async throws(ChainError) -> [UTxO])?

    func tipSlot() async throws(ChainError) -> UInt64 { try await chain.tipSlot() }
    func protocolParameters() async throws(ChainError) -> (fees: FeeParameters, costModels: [PlutusLanguage: [Int64]]) {
        try await chain.protocolParameters()
    }
    func utxos(at addresses: [String]) async throws(ChainError) -> [UTxO] { try await chain.utxos(at: addresses) }
    func utxos(_ references: [TransactionInput]) async throws(ChainError) -> [UTxO] {
        if let lookingUp { return try await lookingUp(references) }
        return try await chain.utxos(references)
    }
    func evaluate(_ tx: Transaction) async throws(ChainError) -> [RedeemerPointer: ExecutionUnits] { try await chain.evaluate(tx) }
    func submit(_ tx: Transaction) async throws(ChainError) -> TransactionID { try await submitting(tx) }
}

extension AlteredChain {
    /// Submissions go unanswered: forwarded (the transaction lands) or not, then `chain_unreachable`;
    /// lookups by reference go unanswered too.
    static func silent(_ chain: any ChainBackend, forwarding: Bool) -> AlteredChain {
        AlteredChain(
            chain: chain,
            submitting: { tx throws(ChainError) in
                if forwarding { _ = try await chain.submit(tx) }
                throw ChainError(.unreachable, "the test cut the connection")
            },
            lookingUp: { _ throws(ChainError) in throw ChainError(.unreachable, "the test cut the connection") })
    }

    /// Every submission is refused.
    static func refusing(_ chain: any ChainBackend) -> AlteredChain {
        AlteredChain(chain: chain, submitting: { _ throws(ChainError) in throw ChainError(.rejected, "the test refuses it", backendCode: 3117) })
    }

    /// Once `swallow` is raised, submissions are answered with their id and never passed on (a node
    /// that took the transaction and lost it).
    static func swallowing(_ chain: any ChainBackend, when swallow: Flag) -> AlteredChain {
        AlteredChain(chain: chain, submitting: { tx throws(ChainError) in
            if swallow.isRaised { return tx.id }
            return try await chain.submit(tx)
        })
    }
}

/// A flag a test raises while the code under test reads it.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isRaised: Bool { value.withLock { $0 } }
    func raise() { value.withLock { $0 = true } }
}
