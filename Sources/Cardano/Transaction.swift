import Encoding

/// A Conway transaction `[body, witness_set, is_valid, auxiliary_data / null]` that keeps the exact
/// bytes of its body, so `id` is the ledger's id whatever encoder produced it.
public struct Transaction: Sendable, Hashable {
    /// The body's bytes exactly as they appear in the transaction.
    public let bodyBytes: [UInt8]
    /// The body, decoded.
    public let body: TransactionBody
    /// The witness set, decoded (with each entry's bytes).
    public let witnessSet: WitnessSet
    /// The witness set's bytes as they appear in the transaction.
    public let witnessSetBytes: [UInt8]
    /// False when phase-2 validation is expected to fail (collateral is taken).
    public let isValid: Bool
    /// The auxiliary data's bytes, or nil for `null`.
    public let auxiliaryDataBytes: [UInt8]?
    /// Where the body sits in the bytes the transaction was read from (nil when assembled).
    public let bodyRange: Range<Int>?

    /// The transaction id: BLAKE2b-256 of `bodyBytes`.
    public var id: TransactionID { TransactionID(bodyBytes: bodyBytes) }

    /// Reads a transaction; the body must decode (keys 0–22 are all accepted). Plutus data in the
    /// witness set follows the ledger's rules unless `allowingLongByteStrings`, which accepts definite
    /// byte strings over 64 bytes (the ledger rejects such a transaction; some tools write them).
    public init(cbor bytes: [UInt8], allowingLongByteStrings: Bool = false) throws(CardanoError) {
        let elements = try CBORSpans.arrayElements(bytes, context: "transaction")
        guard elements.count == 4 else {
            throw CardanoError(.invalidTransaction, "a transaction has 4 elements, not \(elements.count)")
        }
        guard let isValid = elements[2].item.boolValue else {
            throw CardanoError(.invalidTransaction, "is_valid must be a boolean")
        }
        bodyRange = elements[0].range
        bodyBytes = Array(bytes[elements[0].range])
        body = try TransactionBody(cbor: elements[0].item)
        witnessSetBytes = Array(bytes[elements[1].range])
        witnessSet = try WitnessSet(cbor: witnessSetBytes, allowingLongByteStrings: allowingLongByteStrings)
        self.isValid = isValid
        auxiliaryDataBytes = elements[3].item == .null ? nil : Array(bytes[elements[3].range])
    }

    /// A transaction from a body's bytes and a built witness set.
    public init(
        bodyBytes: [UInt8], witnessSet: WitnessSet, isValid: Bool = true, auxiliaryDataBytes: [UInt8]? = nil
    ) throws(CardanoError) {
        self.bodyBytes = bodyBytes
        body = try TransactionBody(cbor: bodyBytes)
        witnessSetBytes = witnessSet.cborBytes()
        self.witnessSet = try WitnessSet(cbor: witnessSetBytes)
        self.isValid = isValid
        self.auxiliaryDataBytes = auxiliaryDataBytes
        bodyRange = nil
    }

    /// The serialised transaction, with the body and witness set bytes as they are.
    public var cborBytes: [UInt8] {
        var writer = CBORWriter(capacity: bodyBytes.count + witnessSetBytes.count + 8)
        writer.appendHead(.array, 4)
        writer.appendRaw(bodyBytes)
        writer.appendRaw(witnessSetBytes)
        writer.appendRaw([isValid ? 0xf5 : 0xf4])
        writer.appendRaw(auxiliaryDataBytes ?? [0xf6])
        return writer.bytes
    }
}

extension Transaction {
    /// The size of the transaction with `body` and `witnesses` once `signers` keys witness it (sized
    /// with placeholder witnesses of the same length), for its fee.
    static func signedSize(body: TransactionBody, witnesses: WitnessSet, signers: Int = 1) throws(CardanoError) -> Int {
        var signed = witnesses
        let placeholder = try VKeyWitness(vkey: Array(repeating: 0, count: 32), signature: Array(repeating: 0, count: 64))
        signed.vkeyWitnesses = Array(repeating: placeholder, count: signers)
        return try Transaction(bodyBytes: try body.cborBytes(), witnessSet: signed).cborBytes.count
    }
}
