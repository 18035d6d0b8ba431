import Encoding
import Trie

/// An unspent output: where it is and what it holds.
public struct UTxO: Sendable, Hashable {
    public var input: TransactionInput
    public var output: TransactionOutput

    public init(input: TransactionInput, output: TransactionOutput) {
        self.input = input
        self.output = output
    }
}

/// Execution units a redeemer may spend.
public struct ExecutionUnits: Sendable, Hashable {
    public var memory: UInt64
    public var steps: UInt64

    public init(memory: UInt64, steps: UInt64) {
        self.memory = memory
        self.steps = steps
    }
}

extension Cage {
    /// A Modify of the v2 cage: the owner spends the state output and the requests it settles, moves
    /// the root, refunds each requester and may pay rewards after the refunds, in one transaction.
    ///
    /// What the state validator checks, and this builder therefore produces: the owner among the
    /// required signers; outputs[0] at the state's address with the token, the same terms and the
    /// folded root; the requests folded in ledger input order, one action each; outputs 1…n refunding
    /// the n requesters in that order, together exactly their lovelace less the fee and n tips. The
    /// validity interval is the caller's: it must lie inside every applied request's processing window.
    public struct Modify: Sendable {
        /// A request UTxO and how it is settled.
        public struct Settlement: Sendable {
            public var utxo: UTxO
            public var request: Request
            public var action: RequestAction

            public init(utxo: UTxO, request: Request, action: RequestAction) {
                self.utxo = utxo
                self.request = request
                self.action = action
            }
        }

        /// The state UTxO spent, and its state.
        public var state: UTxO
        public var currentState: State
        /// The requests, in any order; the builder folds them in ledger input order, so each proof must
        /// be made against the root the earlier requests in that order leave (see ``ledgerOrder(_:)``).
        public var settlements: [Settlement]
        /// Outputs after the refunds (rewards), paid from `funding`.
        public var rewards: [TransactionOutput]
        /// The owner's UTxOs paying the rewards; what is left goes to `change`.
        public var funding: [UTxO]
        public var change: [UInt8]
        /// A pure-ada UTxO of the owner's put up as collateral.
        public var collateral: UTxO
        /// The state and (applied) request validators.
        public var stateScript: PlutusScript
        public var requestScript: PlutusScript
        /// Where the transaction finds them.
        public var scriptSource: ScriptSource = .inline

        /// Inline in the witness set (about 9.7 KB for the two), or read from outputs that carry them
        /// as reference scripts (referenced, not spent; their bytes are priced by the reference-script fee).
        public enum ScriptSource: Sendable {
            case inline
            case reference(state: UTxO, request: UTxO)
        }
        /// Validity interval, in slots: `validFrom` included, `validUntil` excluded.
        public var validFrom: UInt64
        public var validUntil: UInt64
        /// The network's clock, to check the interval against the requests' time phases.
        public var clock: SlotClock = .preprod

        public init(
            state: UTxO, currentState: State, settlements: [Settlement], rewards: [TransactionOutput] = [],
            funding: [UTxO] = [], change: [UInt8], collateral: UTxO, stateScript: PlutusScript, requestScript: PlutusScript,
            validFrom: UInt64, validUntil: UInt64
        ) {
            self.state = state
            self.currentState = currentState
            self.settlements = settlements
            self.rewards = rewards
            self.funding = funding
            self.change = change
            self.collateral = collateral
            self.stateScript = stateScript
            self.requestScript = requestScript
            self.validFrom = validFrom
            self.validUntil = validUntil
        }

        /// `settlements` in the order the state validator folds them: by transaction id, then index.
        public static func ledgerOrder(_ settlements: [Settlement]) -> [Settlement] {
            settlements.sorted { $0.utxo.input < $1.utxo.input }
        }

