/// The rules a ledger enforces that an operator may tune.
public struct LedgerParameters: Sendable, Hashable {
    /// How many slots after its commitment a reading may still be submitted: the commitment is
    /// fresh while commitment slot + `maxAgeSlots` ≥ the submission's slot. The specification's
    /// example is 200 slots.
    public var maxAgeSlots: UInt64
    /// The longest operator id or battery id, in UTF-8 bytes.
    public var maxIdentifierBytes: Int
    /// The longest commitment nonce, in bytes (at least one byte is required).
    public var maxNonceBytes: Int
    /// The largest submitted reading (the COSE_Sign1 bytes).
    public var maxReadingBytes: Int
    /// The most transactions in one batch.
    public var maxBatchTransactions: Int

    /// Creates parameters; the defaults follow the specification.
    public init(
        maxAgeSlots: UInt64 = 200, maxIdentifierBytes: Int = 512, maxNonceBytes: Int = 64,
        maxReadingBytes: Int = 16_384, maxBatchTransactions: Int = 100_000
    ) {
        self.maxAgeSlots = maxAgeSlots
        self.maxIdentifierBytes = maxIdentifierBytes
        self.maxNonceBytes = maxNonceBytes
        self.maxReadingBytes = maxReadingBytes
        self.maxBatchTransactions = maxBatchTransactions
    }
}
