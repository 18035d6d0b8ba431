import Cardano
import Encoding
import Trie

/// The outputs the Cardano ledger's transactions left on chain, by what they hold: every
/// transaction spends some of them and creates the next ones (see docs/cardano.md, "The ledger on
/// Cardano"). Rebuilt from the journal when the ledger opens; the wallet's ada comes from the chain.
struct CardanoLedgerOutputs {
    /// Ada-only outputs at the service's address: what pays for outputs and fees.
    var wallet: [UTxO] = []
    /// Each operator's root anchor (its policy and the output holding the token).
    var anchors: [String: (anchor: RootAnchor, utxo: UTxO)] = [:]
    /// Unconsumed commitments by challenge.
    var commitments: [Hash32: UTxO] = [:]
    /// Pending readings by id.
    var readings: [Hash32: UTxO] = [:]
    /// Each operator's reward pool outputs.
    var pools: [String: [UTxO]] = [:]

    /// Forgets the outputs `tx` spends and records the ones it creates for `transaction`.
    mutating func absorb(_ tx: Transaction, carrying transaction: LedgerTransaction, owner: [UInt8], walletAddress: [UInt8]) throws(LedgerError) {
        // Commitments and readings are the first output of the transaction whose hash names them: a
        // spent input finds its entry directly (the maps hold every pending one).
        let spent = Set(tx.body.inputs)
        wallet.removeAll { spent.contains($0.input) }
        for input in spent where input.index == 0 {
            let name = Hash32(bytes: input.transactionID.bytes)!
            if commitments[name]?.input == input { commitments[name] = nil }
            if readings[name]?.input == input { readings[name] = nil }
        }
        if case .settle(let operatorID, _, _) = transaction { pools[operatorID]?.removeAll { spent.contains($0.input) } }
        if pools.values.contains(where: \.isEmpty) { pools = pools.filter { !$0.value.isEmpty } }
        let hash = Hash32(bytes: tx.id.bytes)!
        func created(_ index: Int) -> UTxO {
            UTxO(input: TransactionInput(transactionID: tx.id, index: UInt16(index)), output: tx.body.outputs[index])
        }
        switch transaction {
        case .anchor(let operatorID, _), .settle(let operatorID, _, _):
            let anchor: RootAnchor
            if tx.body.mint != nil {
                guard let lockSlot = tx.body.ttl else { throw .corrupt("the anchor mint \(tx.id) has no validity end") }
                anchor = try Self.rootAnchor(owner: owner, lockSlot: lockSlot, operator: operatorID)
            } else if let existing = anchors[operatorID] {
                anchor = existing.anchor
            } else {
                throw .corrupt("\(tx.id) moves an anchor of \(operatorID) that was never minted")
            }
            anchors[operatorID] = (anchor, created(0))
            for (index, output) in tx.body.outputs.enumerated() where output.datum == .inline(CardanoLedgerDatum.pool(operatorID)) {
                pools[operatorID, default: []].append(created(index))
            }
        case .commit:
            commitments[hash] = created(0)
        case .submitReading:
            readings[hash] = created(0)
        case .fund(let operatorID, _):
            pools[operatorID, default: []].append(created(0))
        }
        for (index, output) in tx.body.outputs.enumerated() where output.address == walletAddress && CardanoLedger.isPlainWalletOutput(output) {
            wallet.append(created(index))
        }
    }

    /// The root anchor of `operatorID` under the service's key: one token per operator, named by the
    /// BLAKE2b-256 of its id, under a policy that closes at `lockSlot`.
    static func rootAnchor(owner: [UInt8], lockSlot: UInt64, operator operatorID: String) throws(LedgerError) -> RootAnchor {
        do {
            return try RootAnchor(owner: owner, lockSlot: lockSlot, assetName: CardanoLedger.anchorAssetName(operator: operatorID))
        } catch {
            throw LedgerError(code: error.code, message: error.message)
        }
    }
}

/// The inline datums of the Cardano ledger's outputs (Plutus data, so any indexer decodes them).
enum CardanoLedgerDatum {
    /// A commitment: `Constr 0 [B battery, B user key hash, B nonce]`.
    static func commitment(batteryID: String, user: KeyHash, nonce: [UInt8]) -> PlutusData {
        .constr(0, [.bytes(Array(batteryID.utf8)), .bytes(user.bytes), .bytes(nonce)])
    }

    /// A pending reading: `Constr 1 [B commitment, B challenge, B battery, B submitter, B operator, B reading]`.
    static func reading(_ submission: ReadingSubmission) -> PlutusData {
        .constr(1, [
            .bytes(submission.commitment.bytes), .bytes(submission.challenge.bytes), .bytes(Array(submission.batteryID.utf8)),
            .bytes(submission.submitter.bytes), .bytes(Array(submission.operatorID.utf8)), .bytes(submission.reading),
        ])
    }

    /// An operator's reward pool: `Constr 2 [B operator]`.
    static func pool(_ operatorID: String) -> [UInt8] { PlutusData.constr(2, [.bytes(Array(operatorID.utf8))]).cborBytes }
}
