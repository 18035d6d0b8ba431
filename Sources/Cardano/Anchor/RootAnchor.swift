import Encoding

/// An operator's trie root anchored on Cardano, one ordinary transaction per batch whatever the
/// number of passports it changed: a token under a native-script policy (the operator's key,
/// mintable only before `lockSlot`, so its supply is fixed once that slot passes; a verifier
/// confirms on any indexer that the supply is exactly one) that moves
/// from output to output, each output carrying the root it anchors as the inline datum
/// `Constr 0 [B root32, I sequence]`. The slot of each move dates its root; a follower finds the
/// current root by the token; anyone checks a passport's proof against it.
public struct RootAnchor: Sendable, Hashable {
    /// The operator's payment key hash: the only signer of the policy and of the token's moves.
    public let owner: [UInt8]
    /// The slot before which the token must be minted (exclusive upper bound of the mint's validity).
    public let lockSlot: UInt64
    /// The token's asset name (one key may anchor several tries, one token each).
    public let assetName: [UInt8]
    /// The asset name of a key's only anchor.
    public static let defaultAssetName = Array("voltpass-root".utf8)

    public init(owner: [UInt8], lockSlot: UInt64, assetName: [UInt8] = defaultAssetName) throws(CardanoError) {
        guard owner.count == 28 else { throw CardanoError(.invalidLength, "an owner is a 28-byte key hash") }
        guard assetName.count <= 32 else { throw CardanoError(.invalidLength, "an asset name has at most 32 bytes") }
        self.owner = owner
        self.lockSlot = lockSlot
        self.assetName = assetName
    }

    /// The minting policy: the owner signs, before `lockSlot`.
    public var policy: NativeScript { .all([.signature(owner), .before(lockSlot)]) }
    public var policyID: [UInt8] { policy.hash }

    /// What one anchoring output says.
    public struct State: Sendable, Hashable {
        public var root: [UInt8]
        /// 0 for the first root, one more for each move.
        public var sequence: UInt64

        public init(root: [UInt8], sequence: UInt64) throws(CardanoError) {
            guard root.count == 32 else { throw CardanoError(.invalidLength, "a trie root has 32 bytes") }
            self.root = root
            self.sequence = sequence
        }

        public var datum: PlutusData { .constr(0, [.bytes(root), .integer(PlutusInteger(sequence))]) }

        public init(datum: PlutusData) throws(CardanoError) {
            let fields = try Cage.fields(of: datum, constructor: 0, count: 2, "root anchor")
            try self.init(root: try Cage.bytes(fields[0], "root"), sequence: try Cage.natural(fields[1], "sequence"))
        }
    }

    /// The transaction that mints the token with the first root: it spends `funding` (the owner's),
    /// locks `lockedLovelace` with the token at `address`, returns the rest less the fee to `change`,
    /// and is valid until `validUntil` (at most `lockSlot`).
    public func mint(
        root: [UInt8], funding: [UTxO], address: [UInt8], lockedLovelace: UInt64, change: [UInt8], validUntil: UInt64,
        fees: FeeParameters, network: CardanoNetwork
    ) throws(CardanoError) -> Transaction {
        guard validUntil <= lockSlot else { throw CardanoError(.invalidTransaction, "the mint must be valid only before slot \(lockSlot)") }
        let output = TransactionOutput(
            address: address, value: Value(coin: lockedLovelace, assets: token), datum: .inline(try State(root: root, sequence: 0).datum))
        return try build(
            spending: funding, anchorOutput: output, anchorPaysFee: false, change: change, mint: MultiAsset([policyID: [assetName: 1]]), ttl: validUntil,
            witnesses: WitnessSet(nativeScripts: [policy]), fees: fees)
    }

    /// The transaction that moves the token from `current` to an output at the same address anchoring
    /// `root` with the next sequence; the fee comes out of the anchor's own lovelace and `funding`.
    public func move(
        from current: UTxO, to root: [UInt8], funding: [UTxO] = [], change: [UInt8], fees: FeeParameters
    ) throws(CardanoError) -> Transaction {
        let state = try anchored(in: current.output)
        let output = TransactionOutput(
            address: current.output.address, value: current.output.value,
            datum: .inline(try State(root: root, sequence: state.sequence + 1).datum))
        return try build(
            spending: [current] + funding, anchorOutput: output, anchorPaysFee: funding.isEmpty, change: change, mint: nil, ttl: nil,
            witnesses: WitnessSet(), fees: fees)
    }

    /// What `output` anchors, when it holds this anchor's token; `cardano_not_an_anchor` otherwise.
    public func anchored(in output: TransactionOutput) throws(CardanoError) -> State {
        guard output.value.assets.assets[policyID]?[assetName] == 1 else {
            throw CardanoError(.notAnAnchor, "the output does not hold the root anchor of \(Hex.encode(owner))")
        }
        guard let datum = try output.datum?.inlineData() else { throw CardanoError(.notAnAnchor, "the anchor output has no inline datum") }
        return try State(datum: datum)
    }

    /// What the transaction's output `index` anchors (see ``anchored(in:)``): a verifier holding the
    /// transaction's bytes checks it this way, and any Cardano indexer confirms the transaction id.
    public func anchored(in tx: Transaction, outputIndex index: Int) throws(CardanoError) -> State {
        guard tx.body.outputs.indices.contains(index) else { throw CardanoError(.notAnAnchor, "the transaction has no output \(index)") }
        return try anchored(in: tx.body.outputs[index])
    }

    private var token: MultiAsset<UInt64> { MultiAsset([policyID: [assetName: 1]]) }

    /// Output 0 is the anchor, then the change of the other inputs; the anchor's own lovelace pays the
    /// fee when `anchorPaysFee` (a move without funding). The fee is settled against the signed size.
    private func build(
        spending inputs: [UTxO], anchorOutput: TransactionOutput, anchorPaysFee: Bool, change: [UInt8], mint: MultiAsset<Int64>?,
        ttl: UInt64?, witnesses: WitnessSet, fees: FeeParameters
    ) throws(CardanoError) -> Transaction {
        let available = try Ratio.sum(inputs.map(\.output.value.coin))
        var fee: UInt64 = 0
        for _ in 0..<4 {
            var anchor = anchorOutput
            if anchorPaysFee {
                guard anchor.value.coin > fee else { throw CardanoError(.overflow, "the anchor's lovelace does not cover the fee") }
                anchor.value.coin -= fee
            }
            guard anchor.value.coin >= (try fees.minUTxO(for: anchor)) else {
                throw CardanoError(.overflow, "the anchor output would hold less than its minimum: add a funding input")
            }
            let spent = try Ratio.sum([anchor.value.coin, fee])
            guard available >= spent else {
                throw CardanoError(.overflow, "the inputs hold \(available) lovelace, not enough for the anchor and the fee")
            }
            let rest = available - spent
            if rest > 0, rest < (try fees.minUTxO(for: TransactionOutput(address: change, value: Value(coin: rest)))) {
                throw CardanoError(.overflow, "\(rest) lovelace of change is below an output's minimum")
            }
            let body = TransactionBody(
                inputs: inputs.map(\.input), outputs: [anchor] + (rest > 0 ? [TransactionOutput(address: change, value: Value(coin: rest))] : []),
                fee: fee, ttl: ttl, mint: mint)
            let needed = try fees.minFee(transactionSize: try Transaction.signedSize(body: body, witnesses: witnesses))
            if needed <= fee { return try Transaction(bodyBytes: try body.cborBytes(), witnessSet: witnesses) }
            fee = needed
        }
        throw CardanoError(.overflow, "the anchor transaction's fee did not settle")
    }
}
