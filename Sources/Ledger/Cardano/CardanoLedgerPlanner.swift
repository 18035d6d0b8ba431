import Cardano
import Encoding
import Trie

/// Turns a ledger transaction that passed the rules into the Cardano transaction that carries it.
/// Every transaction is signed by the service's payment key, valid from the slot it was checked at
/// and for `validitySlots` after, and pays its fee from the wallet, whose change comes back last.
///
/// - anchor: moves the operator's root-anchor token to an output with the new root, minting it
///   the first time (policy: the key, before the mint's validity end);
/// - commit: an output at the commitment script `all[key, before(slot + max age + 1)]` with the
///   commitment datum; it can be consumed once, and only by a transaction valid no later than the
///   commitment's slot + max age, so the chain itself refuses stale readings;
/// - reading: consumes the commitment, leaves the reading datum at the service's address;
/// - fund: an output holding the amount with the operator's pool datum;
/// - settle: consumes the settled readings and the operator's pool, moves (or mints) the anchor to
///   the new root, pays each rewarded reader at its key hash's address and returns the pool's rest.
struct CardanoLedgerPlanner {
    let key: PaymentKey
    let walletAddress: EnterpriseAddress
    let network: CardanoNetwork
    let parameters: LedgerParameters
    let validitySlots: UInt64
    let fees: FeeParameters

    /// The signed transaction carrying `transaction`, and the outputs it spends.
    func plan(
        _ transaction: LedgerTransaction, at slot: UInt64, state: LedgerState, outputs: CardanoLedgerOutputs
    ) throws(LedgerError) -> (transaction: Transaction, spent: [UTxO]) {
        var spending: [UTxO] = []
        var paying: [TransactionOutput] = []
        var scripts: [NativeScript] = []
        var mint: MultiAsset<Int64>?
        // A tip near the end of the slot range (a backend's answer) must not overflow the sum.
        var validUntil = slot.addingReportingOverflow(validitySlots).overflow ? UInt64.max : slot + validitySlots

        func anchorOutput(_ operatorID: String, root: Hash32) throws(LedgerError) {
            if let current = outputs.anchors[operatorID] {
                let sequence = try cardano { () throws(CardanoError) in try current.anchor.anchored(in: current.utxo.output).sequence }
                spending.append(current.utxo)
                paying.append(
                    TransactionOutput(
                        address: current.utxo.output.address, value: current.utxo.output.value,
                        datum: .inline(try cardano { () throws(CardanoError) in try RootAnchor.State(root: root.bytes, sequence: sequence + 1).datum })))
            } else {
                let anchor = try CardanoLedgerOutputs.rootAnchor(owner: key.keyHash, lockSlot: validUntil, operator: operatorID)
                mint = MultiAsset([anchor.policyID: [anchor.assetName: 1]])
                scripts.append(anchor.policy)
                paying.append(
                    try minimumOutput(
                        address: walletAddress.bytes, assets: MultiAsset([anchor.policyID: [anchor.assetName: 1]]),
                        datum: try cardano { () throws(CardanoError) in try RootAnchor.State(root: root.bytes, sequence: 0).datum }))
            }
        }

        switch transaction {
        case .anchor(let operatorID, let root):
            try anchorOutput(operatorID, root: root)

        case .commit(let batteryID, let user, let nonce):
            let script = Self.commitmentScript(owner: key.keyHash, slot: slot, maxAge: parameters.maxAgeSlots)
            let address = try cardano { () throws(CardanoError) in try EnterpriseAddress(credential: .scriptHash(script.hash), network: network) }
            paying.append(try minimumOutput(address: address.bytes, datum: CardanoLedgerDatum.commitment(batteryID: batteryID, user: user, nonce: nonce)))

        case .submitReading(let submission):
            guard let commitment = state.commitments[submission.commitment], let utxo = outputs.commitments[submission.commitment] else {
                throw LedgerError(code: "commitment_not_found", message: "commitment \(submission.commitment.hex) holds no output on chain")
            }
            let script = Self.commitmentScript(owner: key.keyHash, slot: commitment.slot, maxAge: parameters.maxAgeSlots)
            spending.append(utxo)
            scripts.append(script)
            validUntil = min(validUntil, Self.commitmentDeadline(slot: commitment.slot, maxAge: parameters.maxAgeSlots))
            paying.append(try minimumOutput(address: walletAddress.bytes, datum: CardanoLedgerDatum.reading(submission)))

        case .fund(let operatorID, let amount):
            let output = TransactionOutput(address: walletAddress.bytes, value: Value(coin: amount), datum: .inline(CardanoLedgerDatum.pool(operatorID)))
            let minimum = try minUTxO(output)
            guard amount >= minimum else {
                throw LedgerError(code: "amount_below_minimum", message: "a pool output holds at least \(minimum) lovelace, not \(amount)")
            }
            paying.append(output)

        case .settle(let operatorID, let root, let settlements):
            try anchorOutput(operatorID, root: root)
            var rewards: [KeyHash: UInt64] = [:]
            for settlement in settlements {
                guard let utxo = outputs.readings[settlement.reading], let reading = state.readings[settlement.reading] else {
                    throw LedgerError(code: "reading_not_found", message: "reading \(settlement.reading.hex) holds no output on chain")
                }
                spending.append(utxo)
                if case .incorporated(let reward) = settlement.outcome, reward > 0 {
                    rewards[reading.submission.submitter, default: 0] += reward
                }
            }
            for (reader, amount) in rewards.sorted(by: { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }) {
                let address = try cardano { () throws(CardanoError) in try EnterpriseAddress(credential: .keyHash(reader.bytes), network: network) }
                let output = TransactionOutput(address: address.bytes, value: Value(coin: amount))
                let minimum = try minUTxO(output)
                guard amount >= minimum else {
                    throw LedgerError(
                        code: "reward_below_minimum", message: "a reward output holds at least \(minimum) lovelace; \(reader.hex) would get \(amount)")
                }
                paying.append(output)
            }
            let paid = rewards.values.reduce(0, +)
            if paid > 0 {
                let pool = outputs.pools[operatorID] ?? []
                spending += pool
                let held = pool.reduce(UInt64(0)) { $0 + $1.output.value.coin }
                guard held >= paid else {
                    throw LedgerError(code: "insufficient_pool", message: "the pool outputs of \(operatorID) hold \(held), the batch pays \(paid)")
                }
                if held > paid {
                    let rest = TransactionOutput(
                        address: walletAddress.bytes, value: Value(coin: held - paid), datum: .inline(CardanoLedgerDatum.pool(operatorID)))
                    let minimum = try minUTxO(rest)
                    guard held - paid >= minimum else {
                        throw LedgerError(
                            code: "pool_rest_below_minimum", message: "the pool would keep \(held - paid) lovelace, below an output's \(minimum)")
                    }
                    paying.append(rest)
                }
            }
        }

        let available = outputs.wallet.reduce(Int128(0)) { $0 + Int128($1.output.value.coin) }
        let needed = paying.reduce(Int128(Self.feeReserve)) { $0 + Int128($1.value.coin) } - spending.reduce(Int128(0)) { $0 + Int128($1.output.value.coin) }
        guard !outputs.wallet.isEmpty, available >= needed else {
            throw LedgerError(
                code: "wallet_insufficient",
                message: "the service's address \(walletAddress.bech32) holds \(available) lovelace in ada-only outputs; this transaction needs about \(needed)")
        }
        let spent = spending + outputs.wallet.sorted { $0.output.value.coin > $1.output.value.coin }.prefix(Self.maxWalletInputs)
        let signed = try cardano { () throws(CardanoError) in
            let tx = try TransactionBalancer.balance(
                spending: spent, paying: paying, changeTo: walletAddress.bytes, mint: mint, validFrom: slot, validUntil: validUntil,
                nativeScripts: scripts, fees: fees)
            var witnesses = tx.witnessSet
            witnesses.vkeyWitnesses = [try key.witness(for: tx.id)]
            return try Transaction(bodyBytes: tx.bodyBytes, witnessSet: witnesses)
        }
        guard signed.cborBytes.count <= Self.maxTransactionSize else {
            throw LedgerError(
                code: "transaction_too_large",
                message: "the transaction would take \(signed.cborBytes.count) bytes, more than the chain's \(Self.maxTransactionSize)")
        }
        return (signed, spent)
    }

