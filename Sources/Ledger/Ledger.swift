import Trie

/// Where operators anchor their trie roots and where the signed-readings protocol runs: challenge
/// commitments, reading submissions that consume them, reward pools and the operator's batch that
/// settles readings, pays rewards and anchors the new root at once.
///
/// Implementations: ``LocalLedger`` (embedded, a file in the data directory), ``DatabaseLedger``
/// (embedded, in the database the deployment's instances share) and, later, a Cardano backend. Every transaction is checked against the protocol's rules; a broken rule is a
/// ``LedgerError`` with its own code and nothing is recorded.
///
/// The ledger enforces what an on-chain validator can see: a commitment exists, is unspent, belongs
/// to the submitter and the battery, is fresh, and is the challenge the reading carries; settlements
/// name pending readings of their operator once and never pay more than the pool. The reading's
/// COSE signature, monotonic counter, plausibility and the reader right are the Readings gates',
/// decided before submission or in the operator's batch.
public protocol Ledger: Sendable {
    /// Records one transaction.
    func submit(_ transaction: LedgerTransaction) async throws -> TransactionReceipt
    /// Records transactions in order, all or none, in one slot and with one sync. A later
    /// transaction may depend on an earlier one (commit, then submit a reading).
    func submit(batch: [LedgerTransaction]) async throws -> [TransactionReceipt]

    /// The current slot.
    func currentSlot() async throws -> UInt64
    /// The last transaction's hash and slot, and the number of transactions.
    func tip() async throws -> LedgerTip

    /// The operator's current anchor, if it has anchored.
    func currentAnchor(operator operatorID: String) async throws -> AnchorRecord?
    /// The operator's anchors, newest first, at most `limit` of them.
    func anchorHistory(operator operatorID: String, limit: Int?) async throws -> [AnchorRecord]

    /// The commitment whose transaction hash is `challenge`.
    func commitment(_ challenge: Hash32) async throws -> CommitmentRecord?
    /// The reading submitted by transaction `id`.
    func reading(_ id: Hash32) async throws -> ReadingRecord?
    /// The readings submitted for a battery, oldest first.
    func readings(battery batteryID: String) async throws -> [ReadingRecord]
    /// The operator's pending readings, oldest first.
    func pendingReadings(operator operatorID: String) async throws -> [ReadingRecord]

    /// What the operator's reward pool holds.
    func rewardPool(operator operatorID: String) async throws -> UInt64
    /// The rewards paid to a reader.
    func balance(of reader: KeyHash) async throws -> UInt64

    /// Releases what the ledger holds (a file and its lock, connections); it refuses transactions
    /// afterwards (`ledger_closed`).
    func close() async

    /// The public chain the anchors live on (e.g. `cardano-preprod`); nil for a ledger only this
    /// deployment holds.
    nonisolated var publicChain: String? { get }
    /// The operator's anchor as the public chain holds it now, read from the chain (not from this
    /// ledger's records); nil when the chain holds none, or when there is no public chain.
    func anchorOnChain(operator operatorID: String) async throws -> PublicAnchor?
    /// The public chain's transaction that recorded anchor `hash` (an anchor or a settlement), as
    /// submitted, for offline bundles; nil when there is no public chain or the hash is unknown.
    func anchoringTransaction(_ hash: Hash32) async throws -> AnchoringTransaction?
    /// The most readings one settlement may carry (a chain's transactions have a size limit); nil for no limit.
    nonisolated var maxSettlementsPerTransaction: Int? { get }
}

extension Ledger {
    public nonisolated var publicChain: String? { nil }
    public func anchorOnChain(operator operatorID: String) async throws -> PublicAnchor? { nil }
    public func anchoringTransaction(_ hash: Hash32) async throws -> AnchoringTransaction? { nil }
    public nonisolated var maxSettlementsPerTransaction: Int? { nil }
}

extension Ledger {
    /// All of the operator's anchors, newest first.
    public func anchorHistory(operator operatorID: String) async throws -> [AnchorRecord] {
        try await anchorHistory(operator: operatorID, limit: nil)
    }

    /// Anchors the operator's new trie root.
    @discardableResult
    public func anchor(operator operatorID: String, root: Hash32) async throws -> TransactionReceipt {
        try await submit(.anchor(operator: operatorID, root: root))
    }

    /// Commits to reading a battery; the receipt's hash is the challenge for the BMS.
    public func commit(batteryID: String, userKeyHash: KeyHash, nonce: [UInt8]) async throws -> TransactionReceipt {
        try await submit(.commit(batteryID: batteryID, userKeyHash: userKeyHash, nonce: nonce))
    }

    /// Submits a reading, consuming its commitment; the receipt's hash is the reading's id.
    public func submitReading(_ submission: ReadingSubmission) async throws -> TransactionReceipt {
        try await submit(.submitReading(submission))
    }

    /// Adds to the operator's reward pool.
    @discardableResult
    public func fund(operator operatorID: String, amount: UInt64) async throws -> TransactionReceipt {
        try await submit(.fund(operator: operatorID, amount: amount))
    }

    /// The operator's batch: settles readings, pays their rewards and anchors `root`, atomically.
    @discardableResult
    public func settle(operator operatorID: String, root: Hash32, settlements: [Settlement]) async throws -> TransactionReceipt {
        try await submit(.settle(operator: operatorID, root: root, settlements: settlements))
    }
}
