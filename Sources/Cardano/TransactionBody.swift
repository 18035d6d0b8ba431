import Encoding

/// A Conway transaction body with the fields the anchoring service builds; other keys (certificates,
/// withdrawals, governance, treasury, donation) are kept as generic CBOR in `otherFields`.
///
/// Encoding choices (`cborBytes()`): keys ascending, Core Deterministic Encoding inside values
/// (shortest heads, definite lengths, map keys sorted bytewise), and every set (inputs, collateral,
/// required signers, reference inputs) written as `#6.258([...])`, sorted and without duplicates, as the
/// Conway ledger itself serialises them. Empty optional sets are omitted (they are `nonempty_set`).
/// A decoded body keeps no bytes: hash a received body through `Transaction.bodyBytes`.
public struct TransactionBody: Sendable, Hashable {
    /// 0: the inputs spent.
    public var inputs: [TransactionInput]
    /// 1: the outputs created, in order.
    public var outputs: [TransactionOutput]
    /// 2: the fee in lovelace.
    public var fee: UInt64
    /// 3: the slot from which the transaction is invalid (time to live).
    public var ttl: UInt64?
    /// 7: the hash of the auxiliary data.
    public var auxiliaryDataHash: [UInt8]?
    /// 8: the first slot at which the transaction is valid.
    public var validityStart: UInt64?
    /// 9: tokens minted (positive) and burnt (negative).
    public var mint: MultiAsset<Int64>?
    /// 11: the script data hash (see `ScriptDataHash`).
    public var scriptDataHash: [UInt8]?
    /// 13: collateral inputs.
    public var collateral: [TransactionInput]
    /// 14: key hashes (28 bytes) that must sign.
    public var requiredSigners: [[UInt8]]
    /// 15: 0 testnets, 1 mainnet.
    public var networkID: UInt8?
    /// 16: the collateral return output.
    public var collateralReturn: TransactionOutput?
    /// 17: total collateral in lovelace.
    public var totalCollateral: UInt64?
    /// 18: inputs read but not spent.
    public var referenceInputs: [TransactionInput]
    /// Keys 4, 5, 19–22 and any other, as received.
    public var otherFields: [UInt64: CBOR]

    /// Creates a body.
    public init(
        inputs: [TransactionInput], outputs: [TransactionOutput], fee: UInt64, ttl: UInt64? = nil,
        auxiliaryDataHash: [UInt8]? = nil, validityStart: UInt64? = nil, mint: MultiAsset<Int64>? = nil,
        scriptDataHash: [UInt8]? = nil, collateral: [TransactionInput] = [], requiredSigners: [[UInt8]] = [],
        networkID: UInt8? = nil, collateralReturn: TransactionOutput? = nil, totalCollateral: UInt64? = nil,
        referenceInputs: [TransactionInput] = [], otherFields: [UInt64: CBOR] = [:]
    ) {
        self.inputs = inputs
        self.outputs = outputs
        self.fee = fee
        self.ttl = ttl
        self.auxiliaryDataHash = auxiliaryDataHash
        self.validityStart = validityStart
        self.mint = mint
        self.scriptDataHash = scriptDataHash
        self.collateral = collateral
        self.requiredSigners = requiredSigners
        self.networkID = networkID
        self.collateralReturn = collateralReturn
        self.totalCollateral = totalCollateral
        self.referenceInputs = referenceInputs
        self.otherFields = otherFields
    }

    /// The body as a CBOR map (see the type's encoding choices).
    public var cbor: CBOR {
        func set(_ inputs: [TransactionInput]) -> CBOR {
            .tagged(258, .array(Array(Set(inputs)).sorted().map(\.cbor)))
        }
        var fields: [UInt64: CBOR] = otherFields
        fields[0] = set(inputs)
        fields[1] = .array(outputs.map(\.cbor))
        fields[2] = .unsigned(fee)
        if let ttl { fields[3] = .unsigned(ttl) }
        if let auxiliaryDataHash { fields[7] = .bytes(auxiliaryDataHash) }
        if let validityStart { fields[8] = .unsigned(validityStart) }
        if let mint, !mint.isEmpty { fields[9] = mint.cbor }
        if let scriptDataHash { fields[11] = .bytes(scriptDataHash) }
        if !collateral.isEmpty { fields[13] = set(collateral) }
        if !requiredSigners.isEmpty {
            let sorted = Array(Set(requiredSigners)).sorted { $0.lexicographicallyPrecedes($1) }
            fields[14] = .tagged(258, .array(sorted.map { .bytes($0) }))
        }
        if let networkID { fields[15] = .unsigned(UInt64(networkID)) }
        if let collateralReturn { fields[16] = collateralReturn.cbor }
        if let totalCollateral { fields[17] = .unsigned(totalCollateral) }
        if !referenceInputs.isEmpty { fields[18] = set(referenceInputs) }
        return .map(fields.sorted { $0.key < $1.key }.map { CBOR.Pair(.unsigned($0.key), $0.value) })
    }

