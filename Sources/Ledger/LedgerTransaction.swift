import Trie

/// A transaction a ledger user submits. The ledger adds the slot and the previous transaction's
/// hash to form the body it records; the body's BLAKE2b-256 is the transaction hash.
public enum LedgerTransaction: Sendable, Hashable {
    /// Sets an operator's anchor to its new trie root.
    case anchor(operator: String, root: Hash32)
    /// A user's commitment to read a battery: its transaction hash is the challenge the BMS signs,
    /// its slot the trusted time of the reading. The nonce makes each commitment unique.
    case commit(batteryID: String, userKeyHash: KeyHash, nonce: [UInt8])
    /// A signed reading that consumes one commitment and waits for its operator.
    case submitReading(ReadingSubmission)
    /// The operator adds to its reward pool.
    case fund(operator: String, amount: UInt64)
    /// The operator's batch: settles pending readings, pays their rewards from the pool and
    /// anchors the new trie root, all at once.
    case settle(operator: String, root: Hash32, settlements: [Settlement])
}

/// A reading submission: the reading (opaque bytes, e.g. a COSE_Sign1, verified by its own
/// service) and what the ledger checks it against.
public struct ReadingSubmission: Sendable, Hashable {
    /// The transaction hash of the commitment this reading consumes.
    public var commitment: Hash32
    /// The challenge the reading carries (from its signed payload); must equal `commitment`.
    public var challenge: Hash32
    /// The battery read; must be the committed battery.
    public var batteryID: String
    /// The submitter's key hash; must be the committed user's.
    public var submitter: KeyHash
    /// The operator whose trie holds the battery; the reading waits in its queue.
    public var operatorID: String
    /// The reading as the BMS produced it.
    public var reading: [UInt8]

    /// Creates a submission.
    public init(
        commitment: Hash32, challenge: Hash32, batteryID: String, submitter: KeyHash, operatorID: String, reading: [UInt8]
    ) {
        self.commitment = commitment
        self.challenge = challenge
        self.batteryID = batteryID
        self.submitter = submitter
        self.operatorID = operatorID
        self.reading = reading
    }
}

/// What an operator's batch decides for one pending reading.
public struct Settlement: Sendable, Hashable {
    /// The reading's id (its submission transaction hash).
    public var reading: Hash32
    /// Incorporated (with the reward paid to its submitter, possibly zero) or rejected.
    public var outcome: Outcome

    /// The decision for a reading.
    public enum Outcome: Sendable, Hashable {
        /// Incorporated into the trie; `reward` goes from the pool to the reading's submitter.
        case incorporated(reward: UInt64)
        /// Not incorporated, for the stable reason code given (e.g. `signature_invalid`).
        case rejected(reason: String)
    }

    /// Creates a settlement.
    public init(reading: Hash32, outcome: Outcome) {
        self.reading = reading
        self.outcome = outcome
    }
}