    /// The largest transaction the chain takes (Conway's `maxTxSize`, mainnet and the test networks).
    static let maxTransactionSize = 16_384
    /// The most readings one settlement carries: each adds an input and at most one reward output, and
    /// this many from distinct readers fit within ``maxTransactionSize`` with room to spare (see
    /// BENCHMARKS.md, "The ledger on Cardano").
    static let maxSettlements = 150

    /// The script a commitment made at `slot` waits at: the service signs its consumption, which must
    /// be valid no later than the commitment's deadline.
    static func commitmentScript(owner: [UInt8], slot: UInt64, maxAge: UInt64) -> NativeScript {
        .all([.signature(owner), .before(commitmentDeadline(slot: slot, maxAge: maxAge))])
    }

    /// The first slot at which a commitment made at `slot` can no longer be consumed.
    static func commitmentDeadline(slot: UInt64, maxAge: UInt64) -> UInt64 {
        let (sum, overflow) = slot.addingReportingOverflow(maxAge.addingReportingOverflow(1).partialValue)
        return overflow ? UInt64.max : sum
    }

    /// What the wallet keeps free for the fee beyond the outputs it pays.
    static let feeReserve: UInt64 = 2_000_000
    /// The most wallet outputs one transaction spends.
    static let maxWalletInputs = 20

    private func minimumOutput(address: [UInt8], assets: MultiAsset<UInt64> = MultiAsset(), datum: PlutusData) throws(LedgerError) -> TransactionOutput {
        var output = TransactionOutput(address: address, value: Value(coin: 0, assets: assets), datum: .inline(datum))
        // The minimum depends on the coin's own encoded size; a second pass settles it.
        for _ in 0..<2 { output.value.coin = try minUTxO(output) }
        return output
    }

    private func minUTxO(_ output: TransactionOutput) throws(LedgerError) -> UInt64 {
        try cardano { () throws(CardanoError) in try fees.minUTxO(for: output) }
    }

    private func cardano<T>(_ body: () throws(CardanoError) -> T) throws(LedgerError) -> T {
        do {
            return try body()
        } catch {
            throw LedgerError(code: error.code, message: error.message)
        }
    }
}