        /// The root after the applied requests, folded in ledger order as the deployed cage (MPF
        /// v2.0.0) folds them: `cage_proof_mismatch` when a proof does not fit the root before it,
        /// `cage_proof_unsupported` when the proof is right but v2.0.0 would compute another root.
        public func foldedRoot() throws(CardanoError) -> [UInt8] {
            guard var root = Hash32(bytes: currentState.root) else { throw CardanoError(.invalidLength, "a trie root has 32 bytes") }
            for settlement in Self.ledgerOrder(settlements) {
                guard case .apply(let proof) = settlement.action else { continue }
                let key = settlement.request.key
                func fold(_ version: OnChainVersion) -> Hash32? {
                    switch settlement.request.operation {
                    case .insert(let value): try? MPF.insert(root: root, key: key, value: value, proof: proof, as: version)
                    case .delete(let old): try? MPF.delete(root: root, key: key, value: old, proof: proof, as: version)
                    case .update(let old, let new): try? MPF.update(root: root, key: key, proof: proof, oldValue: old, newValue: new)
                    }
                }
                guard let correct = fold(.v2_1_0) else {
                    throw CardanoError(.cageProofMismatch, "the proof of request \(settlement.utxo.input) does not fit root \(root)")
                }
                guard fold(.v2_0_0) == correct else {
                    throw CardanoError(
                        .cageProofUnsupported, "the deployed cage (MPF v2.0.0) would misread the proof of request \(settlement.utxo.input)")
                }
                root = correct
            }
            return root.bytes
        }

        /// Checks that each request is settled in the phase its action needs, as the cage reads the
        /// validity interval: applied while live (the interval ends by `submittedAt + processTime`),
        /// rejected once rejectable (the interval starts after the retract window, or ends before the
        /// request's own time); `cage_phase_mismatch` otherwise, before a transaction that would lose
        /// its collateral is built.
        public func checkPhases() throws(CardanoError) {
            let (start, end) = (clock.time(ofSlot: validFrom), clock.time(ofSlot: validUntil))
            for settlement in settlements {
                let request = settlement.request
                // A requester writes its own `submittedAt`: sums saturate rather than overflow.
                let live = request.submittedAt.addingSaturated(currentState.processTime)
                switch settlement.action {
                case .apply:
                    guard end <= live else {
                        throw CardanoError(.cagePhaseMismatch, "request \(settlement.utxo.input) is applied after its processing window")
                    }
                case .rejected:
                    guard start >= live.addingSaturated(currentState.retractTime) || end <= request.submittedAt else {
                        throw CardanoError(.cagePhaseMismatch, "request \(settlement.utxo.input) is rejected before its retract window has passed")
                    }
                }
            }
        }

        /// The script inputs, each of which needs execution units: the state and the requests.
        public var scriptInputs: [TransactionInput] { [state.input] + settlements.map(\.utxo.input) }