    /// The serialised body; its BLAKE2b-256 is the id of a transaction carrying exactly these bytes.
    public func cborBytes() throws(CardanoError) -> [UInt8] {
        do { return try cbor.encode() } catch { throw CardanoError(.invalidBody, "body: \(error.description)") }
    }

    /// Reads a body from its bytes (any valid CBOR form; tag 258 optional on sets).
    public init(cbor bytes: some Collection<UInt8>) throws(CardanoError) {
        let item: CBOR
        do { item = try CBOR.decode(Array(bytes)) } catch { throw CardanoError.cbor(error, in: "transaction body") }
        try self.init(cbor: item)
    }

    /// Reads a body from its CBOR map.
    public init(cbor item: CBOR) throws(CardanoError) {
        guard let pairs = item.mapValue else { throw CardanoError(.invalidBody, "a transaction body is a map") }
        var fields: [UInt64: CBOR] = [:]
        for pair in pairs {
            guard let key = pair.key.uint64Value else { throw CardanoError(.invalidBody, "body keys are unsigned integers") }
            fields[key] = pair.value
        }
        guard let inputs = fields.removeValue(forKey: 0), let outputs = fields.removeValue(forKey: 1),
            let fee = fields.removeValue(forKey: 2)
        else { throw CardanoError(.invalidBody, "a body needs inputs (0), outputs (1) and fee (2)") }
        self.inputs = try Self.inputSet(inputs, field: "inputs")
        guard let outputList = outputs.arrayValue else { throw CardanoError(.invalidBody, "outputs (1) must be an array") }
        self.outputs = try outputList.map { (output) throws(CardanoError) in try TransactionOutput(cbor: output) }
        self.fee = try Self.uint(fee, field: "fee")
        ttl = try fields.removeValue(forKey: 3).map { (value) throws(CardanoError) in try Self.uint(value, field: "ttl") }
        auxiliaryDataHash = try fields.removeValue(forKey: 7).map { (value) throws(CardanoError) in
            try Self.hash(value, count: 32, field: "auxiliary data hash")
        }
        validityStart = try fields.removeValue(forKey: 8).map { (value) throws(CardanoError) in
            try Self.uint(value, field: "validity start")
        }
        mint = try fields.removeValue(forKey: 9).map { (value) throws(CardanoError) in try MultiAsset(cbor: value, field: "mint") }
        scriptDataHash = try fields.removeValue(forKey: 11).map { (value) throws(CardanoError) in
            try Self.hash(value, count: 32, field: "script data hash")
        }
        collateral = try fields.removeValue(forKey: 13).map { (value) throws(CardanoError) in
            try Self.inputSet(value, field: "collateral")
        } ?? []
        requiredSigners = try fields.removeValue(forKey: 14).map { (value) throws(CardanoError) in
            try Self.setElements(value, field: "required signers").map { (signer) throws(CardanoError) in
                try Self.hash(signer, count: 28, field: "required signer")
            }
        } ?? []
        networkID = try fields.removeValue(forKey: 15).map { (value) throws(CardanoError) in
            let id = try Self.uint(value, field: "network id")
            guard id <= 1 else { throw CardanoError(.invalidBody, "network id must be 0 or 1") }
            return UInt8(id)
        }
        collateralReturn = try fields.removeValue(forKey: 16).map { (value) throws(CardanoError) in
            try TransactionOutput(cbor: value)
        }
        totalCollateral = try fields.removeValue(forKey: 17).map { (value) throws(CardanoError) in
            try Self.uint(value, field: "total collateral")
        }
        referenceInputs = try fields.removeValue(forKey: 18).map { (value) throws(CardanoError) in
            try Self.inputSet(value, field: "reference inputs")
        } ?? []
        otherFields = fields
    }

    private static func uint(_ value: CBOR, field: String) throws(CardanoError) -> UInt64 {
        guard let n = value.uint64Value else { throw CardanoError(.invalidBody, "\(field) must be an unsigned integer") }
        return n
    }

    private static func hash(_ value: CBOR, count: Int, field: String) throws(CardanoError) -> [UInt8] {
        guard let bytes = value.bytesValue, bytes.count == count else {
            throw CardanoError(.invalidBody, "\(field) must be \(count) bytes")
        }
        return bytes
    }

    /// The elements of `[* a]` or `#6.258([* a])`.
    static func setElements(_ value: CBOR, field: String) throws(CardanoError) -> [CBOR] {
        if case .tagged(258, .array(let elements)) = value { return elements }
        guard let elements = value.arrayValue else { throw CardanoError(.invalidBody, "\(field) must be a set (array)") }
        return elements
    }

    private static func inputSet(_ value: CBOR, field: String) throws(CardanoError) -> [TransactionInput] {
        try setElements(value, field: field).map { (input) throws(CardanoError) in try TransactionInput(cbor: input) }
    }
}
