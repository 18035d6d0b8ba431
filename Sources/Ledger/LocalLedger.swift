import Encoding
import Foundation
import Trie

/// The embedded ledger: an append-only log in a directory (the data directory's `ledger/`),
/// replayed into in-memory indexes when opened.
///
/// Each batch of transactions is one checksummed record, synced before the call returns; a torn
/// tail left by a crash is cut back on open, damage anywhere else is `ledger_corrupt`. Slots are
/// whole seconds since the genesis time (stored in the log when it is created) read from the
/// injected clock, and never go backwards. Only one instance may have a directory open (`ledger_locked`).
public actor LocalLedger: Ledger {
    /// The rules in force.
    public nonisolated let parameters: LedgerParameters
    /// The time of slot 0.
    public nonisolated let genesis: Date
    /// How many bytes of a torn tail were cut when the ledger was opened (0 after a clean shutdown).
    public nonisolated let recoveredBytes: Int

    private let clock: SlotClock
    private var log: LedgerLog
    private var state = LedgerState()
    private var closed = false

    /// Opens the ledger in `directory`, creating it with `genesis` (default: now) if it is new.
    /// An existing ledger keeps its genesis; a different `genesis` is `genesis_mismatch`.
    public init(
        directory: URL, parameters: LedgerParameters = LedgerParameters(), clock: SlotClock = SlotClock(), genesis: Date? = nil
    ) throws(LedgerError) {
        var genesisSeconds: Int64?
        if let genesis {
            let seconds = genesis.timeIntervalSince1970.rounded(.down)
            guard seconds >= 0, seconds < 9.0e18 else {
                throw LedgerError(code: "invalid_genesis", message: "the genesis time must be between 1970 and the year 292 billion")
            }
            genesisSeconds = Int64(seconds)
        }
        let opened = try LedgerLog.open(directory: directory, genesis: genesisSeconds)
        var log = opened.log
        var state = LedgerState()
        do {
            for (index, payload) in opened.payloads.enumerated() {
                try Self.replay(payload, record: index, into: &state, parameters: parameters)
            }
        } catch {
            log.close()
            throw error
        }
        self.log = log
        self.state = state
        self.parameters = parameters
        self.clock = clock
        self.genesis = Date(timeIntervalSince1970: TimeInterval(opened.log.genesis))
        self.recoveredBytes = opened.cutBytes
    }

    /// Where a service keeps its ledger: the `ledger` folder of its data directory.
    public static func directory(inData dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("ledger", isDirectory: true)
    }

    deinit { log.close() }

    /// Releases the directory and its lock; the ledger refuses transactions afterwards (`ledger_closed`).
    public func close() {
        log.close()
        closed = true
    }

    // MARK: - Transactions

    public func submit(_ transaction: LedgerTransaction) throws(LedgerError) -> TransactionReceipt {
        try submit(batch: [transaction])[0]
    }

    public func submit(batch: [LedgerTransaction]) throws(LedgerError) -> [TransactionReceipt] {
        try checkOpen()
        guard !batch.isEmpty else { throw LedgerError(code: "empty_batch", message: "a batch needs at least one transaction") }
        guard batch.count <= parameters.maxBatchTransactions else {
            throw LedgerError(
                code: "batch_too_large", message: "a batch holds at most \(parameters.maxBatchTransactions) transactions, not \(batch.count)")
        }
        let slot = try clock.slot(since: log.genesis)
        guard slot >= state.tip.slot else {
            throw LedgerError(
                code: "slot_regression", message: "the clock gives slot \(slot), behind the last recorded slot \(state.tip.slot)")
        }
        let tipBefore = state.tip
        var writer = CBORWriter(capacity: 64 + batch.count * 160)
        writer.appendHead(.array, UInt64(batch.count))
        var receipts: [TransactionReceipt] = []
        receipts.reserveCapacity(batch.count)
        for (index, transaction) in batch.enumerated() {
            let start = writer.bytes.count
            TransactionBody(transaction: transaction, slot: slot, parent: state.tip.hash).encode(into: &writer)
            let hash = writer.bytes[start...].withUnsafeBytes { Hash32.digest(of: $0) }
            do {
                try state.apply(transaction, hash: hash, slot: slot, parameters: parameters)
            } catch {
                undo(receipts, of: batch, restoring: tipBefore)
                throw batch.count == 1
                    ? error : LedgerError(code: error.code, message: "transaction \(index + 1) of \(batch.count): \(error.message)")
            }
            state.tip = LedgerTip(count: state.tip.count + 1, hash: hash, slot: slot)
            receipts.append(TransactionReceipt(hash: hash, slot: slot))
        }
        do {
            try log.append(writer.bytes)
        } catch {
            undo(receipts, of: batch, restoring: tipBefore)
            throw error
        }
        return receipts
    }

    private func undo(_ applied: [TransactionReceipt], of batch: [LedgerTransaction], restoring tip: LedgerTip) {
        for (receipt, transaction) in zip(applied, batch).reversed() {
            state.revert(transaction, hash: receipt.hash)
        }
        state.tip = tip
    }

    private func checkOpen() throws(LedgerError) {
        if closed { throw LedgerError(code: "ledger_closed", message: "the ledger was closed") }
        if log.broken { throw .io("an earlier sync of the ledger failed; reopen it") }
    }

    /// Replays one record: every body must continue the chain, keep slots in order and pass the rules.
    private static func replay(
        _ payload: ArraySlice<UInt8>, record: Int, into state: inout LedgerState, parameters: LedgerParameters
    ) throws(LedgerError) {
        let bytes = Array(payload)
        var reader = CBORReader(bytes, options: CBORDecodingOptions(rules: .deterministic, maxDepth: 8, maxItems: bytes.count))
        func fail(_ detail: String) -> LedgerError { .corrupt("record \(record): \(detail)") }
        do {
            let head = try reader.readHead()
            guard head.major == .array, let count = head.argument, count > 0 else { throw fail("not an array of transactions") }
            for _ in 0..<count {
                let start = reader.offset
                let body = try TransactionBody(decoding: try reader.readItem())
                let hash = bytes[start..<reader.offset].withUnsafeBytes { Hash32.digest(of: $0) }
                guard body.parent == state.tip.hash else { throw fail("transaction \(hash.hex) does not follow \(state.tip.hash.hex)") }
                guard body.slot >= state.tip.slot else { throw fail("transaction \(hash.hex) goes back to slot \(body.slot)") }
                do {
                    try state.apply(body.transaction, hash: hash, slot: body.slot, parameters: parameters)
                } catch {
                    throw fail("transaction \(hash.hex) breaks a rule: \(error)")
                }
                state.tip = LedgerTip(count: state.tip.count + 1, hash: hash, slot: body.slot)
            }
            guard reader.isAtEnd else { throw fail("bytes follow the transactions") }
        } catch let error as LedgerError {
            throw error.code == "ledger_corrupt" && error.message.hasPrefix("record") ? error : fail(error.message)
        } catch {
            throw fail("\(error)")
        }
    }

    // MARK: - Queries

    public func currentSlot() throws(LedgerError) -> UInt64 {
        max(try clock.slot(since: log.genesis), state.tip.slot)
    }

    public func tip() -> LedgerTip { state.tip }

    public func currentAnchor(operator operatorID: String) -> AnchorRecord? {
        state.anchors[operatorID]?.last
    }

    public func anchorHistory(operator operatorID: String, limit: Int? = nil) -> [AnchorRecord] {
        let history = state.anchors[operatorID] ?? []
        return Array(history.reversed().prefix(max(0, limit ?? history.count)))
    }

    public func commitment(_ challenge: Hash32) -> CommitmentRecord? { state.commitments[challenge] }

    public func reading(_ id: Hash32) -> ReadingRecord? { state.readings[id] }

    public func readings(battery batteryID: String) -> [ReadingRecord] {
        (state.readingsByBattery[batteryID] ?? []).compactMap { state.readings[$0] }
    }

    public func pendingReadings(operator operatorID: String) -> [ReadingRecord] {
        (state.pending[operatorID] ?? [:]).sorted { $0.value < $1.value }.compactMap { state.readings[$0.key] }
    }

    public func rewardPool(operator operatorID: String) -> UInt64 { state.pools[operatorID] ?? 0 }

    public func balance(of reader: KeyHash) -> UInt64 { state.balances[reader] ?? 0 }

    /// The whole in-memory state, for tests that compare a live ledger with its replay.
    func snapshot() -> LedgerState { state }
}