        /// The unsigned transaction (the owner's key witnesses it) with the execution units of each
        /// script input (``scriptInputs``). The fee covers the size with the owner's witness and the
        /// units, and is taken from the refunds.
        public func transaction(
            units: [TransactionInput: ExecutionUnits], fees: FeeParameters, costModels: [PlutusLanguage: [Int64]], network: CardanoNetwork
        ) throws(CardanoError) -> Transaction {
            let ordered = Self.ledgerOrder(settlements)
            try checkPhases()
            let newRoot = try foldedRoot()
            let inputs = ([state.input] + ordered.map(\.utxo.input) + funding.map(\.input)).sorted()
            guard Set(inputs).count == inputs.count else { throw CardanoError(.invalidTransaction, "an input is spent twice") }
            func redeemer(_ input: TransactionInput, _ action: SpendRedeemer) throws(CardanoError) -> Redeemer {
                guard let units = units[input] else { throw CardanoError(.invalidTransaction, "no execution units for \(input)") }
                return Redeemer(
                    tag: .spend, index: UInt32(inputs.firstIndex(of: input)!), data: action.data, memory: units.memory, steps: units.steps)
            }
            var redeemers = [try redeemer(state.input, .modify(ordered.map(\.action)))]
            for settlement in ordered { redeemers.append(try redeemer(settlement.utxo.input, .contribute(state: state.input))) }
            var newState = currentState
            newState.root = newRoot
            let tips = try Ratio.checked(UInt64(ordered.count).multipliedReportingOverflow(by: currentState.tip))
            var stateValue = state.output.value
            stateValue.coin = try Ratio.checked(stateValue.coin.addingReportingOverflow(tips))
            let stateOutput = TransactionOutput(address: state.output.address, value: stateValue, datum: .inline(newState.datum))
            let refunded = ordered.filter { $0.utxo.output.value.coin > 0 }
            let funds = try Ratio.sum(funding.map(\.output.value.coin))
            let paid = try Ratio.sum(rewards.map(\.value.coin))
            guard funds >= paid else { throw CardanoError(.overflow, "the funding inputs hold \(funds) lovelace, the rewards \(paid)") }
            let changeOutput = funds > paid ? TransactionOutput(address: change, value: Value(coin: funds - paid)) : nil

            let referenceInputs: [TransactionInput]
            let witnesses: WitnessSet
            var referencedScriptBytes = 0
            switch scriptSource {
            case .inline:
                referenceInputs = []
                witnesses = WitnessSet(redeemers: redeemers, plutusV3Scripts: [stateScript.bytes, requestScript.bytes])
            case .reference(let stateHolder, let requestHolder):
                guard stateHolder.output.scriptReference == stateScript.referenceScriptCBOR,
                    requestHolder.output.scriptReference == requestScript.referenceScriptCBOR
                else { throw CardanoError(.invalidTransaction, "the reference outputs do not carry the cage's scripts") }
                referenceInputs = [stateHolder.input, requestHolder.input]
                referencedScriptBytes = stateScript.bytes.count + requestScript.bytes.count
                witnesses = WitnessSet(redeemers: redeemers)
            }
            let scriptDataHash = try ScriptDataHash.compute(witnessSet: witnesses, costModels: costModels, languages: [.v3])
            let memory = redeemers.reduce(0) { $0 + $1.memory }
            let steps = redeemers.reduce(0) { $0 + $1.steps }

            // The fee changes the refunds, which change the size, which changes the fee: settle it.
            var fee: UInt64 = 0
            for _ in 0..<4 {
                let body = TransactionBody(
                    inputs: inputs,
                    outputs: [stateOutput] + (try refunds(refunded, fee: fee, network: network)) + rewards + (changeOutput.map { [$0] } ?? []),
                    fee: fee, ttl: validUntil, validityStart: validFrom, scriptDataHash: scriptDataHash, collateral: [collateral.input],
                    requiredSigners: [currentState.owner], networkID: network.rawValue, referenceInputs: referenceInputs)
                let needed = try fees.minFee(
                    transactionSize: try Transaction.signedSize(body: body, witnesses: witnesses), memory: memory, steps: steps,
                    referenceScriptSize: referencedScriptBytes)
                if needed <= fee { return try Transaction(bodyBytes: try body.cborBytes(), witnessSet: witnesses) }
                fee = needed
            }
            throw CardanoError(.overflow, "the Modify's fee did not settle")
        }

        /// One refund per request holding lovelace, in ledger order, to its requester's key: its lovelace
        /// less the tip and its share of the fee (the first request takes the remainder).
        private func refunds(_ refunded: [Settlement], fee: UInt64, network: CardanoNetwork) throws(CardanoError) -> [TransactionOutput] {
            guard !refunded.isEmpty else { return [] }
            let share = fee / UInt64(refunded.count)
            var remainder = fee % UInt64(refunded.count)
            var outputs: [TransactionOutput] = []
            for settlement in refunded {
                let charge = try Ratio.sum([share, remainder, currentState.tip])
                remainder = 0
                let locked = settlement.utxo.output.value.coin
                guard locked > charge else {
                    throw CardanoError(.overflow, "request \(settlement.utxo.input) holds \(locked) lovelace, less than its tip and fee share \(charge)")
                }
                let address = try EnterpriseAddress(credential: .keyHash(settlement.request.requester), network: network)
                outputs.append(TransactionOutput(address: address.bytes, value: Value(coin: locked - charge)))
            }
            return outputs
        }
    }
}
