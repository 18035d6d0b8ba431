import Cardano
import CardanoChain
import Encoding
import Foundation
import Trie

/// The ledger on Cardano: every anchor, commitment, reading, pool top-up and settlement is a
/// Cardano transaction, built and signed with the service's payment key and submitted through a
/// ``ChainBackend`` (Ogmios). A transaction's hash is its Cardano transaction id, its slot the start
/// of its validity interval (the chain refuses it before then), so anyone holding the id confirms it
/// on any Cardano indexer.
///
/// The same rules as the embedded ledgers are checked before a transaction is built (with the same
/// codes); the chain enforces what its scripts can see (see docs/cardano.md, "The ledger on
/// Cardano"). Each transaction is written to a journal in the data directory and synced before it is
/// submitted: after a crash, or when the backend did not answer, the last one is looked up on chain
/// and submitted again (idempotent by id) or, when the chain refuses it, voided. Until that is
/// settled the ledger takes no new transaction (`chain_in_doubt`).
///
/// One instance writes: the journal is locked like the local ledger's log.
public actor CardanoLedger: Ledger {
    /// The rules in force.
    public nonisolated let parameters: LedgerParameters
    /// The network the service's address and the anchors live on.
    public nonisolated let network: CardanoNetwork
    /// The service's address: it pays fees and holds anchors, pools and pending readings.
    public nonisolated let address: EnterpriseAddress
    /// `cardano-` and the network's name (`preprod`, `preview`, `mainnet`, …).
    public nonisolated let publicChain: String?
    /// A settlement is one transaction, so its readings are bounded by the chain's transaction size.
    public nonisolated var maxSettlementsPerTransaction: Int? { CardanoLedgerPlanner.maxSettlements }

    private let chain: any ChainBackend
    private let key: PaymentKey
    private let validitySlots: UInt64
    private var log: LedgerLog
    private var state = LedgerState()
    private var outputs = CardanoLedgerOutputs()
    /// Where each submitted transaction's journal record lies, by hash: one record is read back for
    /// an export or a bundle, never the whole journal, and nothing of it is kept in memory.
    private var journalRecords: [Hash32: Range<Int>] = [:]
    /// The operators' anchors as last read from the chain, for a few seconds (a verdict reads it for
    /// every scan); dropped when this ledger moves the anchor.
    private var chainAnchors: [String: (anchor: PublicAnchor?, readAt: ContinuousClock.Instant)] = [:]
    private static let chainAnchorFreshness: Duration = .seconds(5)
    /// The last submission, while it is not known whether the chain has it.
    private var inDoubt: InDoubt?
    /// Submitted transactions the follower has not yet seen on chain, oldest first.
    private var unconfirmed: [(hash: Hash32, cardano: Transaction)] = []
    /// Set when a submitted transaction expired without reaching the chain: the journal then holds
    /// what the chain does not, and nothing more is written until an operator looks.
    private var diverged: Hash32?
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    private struct InDoubt {
        var entry: CardanoJournalEntry.SubmittedTransaction
        var outputsBefore: CardanoLedgerOutputs
        var tipBefore: LedgerTip
    }

    /// The asset name of an operator's anchor token: BLAKE2b-256 of its id.
    public static func anchorAssetName(operator operatorID: String) -> [UInt8] { Blake2b.hash256(Array(operatorID.utf8)) }

    /// Where a service keeps the journal: the `cardano-ledger` folder of its data directory.
    public static func directory(inData dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("cardano-ledger", isDirectory: true)
    }

    /// Opens the journal in `directory`, replays it, settles a submission a crash left in doubt and
    /// reads the wallet's ada from the chain.
    public init(
        directory: URL, chain: any ChainBackend, key: PaymentKey, network: CardanoNetwork, networkName: String? = nil,
        parameters: LedgerParameters = LedgerParameters(), validitySlots: UInt64 = 900
    ) async throws {
        self.publicChain = "cardano-" + (networkName ?? (network == .mainnet ? "mainnet" : "testnet"))
        let opened = try LedgerLog.open(directory: directory, genesis: 0)
        self.log = opened.log
        self.chain = chain
        self.key = key
        self.network = network
        self.address = key.enterpriseAddress(network: network)
        self.parameters = parameters
        self.validitySlots = max(validitySlots, 1)
        var entries: [(entry: CardanoJournalEntry.SubmittedTransaction, record: Range<Int>)] = []
        for (index, payload) in opened.payloads.enumerated() {
            switch try CardanoJournalEntry(payload: payload, record: index) {
            case .submitted(let entry): entries.append((entry, payload.indices))
            case .voided(let id):
                guard entries.last?.entry.hash == id else { throw LedgerError.corrupt("journal record \(index) voids \(id.hex), not the last submission") }
                entries.removeLast()
            }
        }
        for (entry, record) in entries {
            inDoubt = InDoubt(entry: entry, outputsBefore: outputs, tipBefore: state.tip)
            try apply(entry)
            journalRecords[entry.hash] = record
        }
        await acquire()
        defer { release() }
        do {
            try await settleDoubt()
        } catch let error as LedgerError where error.code == "chain_in_doubt" {
            // Opened all the same: reads answer, and writes wait until the chain settles it.
        }
        // Transactions still within their validity may be waiting in a node's mempool: the wallet is
        // the chain's ada-only outputs as those transactions leave them, and the follower watches them.
        let tip = try await chain.tipSlot()
        let mayBePending = entries.map(\.entry.cardano).filter { ($0.body.ttl ?? .max) > tip }
        unconfirmed = mayBePending.map { (Hash32(bytes: $0.id.bytes)!, $0) }
        var wallet: [TransactionInput: TransactionOutput] = [:]
        for utxo in try await chain.utxos(at: [address.bech32]) where Self.isPlainWalletOutput(utxo.output) { wallet[utxo.input] = utxo.output }
        for tx in mayBePending {
            for input in tx.body.inputs { wallet[input] = nil }
            for (index, output) in tx.body.outputs.enumerated() where output.address == address.bytes && Self.isPlainWalletOutput(output) {
                wallet[TransactionInput(transactionID: tx.id, index: UInt16(index))] = output
            }
        }
        outputs.wallet = wallet.map { UTxO(input: $0.key, output: $0.value) }
    }

    deinit { log.close() }

    static func isPlainWalletOutput(_ output: TransactionOutput) -> Bool {
        output.datum == nil && output.value.assets.isEmpty && output.scriptReference == nil
    }

    // MARK: - Transactions

    public func submit(_ transaction: LedgerTransaction) async throws -> TransactionReceipt {
        await acquire()
        defer { release() }
        guard !closed else { throw LedgerError(code: "ledger_closed", message: "the ledger was closed") }
        if let diverged {
            throw LedgerError(
                code: "ledger_diverged",
                message: "transaction \(diverged.hex) expired without reaching the chain; the journal holds what the chain does not, so nothing more is written")
        }
        try await settleDoubt()
        let slot = max(try await chain.tipSlot(), state.tip.slot)
        try check(transaction, at: slot)
        let planner = CardanoLedgerPlanner(
            key: key, walletAddress: address, network: network, parameters: parameters, validitySlots: validitySlots,
            fees: try await chain.protocolParameters().fees)
        let planned = try planner.plan(transaction, at: slot, state: state, outputs: outputs)
        let entry = CardanoJournalEntry.SubmittedTransaction(
            body: TransactionBody(transaction: transaction, slot: slot, parent: state.tip.hash), cardano: planned.transaction, spent: planned.spent)
        let record = try log.append(CardanoJournalEntry(entry).payload)
        inDoubt = InDoubt(entry: entry, outputsBefore: outputs, tipBefore: state.tip)
        try apply(entry)
        journalRecords[entry.hash] = record
        try await submitInDoubt()
        return TransactionReceipt(hash: entry.hash, slot: slot)
    }

    /// A batch is one Cardano transaction per ledger transaction, which the chain cannot take all or
    /// none: only single transactions are taken (`batch_unsupported` otherwise).
    public func submit(batch: [LedgerTransaction]) async throws -> [TransactionReceipt] {
        guard batch.count == 1 else {
            throw LedgerError(
                code: "batch_unsupported", message: "the Cardano ledger takes one transaction at a time, not a batch of \(batch.count)")
        }
        return [try await submit(batch[0])]
    }

    public func close() {
        log.close()
        closed = true
    }

    // MARK: - Queries

    public func currentSlot() async throws -> UInt64 { max(try await chain.tipSlot(), state.tip.slot) }

    public func tip() -> LedgerTip { state.tip }

    public func currentAnchor(operator operatorID: String) -> AnchorRecord? { state.anchors[operatorID]?.last }

    public func anchorHistory(operator operatorID: String, limit: Int?) -> [AnchorRecord] {
        state.anchorHistory(operator: operatorID, limit: limit)
    }

    public func commitment(_ challenge: Hash32) -> CommitmentRecord? { state.commitments[challenge] }

    public func reading(_ id: Hash32) -> ReadingRecord? { state.readings[id] }

    public func readings(battery batteryID: String) -> [ReadingRecord] { state.readings(battery: batteryID) }

    public func pendingReadings(operator operatorID: String) -> [ReadingRecord] { state.pendingReadings(operator: operatorID) }

    public func rewardPool(operator operatorID: String) -> UInt64 { state.pools[operatorID] ?? 0 }

    public func balance(of reader: KeyHash) -> UInt64 { state.balances[reader] ?? 0 }

    /// The whole in-memory state, for tests that compare a live ledger with its replay.
    func snapshot() -> LedgerState { state }

    /// What the chain holds as the operator's anchor now: the output with its token and the root in
    /// its datum, read through the backend (the recorded anchor output by reference, else the
    /// service's address), not from the journal; remembered for a few seconds.
    public func anchorOnChain(operator operatorID: String) async throws -> PublicAnchor? {
        guard let (anchor, recorded) = outputs.anchors[operatorID] else { return nil }
        if let known = chainAnchors[operatorID], ContinuousClock.now - known.readAt < Self.chainAnchorFreshness { return known.anchor }
        var held = try await chain.utxos([recorded.input])
        if held.isEmpty { held = try await chain.utxos(at: [address.bech32]) }
        var found: PublicAnchor?
        for utxo in held {
            guard let state = try? anchor.anchored(in: utxo.output) else { continue }
            let transaction = Hash32(bytes: utxo.input.transactionID.bytes)!
            found = PublicAnchor(
                chain: publicChain ?? "cardano", policyID: anchor.policyID, assetName: anchor.assetName, root: Hash32(bytes: state.root)!,
                sequence: state.sequence, transaction: transaction, outputIndex: Int(utxo.input.index),
                slot: self.state.anchors[operatorID]?.last { $0.transaction == transaction }?.slot)
            break
        }
        chainAnchors[operatorID] = (found, ContinuousClock.now)
        return found
    }

    /// The Cardano transaction that anchored a root (an anchor or a settlement), as submitted; the
    /// anchor is its first output.
    public func anchoringTransaction(_ hash: Hash32) async throws -> AnchoringTransaction? {
        guard let entry = try journalEntry(hash) else { return nil }
        switch entry.body.transaction {
        case .anchor, .settle: return AnchoringTransaction(chain: publicChain ?? "cardano", cbor: entry.cardano.cborBytes, outputIndex: 0)
        default: return nil
        }
    }

    /// A transaction this ledger built and the chain took, with the outputs it spends as they were:
    /// what an auditor needs to re-evaluate it (read from the journal; nil for an unknown id).
    public func exportTransaction(_ hash: Hash32) throws -> (transaction: Transaction, spent: [UTxO])? {
        try journalEntry(hash).map { ($0.cardano, $0.spent) }
    }

    /// The journal's record of submitted transaction `hash`, read back from its place in the file.
    private func journalEntry(_ hash: Hash32) throws -> CardanoJournalEntry.SubmittedTransaction? {
        guard let record = journalRecords[hash] else { return nil }
        guard case .submitted(let entry) = try CardanoJournalEntry(payload: try log.payload(at: record)[...], record: 0) else { return nil }
        return entry
    }

    /// What the follower found: the chain's tip, the transactions it saw land, those still on their
    /// way, and the operators whose anchor on chain is not the last one recorded.
    public struct FollowReport: Sendable, Equatable {
        public var tip: UInt64
        public var confirmed: Int
        public var pending: Int
        /// A transaction that expired without reaching the chain (the ledger stops writing).
        public var dropped: Hash32?
        public var anchorsBehind: [String]
    }

    /// Follows the chain: each submitted transaction is confirmed once one of its outputs is seen (or
    /// a later one of this ledger's, which spends it, is); one whose validity ended unseen was dropped,
    /// and the ledger refuses to write from then on (`ledger_diverged`). Also compares each operator's
    /// anchor on chain with the last one recorded.
    public func follow() async throws -> FollowReport {
        await acquire()
        defer { release() }
        let tip = try await chain.tipSlot()
        var confirmedIndex = -1
        // Transactions chain through the wallet's change: the newest one seen confirms all before it.
        for (index, entry) in unconfirmed.enumerated().reversed() {
            let created = entry.cardano.body.outputs.indices.map { TransactionInput(transactionID: entry.cardano.id, index: UInt16($0)) }
            if !(try await chain.utxos(created)).isEmpty {
                confirmedIndex = index
                break
            }
        }
        let confirmed = confirmedIndex + 1
        unconfirmed.removeFirst(confirmed)
        if diverged == nil, let expired = unconfirmed.first(where: { ($0.cardano.body.ttl ?? .max) <= tip }) {
            diverged = expired.hash
        }
        var behind: [String] = []
        let held = state.anchors.isEmpty ? [] : try await chain.utxos(at: [address.bech32])
        for (operatorID, records) in state.anchors.sorted(by: { $0.key < $1.key }) {
            guard let recorded = records.last, let anchor = outputs.anchors[operatorID]?.anchor else { continue }
            let onChain = held.lazy.compactMap { try? anchor.anchored(in: $0.output) }.first
            if onChain?.root != recorded.root.bytes { behind.append(operatorID) }
        }
        return FollowReport(tip: tip, confirmed: confirmed, pending: unconfirmed.count, dropped: diverged, anchorsBehind: behind)
    }

    // MARK: - Applying and settling

    /// The rules of the embedded ledgers: the transaction is applied under a provisional hash and undone.
    private func check(_ transaction: LedgerTransaction, at slot: UInt64) throws(LedgerError) {
        if case .anchor(let operatorID, let root) = transaction, state.anchors[operatorID]?.last?.root == root {
            throw LedgerError(code: "anchor_unchanged", message: "\(operatorID) has anchored root \(root.hex) already")
        }
        let provisional = Hash32(hashing: [0xff] + state.tip.hash.bytes)
        try state.apply(transaction, hash: provisional, slot: slot, parameters: parameters)
        state.revert(transaction, hash: provisional)
    }

    private func apply(_ entry: CardanoJournalEntry.SubmittedTransaction) throws(LedgerError) {
        guard entry.body.parent == state.tip.hash else { throw .corrupt("transaction \(entry.hash.hex) does not follow \(state.tip.hash.hex)") }
        try state.apply(entry.body.transaction, hash: entry.hash, slot: entry.body.slot, parameters: parameters)
        state.tip = LedgerTip(count: state.tip.count + 1, hash: entry.hash, slot: entry.body.slot)
        try outputs.absorb(entry.cardano, carrying: entry.body.transaction, owner: key.keyHash, walletAddress: address.bytes)
        switch entry.body.transaction {
        case .anchor(let operatorID, _), .settle(let operatorID, _, _): chainAnchors[operatorID] = nil
        default: break
        }
    }

    /// Submits the transaction in doubt; silence keeps it in doubt. A refusal of its first submission
    /// voids it (and is the caller's error); a refusal of a later one may only mean a node holds it
    /// already (its inputs look spent), so it stays in doubt until it is seen on chain or its validity
    /// has ended, and is then voided quietly.
    private func submitInDoubt(again: Bool = false) async throws {
        guard let doubt = inDoubt else { return }
        do {
            _ = try await chain.submit(doubt.entry.cardano)
            unconfirmed.append((doubt.entry.hash, doubt.entry.cardano))
            inDoubt = nil
        } catch let error where error.kind == .unreachable {
            throw LedgerError(
                code: "chain_in_doubt",
                message: "the chain backend did not answer; transaction \(doubt.entry.hash.hex) is submitted again before the next one: \(error.message)")
        } catch {
            let end = doubt.entry.cardano.body.ttl ?? .max
            if again, try await chain.tipSlot() < end {
                throw LedgerError(
                    code: "chain_in_doubt",
                    message: "transaction \(doubt.entry.hash.hex) was submitted before and may still land until slot \(end): \(error.message)")
            }
            try log.append(CardanoJournalEntry(voiding: doubt.entry.hash).payload)
            state.revert(doubt.entry.body.transaction, hash: doubt.entry.hash)
            state.tip = doubt.tipBefore
            outputs = doubt.outputsBefore
            journalRecords[doubt.entry.hash] = nil
            inDoubt = nil
            // A transaction submitted again and expired is simply gone; the caller's own goes ahead.
            if again { return }
            throw LedgerError(code: error.code, message: "the chain refused transaction \(doubt.entry.hash.hex): \(error.message)")
        }
    }

    /// Settles the last submission when it is in doubt: found on chain, it stands; otherwise it is
    /// submitted again (the backend answers for a transaction it already has).
    private func settleDoubt() async throws {
        guard let doubt = inDoubt else { return }
        let created = doubt.entry.cardano.body.outputs.indices.map { TransactionInput(transactionID: doubt.entry.cardano.id, index: UInt16($0)) }
        let found: [UTxO]
        do {
            found = try await chain.utxos(created)
        } catch {
            throw LedgerError(
                code: "chain_in_doubt", message: "transaction \(doubt.entry.hash.hex) may or may not be on chain, and the backend did not say: \(error.message)")
        }
        guard found.isEmpty else {
            inDoubt = nil
            return
        }
        try await submitInDoubt(again: true)
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
