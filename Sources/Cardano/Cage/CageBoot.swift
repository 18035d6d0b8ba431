extension Cage {
    /// The transaction that creates an operator's cage: it spends `seed` (an output of the owner's),
    /// mints the one token named after it under the state policy, and locks the token at the state
    /// address with the empty root and the cage's terms — what the state validator's minting rule
    /// checks. The rest of the seed goes back to the owner less the fee.
    public struct Boot: Sendable {
        public var seed: UTxO
        public var state: State
        /// The state validator: its hash is the policy and the payment credential of the state address.
        public var stateScript: PlutusScript
        /// Lovelace locked with the token (at least the output's minimum).
        public var lockedLovelace: UInt64
        public var change: [UInt8]
        public var collateral: UTxO

        public init(seed: UTxO, state: State, stateScript: PlutusScript, lockedLovelace: UInt64, change: [UInt8], collateral: UTxO) {
            self.seed = seed
            self.state = state
            self.stateScript = stateScript
            self.lockedLovelace = lockedLovelace
            self.change = change
            self.collateral = collateral
        }

        /// The token this transaction mints.
        public var token: TokenID { TokenID(seed: seed.input) }

        /// The unsigned transaction with `units` for the minting script; the owner's key witnesses it.
        public func transaction(
            units: ExecutionUnits, fees: FeeParameters, costModels: [PlutusLanguage: [Int64]], network: CardanoNetwork
        ) throws(CardanoError) -> Transaction {
            let policy = stateScript.hash
            let address = try EnterpriseAddress(credential: .scriptHash(policy), network: network).bytes
            let locked = TransactionOutput(
                address: address, value: Value(coin: lockedLovelace, assets: MultiAsset([policy: [token.assetName: 1]])),
                datum: .inline(state.datum))
            guard lockedLovelace >= (try fees.minUTxO(for: locked)) else {
                throw CardanoError(.overflow, "\(lockedLovelace) lovelace is below the state output's minimum")
            }
            let redeemer = Redeemer(tag: .mint, index: 0, data: MintRedeemer.minting(seed: seed.input).data, memory: units.memory, steps: units.steps)
            let witnesses = WitnessSet(redeemers: [redeemer], plutusV3Scripts: [stateScript.bytes])
            let scriptDataHash = try ScriptDataHash.compute(witnessSet: witnesses, costModels: costModels, languages: [.v3])
            var fee: UInt64 = 0
            for _ in 0..<4 {
                let spent = try Ratio.sum([lockedLovelace, fee])
                guard seed.output.value.coin > spent else {
                    throw CardanoError(.overflow, "the seed holds \(seed.output.value.coin) lovelace, not enough for the state and the fee")
                }
                let body = TransactionBody(
                    inputs: [seed.input],
                    outputs: [locked, TransactionOutput(address: change, value: Value(coin: seed.output.value.coin - spent))],
                    fee: fee, mint: MultiAsset([policy: [token.assetName: 1]]), scriptDataHash: scriptDataHash, collateral: [collateral.input],
                    requiredSigners: [state.owner], networkID: network.rawValue)
                let needed = try fees.minFee(
                    transactionSize: try Transaction.signedSize(body: body, witnesses: witnesses), memory: units.memory, steps: units.steps)
                if needed <= fee { return try Transaction(bodyBytes: try body.cborBytes(), witnessSet: witnesses) }
                fee = needed
            }
            throw CardanoError(.overflow, "the boot transaction's fee did not settle")
        }
    }
}
