import Encoding

/// A transaction id: BLAKE2b-256 of the transaction body's bytes exactly as serialised in the
/// transaction. Never re-encode a received body to get its id: any other serialisation (key order,
/// tag 258, indefinite lengths) hashes differently.
public struct TransactionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 32 hash bytes.
    public let bytes: [UInt8]

    /// An id from its 32 bytes (`cardano_invalid_length` otherwise).
    public init(bytes: some Collection<UInt8>) throws(CardanoError) {
        guard bytes.count == 32 else {
            throw CardanoError(.invalidLength, "a transaction id has 32 bytes, not \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// An id from 64 hex digits.
    public init(hex: String) throws(CardanoError) {
        guard let bytes = try? Hex.decode(hex) else { throw CardanoError(.invalidLength, "transaction id is not hex") }
        try self.init(bytes: bytes)
    }

    /// The id of the body serialised as `bodyBytes`.
    public init(bodyBytes: some Collection<UInt8>) {
        bytes = Blake2b.hash256(bodyBytes)
    }

    /// Lowercase hex.
    public var description: String { Hex.encode(bytes) }

    /// Bytewise order, as the ledger orders transaction inputs.
    public static func < (lhs: TransactionID, rhs: TransactionID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// A reference to an output of an earlier transaction: `[transaction_id, index]`.
public struct TransactionInput: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The transaction that created the output.
    public var transactionID: TransactionID
    /// The output's position in that transaction.
    public var index: UInt16

    /// Creates an input reference.
    public init(transactionID: TransactionID, index: UInt16) {
        self.transactionID = transactionID
        self.index = index
    }

    /// `txid#index`.
    public var description: String { "\(transactionID)#\(index)" }

    /// Ledger order: by transaction id bytes, then index.
    public static func < (lhs: TransactionInput, rhs: TransactionInput) -> Bool {
        lhs.transactionID == rhs.transactionID ? lhs.index < rhs.index : lhs.transactionID < rhs.transactionID
    }

    var cbor: CBOR { .array([.bytes(transactionID.bytes), .unsigned(UInt64(index))]) }

    init(cbor: CBOR) throws(CardanoError) {
        guard let pair = cbor.arrayValue, pair.count == 2, let id = pair[0].bytesValue,
            let index = pair[1].uint64Value, index <= UInt64(UInt16.max)
        else { throw CardanoError(.invalidBody, "a transaction input must be [bytes32, uint16]") }
        self.init(transactionID: try TransactionID(bytes: id), index: UInt16(index))
    }
}
