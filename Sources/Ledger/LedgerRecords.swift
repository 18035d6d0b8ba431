import Trie

/// Where a transaction landed: its hash (BLAKE2b-256 of its body) and its slot.
public struct TransactionReceipt: Sendable, Hashable {
    /// The transaction hash.
    public let hash: Hash32
    /// The slot it was recorded in.
    public let slot: UInt64
}

/// One root an operator anchored.
public struct AnchorRecord: Sendable, Hashable {
    /// The operator.
    public let operatorID: String
    /// The trie root.
    public let root: Hash32
    /// The anchoring (or settling) transaction.
    public let transaction: Hash32
    /// Its slot.
    public let slot: UInt64
}

/// A confirmed commitment; its transaction hash is the challenge.
public struct CommitmentRecord: Sendable, Hashable {
    /// The commitment transaction hash, the challenge.
    public let challenge: Hash32
    /// The battery to be read.
    public let batteryID: String
    /// The committing user's key hash.
    public let userKeyHash: KeyHash
    /// The user's nonce.
    public let nonce: [UInt8]
    /// The slot of the commitment: the trusted time.
    public let slot: UInt64
    /// The reading that consumed it, once consumed.
    public internal(set) var consumedBy: Hash32?
}

/// A submitted reading and what became of it.
public struct ReadingRecord: Sendable, Hashable {
    /// The submission transaction hash.
    public let id: Hash32
    /// What was submitted.
    public let submission: ReadingSubmission
    /// The submission's slot.
    public let slot: UInt64
    /// The consumed commitment's slot, the reading's trusted time.
    public let commitmentSlot: UInt64
    /// Pending, incorporated or rejected.
    public internal(set) var status: ReadingStatus
    /// The submission's position in the ledger (orders the pending queue).
    let sequence: Int
}

/// Where a reading stands.
public enum ReadingStatus: Sendable, Hashable {
    /// Waiting for its operator's batch.
    case pending
    /// Incorporated by the settlement transaction, with the reward paid.
    case incorporated(settlement: Hash32, reward: UInt64)
    /// Rejected by the settlement transaction, for the reason given.
    case rejected(settlement: Hash32, reason: String)
}

/// The ledger's head: how many transactions, the last one's hash and slot.
public struct LedgerTip: Sendable, Hashable {
    /// The number of transactions recorded.
    public internal(set) var count: Int
    /// The last transaction's hash; the null hash while the ledger is empty.
    public internal(set) var hash: Hash32
    /// The last transaction's slot (0 while empty).
    public internal(set) var slot: UInt64
}

/// An operator's anchor as a public chain holds it.
public struct PublicAnchor: Sendable, Hashable {
    public init(
        chain: String, policyID: [UInt8], assetName: [UInt8], root: Hash32, sequence: UInt64, transaction: Hash32, outputIndex: Int, slot: UInt64?
    ) {
        self.slot = slot
        self.chain = chain
        self.policyID = policyID
        self.assetName = assetName
        self.root = root
        self.sequence = sequence
        self.transaction = transaction
        self.outputIndex = outputIndex
    }

    /// The chain, e.g. `cardano-preprod`.
    public let chain: String
    /// The anchor token: its policy id and asset name.
    public let policyID: [UInt8]
    public let assetName: [UInt8]
    public let root: Hash32
    /// 0 for the first root, one more for each move.
    public let sequence: UInt64
    /// The transaction whose output holds the token now, and that output's index.
    public let transaction: Hash32
    public let outputIndex: Int
    /// The slot the transaction was valid from (it was not on chain before), when this service built it.
    public let slot: UInt64?
}

/// A public chain's transaction that anchored a root, carried by offline bundles: anyone checks the
/// root in its output and confirms its id on any indexer of that chain.
public struct AnchoringTransaction: Sendable, Hashable {
    /// The chain, e.g. `cardano-preprod`.
    public let chain: String
    /// The signed transaction's bytes (Cardano: its CBOR; the id is BLAKE2b-256 of the body inside).
    public let cbor: [UInt8]
    /// The output holding the anchor.
    public let outputIndex: Int

    public init(chain: String, cbor: [UInt8], outputIndex: Int) {
        self.chain = chain
        self.cbor = cbor
        self.outputIndex = outputIndex
    }
}
