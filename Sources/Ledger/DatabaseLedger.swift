import Foundation
import Trie

/// The embedded ledger of a deployment whose instances share one database: the same transactions,
/// hashes and rules as ``LocalLedger``, with its log in a ``LedgerRecordStore``.
///
/// Every call first reads the records other instances appended since its last call, so each
/// instance answers from the whole shared history. An append takes the next record number; when
/// another instance took it first, the batch is checked again after the records that won and
/// appended after them, so appends are serialized across instances and no transaction is checked
/// against a history that is not the one it joins. Within this instance calls take turns.
///
/// Slots are whole seconds since the shared genesis; an instance whose clock is behind the last
/// recorded slot uses that slot, so slots never go backwards.
public actor DatabaseLedger: Ledger {
    /// The rules in force.
    public nonisolated let parameters: LedgerParameters
    /// The time of slot 0.
    public nonisolated let genesis: Date

    private let records: any LedgerRecordStore
    private let clock: SlotClock
    private let genesisSeconds: Int64
    private var state = LedgerState()
    /// How many records `state` has replayed.
    private var replayed = 0
    private var busy = false
    private var closed = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// How many times a batch is checked again after losing the next record number to other instances.
    private static let appendAttempts = 64

    /// Opens the ledger in `records`, creating it with `genesis` (default: now) if the database has
    /// none. An existing ledger keeps its genesis; a different `genesis` is `genesis_mismatch`.
    public init(
        records: any LedgerRecordStore, parameters: LedgerParameters = LedgerParameters(), clock: SlotClock = SlotClock(),
        genesis: Date? = nil
    ) async throws {
        let requested = try genesis.map { date throws(LedgerError) in
            let seconds = date.timeIntervalSince1970.rounded(.down)
            guard seconds >= 0, seconds < 9.0e18 else {
                throw LedgerError(code: "invalid_genesis", message: "the genesis time must be between 1970 and the year 292 billion")
            }
            return Int64(seconds)
        }
        let stored = try await records.ledgerGenesis(settingIfAbsent: requested ?? Int64(clock.now().timeIntervalSince1970.rounded(.down)))
        if let requested, requested != stored {
            throw LedgerError(
                code: "genesis_mismatch", message: "the database's ledger has genesis \(stored) s, the configuration says \(requested) s")
        }
        self.records = records
        self.parameters = parameters
        self.clock = clock
        self.genesisSeconds = stored
        self.genesis = Date(timeIntervalSince1970: TimeInterval(stored))
        try await catchUp()
    }

    // MARK: - Transactions

    public func submit(_ transaction: LedgerTransaction) async throws -> TransactionReceipt {
        try await submit(batch: [transaction])[0]
    }

    public func submit(batch: [LedgerTransaction]) async throws -> [TransactionReceipt] {
        await acquire()
        defer { release() }
        guard !closed else { throw LedgerError(code: "ledger_closed", message: "the ledger was closed") }
        try await catchUpAlone()
        for _ in 0..<Self.appendAttempts {
            let tipBefore = state.tip
            let slot = max(try clock.slot(since: genesisSeconds), state.tip.slot)
            let recorded = try state.record(batch, at: slot, parameters: parameters)
            let appended: Bool
            do {
                appended = try await records.appendLedgerRecord(recorded.payload, number: replayed)
            } catch {
                state.undo(recorded.receipts, of: batch, restoring: tipBefore)
                throw error
            }
            if appended {
                replayed += 1
                return recorded.receipts
            }
            state.undo(recorded.receipts, of: batch, restoring: tipBefore)
            try await catchUpAlone()
        }
        throw LedgerError(code: "ledger_busy", message: "other instances kept appending first over \(Self.appendAttempts) attempts")
    }

    /// Refuses transactions from now on; the records stay in the database.
    public func close() {
        closed = true
    }

    // MARK: - Queries

    public func currentSlot() async throws -> UInt64 {
        let tip = try await current { $0.tip }
        return max(try clock.slot(since: genesisSeconds), tip.slot)
    }

    public func tip() async throws -> LedgerTip { try await current { $0.tip } }

    public func currentAnchor(operator operatorID: String) async throws -> AnchorRecord? {
        try await current { $0.anchors[operatorID]?.last }
    }

    public func anchorHistory(operator operatorID: String, limit: Int?) async throws -> [AnchorRecord] {
        try await current { $0.anchorHistory(operator: operatorID, limit: limit) }
    }

    public func commitment(_ challenge: Hash32) async throws -> CommitmentRecord? { try await current { $0.commitments[challenge] } }

    public func reading(_ id: Hash32) async throws -> ReadingRecord? { try await current { $0.readings[id] } }

    public func readings(battery batteryID: String) async throws -> [ReadingRecord] {
        try await current { $0.readings(battery: batteryID) }
    }

    public func pendingReadings(operator operatorID: String) async throws -> [ReadingRecord] {
        try await current { $0.pendingReadings(operator: operatorID) }
    }

    public func rewardPool(operator operatorID: String) async throws -> UInt64 { try await current { $0.pools[operatorID] ?? 0 } }

    public func balance(of reader: KeyHash) async throws -> UInt64 { try await current { $0.balances[reader] ?? 0 } }

    // MARK: - Shared history

    /// Reads what other instances appended, then answers from the state.
    private func current<T>(_ read: (LedgerState) -> T) async throws -> T {
        await acquire()
        defer { release() }
        try await catchUpAlone()
        return read(state)
    }

    private func catchUp() async throws {
        await acquire()
        defer { release() }
        try await catchUpAlone()
    }

    /// Replays the records appended since the last call; the caller holds the turn.
    private func catchUpAlone() async throws {
        for payload in try await records.ledgerRecords(from: replayed) {
            try state.replay(payload[...], record: replayed, parameters: parameters)
            replayed += 1
        }
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
