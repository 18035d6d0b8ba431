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
                try state.replay(payload, record: index, parameters: parameters)
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
        let tipBefore = state.tip
        let recorded = try state.record(batch, at: try clock.slot(since: log.genesis), parameters: parameters)
        do {
            try log.append(recorded.payload)
        } catch {
            state.undo(recorded.receipts, of: batch, restoring: tipBefore)
            throw error
        }
        return recorded.receipts
    }

    private func checkOpen() throws(LedgerError) {
        if closed { throw LedgerError(code: "ledger_closed", message: "the ledger was closed") }
        if log.broken { throw .io("an earlier sync of the ledger failed; reopen it") }
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
}
