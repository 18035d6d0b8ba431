import Cardano
import CardanoTestSupport
import Encoding
import Foundation
import Testing
import Trie
import VectorSupport

/// The MPFS cage v2 in Swift: its request script applied to a token gives the chain's addresses, its
/// datums read back the live preprod bytes, and the Modify transactions we build are evaluated by
/// Aiken's evaluator (pip `biglup-cometa`, `eval_phase_two`) against the real compiled validators:
/// accepted as built, refused when the root, the owner's signature, a refund or the validity
/// interval is wrong. Skipped without the vectors or python3 + cometa, except under `CI=true`.
@Suite(.vectors) struct CageTests {
    static let aikenAvailable = AikenEvaluation.available

    @Test func theRequestScriptAppliedToATokenIsTheChainsRequestScript() throws {
        let (_, request, file) = try CageVectors.scripts()
        let examples = try #require(file["request"] as? [String: Any])
        for name in ["applied_example_real_preprod_token", "applied_example_synthetic_token"] {
            let example = try #require(examples[name] as? [String: Any])
            let applied = try request.applying([
                .bytes(try VectorFields.hex(example, "statePolicyId")), .bytes(try VectorFields.hex(example, "cageTokenName")),
            ])
            #expect(Vectors.hex(applied.hash) == example["hash"] as? String, "\(name)")
            if example["compiledCode"] != nil { #expect(applied.bytes == (try VectorFields.hex(example, "compiledCode"))) }
        }
        // Applying nothing gives the program back; bytes that are no program are refused with a code.
        #expect(try request.applying([]).hash == request.hash)
        // A program with bytes after its term, and one whose constant's type nests 5,000 lists deep.
        let flat = try #require(try CBOR.decode(request.bytes).bytesValue)
        var bomb = "00000001" + "00000001" + "00000000" + "0100" + String(repeating: "1011110101", count: 5_000) + "10000" + "0" + "00000000"
        bomb += String(repeating: "0", count: (8 - bomb.count % 8) % 8)
        let bombBytes = stride(from: 0, to: bomb.count, by: 8).map { start in
            UInt8(bomb.dropFirst(start).prefix(8), radix: 2)!
        }
        for broken: [UInt8] in [[0x43, 0x01, 0x01], [0x01, 0x02], request.bytes.dropLast(40) + [0x00]]
            + [try CBOR.bytes(flat + [0xff]).encode(), try CBOR.bytes(bombBytes).encode()]
        {
            #expect { try PlutusScript(language: .v3, bytes: broken).applying([.int(1)]) } throws: {
                ($0 as? CardanoError)?.code == "cardano_script_invalid"
            }
        }
    }

    /// The slot clocks agree with libcardano-c's (`SlotConfig.mainnet/preprod/preview`), and the two
    /// conversions bracket a time that falls inside a slot.
    @Test(.enabled(if: CometaCrossCheckTests.cometaAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func slotClocksAreTheNetworks() throws {
        let run = try ReferencePython.run(
            "from cometa import SlotConfig\nfor n in ['mainnet', 'preprod', 'preview']:\n    c = getattr(SlotConfig, n)()\n    print(c.zero_time, c.zero_slot, c.slot_length)")
        let clocks = try run.lines.filter { !$0.isEmpty }.map { line in
            let fields = line.split(separator: " ").compactMap { UInt64($0) }
            return try SlotClock(zeroTime: fields[0], zeroSlot: fields[1], slotLength: fields[2])
        }
        #expect(clocks == [.mainnet, .preprod, .preview])
        #expect(throws: CardanoError.self) { try SlotClock(zeroTime: 0, zeroSlot: 0, slotLength: 0) }
        let clock = SlotClock.preprod
        let slot: UInt64 = 120_000_000
        #expect(clock.slot(atOrBefore: clock.time(ofSlot: slot)) == slot && clock.slot(atOrAfter: clock.time(ofSlot: slot)) == slot)
        #expect(clock.slot(atOrBefore: clock.time(ofSlot: slot) + 400) == slot && clock.slot(atOrAfter: clock.time(ofSlot: slot) + 400) == slot + 1)
    }

    @Test func tokenNamesAreTheSeedsHash() throws {
        let file = try #require(try Vectors.json("mpf/cage-vectors.json") as? [String: Any])
        let vectors = try #require(file["asset_name_vectors"] as? [[String: Any]])
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let seed = TransactionInput(
                transactionID: try TransactionID(bytes: try VectorFields.hex(vector, "tx_id")),
                index: UInt16(try #require(vector["output_index"] as? Int)))
            #expect(Cage.TokenID(seed: seed).assetName == (try VectorFields.hex(vector, "expected_asset_name")), "\(vector["name"] ?? "")")
        }
    }

    @Test func datumsReadBackTheLivePreprodBytes() throws {
        let (state, requests) = try Self.liveCage()
        #expect(Vectors.hex(state.state.owner) == "8da87507ba0a8a3c67eaeb8ec768dee132ad8ecac6f526ac526f0c9f")
        #expect(state.state.root == [UInt8](repeating: 0, count: 32))
        #expect(state.state.tip == 1_000_000 && state.state.processTime == 5_000 && state.state.retractTime == 5_000)
        #expect(state.state.datum.cborBytes == (try state.utxo.output.datum?.inlineData()?.cborBytes))
        #expect(requests.count == 6)
        for request in requests {
            #expect(request.request.datum.cborBytes == (try request.utxo.output.datum?.inlineData()?.cborBytes))
            #expect(request.request.token.assetName == Vectors.bytes(hex: "976821dbd0922f93cda689da92a6faf1894c8151bc86d6c8f725ec089aaacbc6"))
        }
        // Another constructor, a missing field, a 31-byte owner: refused with the cage's code.
        for wrong: PlutusData in [
            .constr(0, []), .constr(1, [.constr(0, [.bytes([1]), .bytes([])])]),
            .constr(1, [.constr(0, [.bytes(Array(repeating: 1, count: 31)), .bytes(Array(repeating: 0, count: 32)), .int(1), .int(1), .int(1)])]),
        ] {
            #expect { try Cage.State(datum: wrong) } throws: { ($0 as? CardanoError)?.code == "cage_datum_invalid" || ($0 as? CardanoError)?.code == "cardano_invalid_length" }
        }
        #expect { try Cage.Request(datum: .constr(0, [.int(5)])) } throws: { ($0 as? CardanoError)?.code == "cage_datum_invalid" }
    }

    // MARK: Modify, evaluated by Aiken

    @Test(.enabled(if: aikenAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func aModifyOfTheLivePreprodCageIsAcceptedAndItsForgeriesRefused() async throws {
        let (state, requests) = try Self.liveCage()
        let (stateScript, unapplied, _) = try CageVectors.scripts()
        let first = requests[0]
        let requestScript = try unapplied.applying([.bytes(stateScript.hash), .bytes(first.request.token.assetName)])
        guard case .insert(let value) = first.request.operation else { Issue.record("request 0 inserts"); return }
        let trie = try await MerkleTrie()
        let proof = try await trie.proof(for: first.request.key)
        let newRoot = try await trie.insert(key: first.request.key, value: value).bytes
        #expect(Vectors.hex(newRoot) == "464ea6e0508558ff807f985e92c3635922f12df661b66d85e778e0144919df1e")

        let deadline = first.request.submittedAt + state.state.processTime
        var modify = Cage.Modify(
            state: state.utxo, currentState: state.state,
            settlements: [.init(utxo: first.utxo, request: first.request, action: .apply(proof: proof.proof))],
            change: Self.ownerAddress(state.state.owner), collateral: Self.collateral(state.state.owner),
            stateScript: stateScript, requestScript: requestScript,
            validFrom: SlotClock.preprod.slot(atOrAfter: first.request.submittedAt), validUntil: SlotClock.preprod.slot(atOrBefore: deadline))
        #expect(try modify.foldedRoot() == newRoot)
        let utxos = [state.utxo, first.utxo]
        let tx = try await Self.evaluatedTransaction(modify, utxos: utxos)
        // The refund is the request's lovelace less the tip and the fee.
        #expect(tx.body.outputs[1].value.coin == first.utxo.output.value.coin - state.state.tip - tx.body.fee)
        #expect(tx.body.outputs[0].value.coin == state.utxo.output.value.coin + state.state.tip)

        // Forgeries: each is refused by the validators.
        var forgedState = state.state
        forgedState.root = Array(repeating: 7, count: 32)
        try Self.expectRefused(try Self.edited(tx) { $0.outputs[0].datum = .inline(forgedState.datum) }, utxos, "a root the proof does not give")
        try Self.expectRefused(try Self.edited(tx) { $0.ttl = SlotClock.preprod.slot(atOrBefore: deadline) + 2 }, utxos, "a validity interval past the processing window")
        try Self.expectRefused(try Self.edited(tx) { $0.requiredSigners = [] }, utxos, "the owner not among the signers")
        try Self.expectRefused(try Self.edited(tx) { $0.outputs[1].value.coin -= 1 }, utxos, "a refund one lovelace short")
        try Self.expectRefused(try Self.edited(tx) { $0.outputs[0].value.assets = MultiAsset() }, utxos, "the token not kept in the state")
        var rejected = tx.witnessSet.redeemers
        rejected[rejected.firstIndex { $0.data == Cage.SpendRedeemer.modify([.apply(proof: proof.proof)]).data }!].data =
            Cage.SpendRedeemer.modify([.rejected]).data
        try Self.expectRefused(
            try Transaction(bodyBytes: tx.bodyBytes, witnessSet: WitnessSet(redeemers: rejected, plutusV3Scripts: tx.witnessSet.plutusV3Scripts)),
            utxos, "a live request rejected in its processing window")

        // The builder refuses both before any transaction exists (a phase-2 failure on chain costs the collateral).
        var late = modify
        late.validUntil = SlotClock.preprod.slot(atOrBefore: deadline) + 2
        modify.settlements[0].action = .rejected
        for doomed in [late, modify] {
            #expect { try doomed.transaction(units: Self.generous(doomed), fees: .conway, costModels: Self.costModels(), network: .testnet) }
                throws: { ($0 as? CardanoError)?.code == "cage_phase_mismatch" }
        }
        // Rejecting it once the retract window has passed is accepted.
        modify.validFrom = SlotClock.preprod.slot(atOrAfter: deadline + state.state.retractTime)
        modify.validUntil = modify.validFrom + 600
        _ = try await Self.evaluatedTransaction(modify, utxos: utxos)
    }

    @Test(.enabled(if: aikenAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func aModifyOfTwoRequestsPaysTheirRefundsThenARewardOnOurOwnCage() async throws {
        let (modify, utxos, owner, trieRoot) = try await Self.ownCage(requests: 2)
        let (settlements, state, reward) = (modify.settlements, modify.currentState, modify.rewards[0])
        #expect(try modify.foldedRoot() == trieRoot)
        let tx = try await Self.evaluatedTransaction(modify, utxos: utxos)
        // outputs: the state, the two refunds in ledger order, then the reward and the change.
        #expect(tx.body.outputs.count == 5)
        #expect(tx.body.outputs[1].address == Self.ownerAddress(settlements[0].request.requester))
        #expect(tx.body.outputs[2].address == Self.ownerAddress(settlements[1].request.requester))
        #expect(tx.body.outputs[3] == reward)
        #expect(tx.body.outputs[1].value.coin + tx.body.outputs[2].value.coin == 8_000_000 - 2 * state.tip - tx.body.fee)
        // The owner's signature makes it whole; libcardano-c reads the same id.
        let signed = try Transaction(
            bodyBytes: tx.bodyBytes,
            witnessSet: WitnessSet(
                vkeyWitnesses: [try owner.witness(for: tx.id)], redeemers: tx.witnessSet.redeemers, plutusV3Scripts: tx.witnessSet.plutusV3Scripts))
        #expect(try CometaCrossCheckTests.check(signed.cborBytes)["txid"] == tx.id.description)
        #expect(try FeeParameters.conway.minFee(
            transactionSize: signed.cborBytes.count, memory: tx.witnessSet.redeemers.reduce(0) { $0 + $1.memory },
            steps: tx.witnessSet.redeemers.reduce(0) { $0 + $1.steps }) <= tx.body.fee)
    }

    @Test(.enabled(if: aikenAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func aBootMintsTheTokenNamedAfterItsSeedWithTheEmptyRoot() throws {
        let (stateScript, _, _) = try CageVectors.scripts()
        let owner = try PaymentKey(seed: Array(repeating: 11, count: 32))
        let seed = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 0x5e, count: 32)), index: 3),
            output: TransactionOutput(address: Self.ownerAddress(owner.keyHash), value: Value(coin: 20_000_000)))
        let empty = try Cage.State(owner: owner.keyHash, root: Array(repeating: 0, count: 32), tip: 500_000, processTime: 600_000, retractTime: 600_000)
        var boot = Cage.Boot(
            seed: seed, state: empty, stateScript: stateScript, lockedLovelace: 2_000_000, change: Self.ownerAddress(owner.keyHash),
            collateral: Self.collateral(owner.keyHash))
        let generous = ExecutionUnits(memory: 3_000_000, steps: 1_000_000_000)
        let draft = try boot.transaction(units: generous, fees: .conway, costModels: try Self.costModels(), network: .testnet)
        let used = try #require(try Self.evaluate(draft, [seed]).success?[0], "Aiken refused the boot")
        let tx = try boot.transaction(units: used, fees: .conway, costModels: try Self.costModels(), network: .testnet)
        #expect(try Self.evaluate(tx, [seed]).success != nil)
        #expect(tx.body.outputs[0].value.assets.assets[stateScript.hash]?[boot.token.assetName] == 1)
        #expect(tx.body.outputs[1].value.coin == 20_000_000 - 2_000_000 - tx.body.fee)

        try Self.expectRefused(try Self.edited(tx) { $0.mint = MultiAsset([stateScript.hash: [boot.token.assetName: 2]]) }, [seed], "two tokens minted")
        try Self.expectRefused(
            try Self.edited(tx) { $0.mint = MultiAsset([stateScript.hash: [Array(repeating: 1, count: 32): 1]]) }, [seed], "a token not named after the seed")
        boot.state.root = Array(repeating: 7, count: 32)
        try Self.expectRefused(
            try boot.transaction(units: generous, fees: .conway, costModels: try Self.costModels(), network: .testnet), [seed], "a cage born with a root")
        #expect(throws: CardanoError.self) {
            try Cage.Boot(
                seed: seed, state: empty, stateScript: stateScript, lockedLovelace: 500_000, change: Self.ownerAddress(owner.keyHash),
                collateral: Self.collateral(owner.keyHash)
            ).transaction(units: generous, fees: .conway, costModels: try Self.costModels(), network: .testnet)
        }
    }

    @Test func proofsTheDeployedCageWouldMisreadAreRefusedBeforeAnyTransaction() throws {
        let file = try #require(try Vectors.json("mpf/edge-cases.json") as? [String: Any])
        let cases = try #require(file["cases"] as? [[String: Any]]).filter { $0["op"] as? String == "insert" }
        var unsupported = 0
        for vector in cases {
            let proof = try Proof(json: try JSONValue(parsing: Array(try JSONSerialization.data(withJSONObject: try #require(vector["proof"])))))
            #expect(Cage.proofData(proof) == (try PlutusData(cbor: try VectorFields.hex(vector, "proof_cbor"))))
            let owner = Array(repeating: UInt8(1), count: 28)
            let token = Cage.TokenID(seed: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 2, count: 32)), index: 0))
            let request = try Cage.Request(
                token: token, requester: owner, key: try VectorFields.hex(vector, "key"), operation: .insert(value: try VectorFields.hex(vector, "value")),
                tip: 0, submittedAt: 0)
            let utxo = UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 3, count: 32)), index: 0),
                output: TransactionOutput(address: [], value: Value(coin: 0)))
            var modify = Cage.Modify(
                state: utxo,
                currentState: try Cage.State(owner: owner, root: try VectorFields.hex(vector, "root_before"), tip: 0, processTime: 0, retractTime: 0),
                settlements: [.init(utxo: utxo, request: request, action: .apply(proof: proof))], change: [], collateral: utxo,
                stateScript: PlutusScript(language: .v3, bytes: []), requestScript: PlutusScript(language: .v3, bytes: []), validFrom: 0, validUntil: 0)
            if vector["v200_excluding_differs"] as? Bool == true {
                unsupported += 1
                #expect { try modify.foldedRoot() } throws: { ($0 as? CardanoError)?.code == "cage_proof_unsupported" }
            } else {
                #expect(try modify.foldedRoot() == (try VectorFields.hex(vector, "root_after")))
            }
            modify.currentState.root = Array(repeating: 9, count: 32)
            #expect { try modify.foldedRoot() } throws: { ($0 as? CardanoError)?.code == "cage_proof_mismatch" }
            // A requester dates its request: the furthest dates and windows are compared, not overflowed.
            modify.settlements[0].request.submittedAt = UInt64(Int64.max)
            (modify.currentState.processTime, modify.currentState.retractTime) = (UInt64(Int64.max), UInt64(Int64.max))
            modify.validUntil = 100_000
            try modify.checkPhases()
            modify.validUntil = .max
            #expect { try modify.checkPhases() } throws: { ($0 as? CardanoError)?.code == "cage_phase_mismatch" }
        }
        #expect(unsupported == 9, "edge cases 1–8 and phil")
    }

    // MARK: Helpers

    /// A Modify of our own cage settling `requests` inserts from distinct requesters, with a reward
    /// after the refunds; the UTxOs it spends; the owner's key; the trie root after the inserts.
    static func ownCage(requests count: Int) async throws -> (modify: Cage.Modify, utxos: [UTxO], owner: PaymentKey, root: [UInt8]) {
        let (stateScript, unapplied, _) = try CageVectors.scripts()
        let owner = try PaymentKey(seed: Array(repeating: 11, count: 32))
        let token = Cage.TokenID(seed: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 0x5e, count: 32)), index: 3))
        let requestScript = try unapplied.applying([.bytes(stateScript.hash), .bytes(token.assetName)])
        let state = try Cage.State(owner: owner.keyHash, root: Array(repeating: 0, count: 32), tip: 500_000, processTime: 600_000, retractTime: 600_000)
        let stateUTxO = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 0x10, count: 32)), index: 0),
            output: TransactionOutput(
                address: try EnterpriseAddress(credential: .scriptHash(stateScript.hash), network: .testnet).bytes,
                value: Value(coin: 2_000_000, assets: MultiAsset([stateScript.hash: [token.assetName: 1]])), datum: .inline(state.datum)))
        let submittedAt: UInt64 = 1_781_203_626_691
        let requestAddress = try EnterpriseAddress(credential: .scriptHash(requestScript.hash), network: .testnet).bytes
        var settlements: [Cage.Modify.Settlement] = []
        for index in 0..<count {
            let requester = try PaymentKey(seed: Array(repeating: UInt8(20 + index), count: 32))
            let request = try Cage.Request(
                token: token, requester: requester.keyHash, key: Array("battery-\(index)".utf8), operation: .insert(value: Array("soh=97".utf8)),
                tip: state.tip, submittedAt: submittedAt)
            let utxo = UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: UInt8(0x90 - index), count: 32)), index: 1),
                output: TransactionOutput(address: requestAddress, value: Value(coin: 4_000_000), datum: .inline(request.datum)))
            settlements.append(.init(utxo: utxo, request: request, action: .rejected))
        }
        // Proofs in the order the validator folds: each against the root the earlier ones leave.
        settlements = Cage.Modify.ledgerOrder(settlements)
        let trie = try await MerkleTrie()
        for index in settlements.indices {
            let proof = try await trie.proof(for: settlements[index].request.key)
            settlements[index].action = .apply(proof: proof.proof)
            #expect(Cage.proofData(proof.proof) == (try PlutusData(cbor: proof.proof.cbor())))
            _ = try await trie.insert(key: settlements[index].request.key, value: Array("soh=97".utf8))
        }
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 0x33, count: 32)), index: 0),
            output: TransactionOutput(address: ownerAddress(owner.keyHash), value: Value(coin: 10_000_000)))
        let reward = TransactionOutput(address: ownerAddress(settlements[0].request.requester), value: Value(coin: 1_500_000))
        let modify = Cage.Modify(
            state: stateUTxO, currentState: state, settlements: settlements, rewards: [reward],
            funding: [funding], change: ownerAddress(owner.keyHash), collateral: collateral(owner.keyHash),
            stateScript: stateScript, requestScript: requestScript,
            validFrom: SlotClock.preprod.slot(atOrAfter: submittedAt), validUntil: SlotClock.preprod.slot(atOrBefore: submittedAt + state.processTime))
        return (modify, [stateUTxO, funding] + settlements.map(\.utxo), owner, await trie.root.bytes)
    }

    /// Outputs holding the cage's two scripts as reference scripts (at the owner's address).
    static func referenceHolders(_ modify: Cage.Modify) throws -> (state: UTxO, request: UTxO) {
        func holder(_ script: PlutusScript, _ byte: UInt8) throws -> UTxO {
            UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: byte, count: 32)), index: 0),
                output: TransactionOutput(
                    address: ownerAddress(modify.currentState.owner), value: Value(coin: 40_000_000), scriptReference: script.referenceScriptCBOR))
        }
        return (try holder(modify.stateScript, 0xd1), try holder(modify.requestScript, 0xd2))
    }

    @Test(.enabled(if: aikenAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func referenceScriptsCutTheFeeAndRaiseHowManyRequestsOneModifySettles() async throws {
        var (modify, utxos, _, _) = try await Self.ownCage(requests: 2)
        let inline = try await Self.evaluatedTransaction(modify, utxos: utxos)
        let holders = try Self.referenceHolders(modify)
        modify.scriptSource = .reference(state: holders.state, request: holders.request)
        let referenced = try await Self.evaluatedTransaction(modify, utxos: utxos + [holders.state, holders.request])
        #expect(referenced.witnessSet.plutusV3Scripts.isEmpty && referenced.body.referenceInputs.count == 2)
        #expect(referenced.body.fee < inline.body.fee)
        // Holders that carry other scripts are refused before anything is built.
        modify.scriptSource = .reference(state: holders.request, request: holders.state)
        #expect(throws: CardanoError.self) { try modify.transaction(units: Self.generous(modify), fees: .conway, costModels: Self.costModels(), network: .testnet) }

        // How many requests one Modify settles within the per-transaction budget (14 M memory, 10 G
        // steps) and size (16,384 bytes), with the scripts inline and by reference.
        for source in ["inline", "reference"] {
            var fits = 0
            var tooMany = 64
            while tooMany - fits > 1 {
                let count = (fits + tooMany) / 2
                var (candidate, candidateUTxOs, owner, _) = try await Self.ownCage(requests: count)
                if source == "reference" {
                    let holders = try Self.referenceHolders(candidate)
                    candidate.scriptSource = .reference(state: holders.state, request: holders.request)
                    candidateUTxOs += [holders.state, holders.request]
                }
                let tx = try candidate.transaction(
                    units: Self.generous(candidate).mapValues { _ in ExecutionUnits(memory: 200_000, steps: 100_000_000) }, fees: .conway,
                    costModels: try Self.costModels(), network: .testnet)
                var signed = tx.witnessSet
                signed.vkeyWitnesses = [try owner.witness(for: tx.id)]
                let size = try Transaction(bodyBytes: tx.bodyBytes, witnessSet: signed).cborBytes.count
                let accepted = try size <= 16_384 && Self.evaluate(tx, candidateUTxOs).success != nil
                if accepted { fits = count } else { tooMany = count }
            }
            print("cage modify capacity, scripts \(source): \(fits) requests in one transaction")
            #expect(fits >= 16, "the memory budget, not the size, bounds a Modify")
        }
    }


    struct Live {
        let utxo: UTxO
        let state: Cage.State
    }

    struct LiveRequest {
        let utxo: UTxO
        let request: Cage.Request
    }

    static func liveCage() throws -> (state: Live, requests: [LiveRequest]) {
        let file = try #require(try Vectors.json("cardano/mpfs-cage/real-preprod-utxos.json") as? [String: Any])
        func utxo(_ object: [String: Any]) throws -> UTxO {
            let input = try #require(object["tx_in"] as? [String: Any])
            return UTxO(
                input: TransactionInput(
                    transactionID: try TransactionID(bytes: try VectorFields.hex(input, "tx_id")), index: UInt16(try #require(input["tx_ix"] as? Int))),
                output: try TransactionOutput(cbor: try CBOR.decode(try VectorFields.hex(object, "tx_out_cbor"))))
        }
        let stateUTxO = try utxo(try #require(file["state_utxo"] as? [String: Any]))
        let state = try Cage.State(datum: try #require(try stateUTxO.output.datum?.inlineData()))
        let requests = try #require(file["request_utxos"] as? [[String: Any]]).map { object in
            let request = try utxo(object)
            return LiveRequest(utxo: request, request: try Cage.Request(datum: try #require(try request.output.datum?.inlineData())))
        }
        return (Live(utxo: stateUTxO, state: state), requests)
    }

    static func ownerAddress(_ keyHash: [UInt8]) -> [UInt8] {
        (try? EnterpriseAddress(credential: .keyHash(keyHash), network: .testnet).bytes) ?? []
    }

    static func collateral(_ keyHash: [UInt8]) -> UTxO {
        UTxO(
            input: TransactionInput(transactionID: (try? TransactionID(bytes: Array(repeating: 0xc0, count: 32)))!, index: 0),
            output: TransactionOutput(address: ownerAddress(keyHash), value: Value(coin: 5_000_000)))
    }

    static func costModels() throws -> [PlutusLanguage: [Int64]] { [.v3: try AikenEvaluation.v3CostModel().params] }

    /// Units above what any script of a Modify takes, for a transaction that is only evaluated.
    static func generous(_ modify: Cage.Modify) -> [TransactionInput: ExecutionUnits] {
        Dictionary(uniqueKeysWithValues: modify.scriptInputs.map { ($0, ExecutionUnits(memory: 3_000_000, steps: 1_000_000_000)) })
    }

    /// Builds `modify` with generous units and has Aiken evaluate it, then builds it with the units
    /// Aiken measured until the transaction is accepted within the units it declares (the fee moves
    /// the refunds, whose sizes move the units a little).
    static func evaluatedTransaction(_ modify: Cage.Modify, utxos: [UTxO]) async throws -> Transaction {
        var units = generous(modify)
        for round in 0..<4 {
            let tx = try modify.transaction(units: units, fees: .conway, costModels: try costModels(), network: .testnet)
            let measured = try evaluate(tx, utxos)
            let used = try #require(measured.success, "Aiken refused the Modify: \(measured.error)")
            let inputs = tx.body.inputs.sorted()
            let spent = Dictionary(uniqueKeysWithValues: used.map { (inputs[Int($0.key)], $0.value) })
            if round > 0, spent.allSatisfy({ $0.value.memory <= units[$0.key]!.memory && $0.value.steps <= units[$0.key]!.steps }) {
                #expect(tx.body.scriptDataHash == (try ScriptDataHash.compute(witnessSet: tx.witnessSet, costModels: try costModels(), languages: [.v3])))
                // The figures BENCHMARKS.md's cost table quotes.
                let memory = tx.witnessSet.redeemers.reduce(0) { $0 + $1.memory }, steps = tx.witnessSet.redeemers.reduce(0) { $0 + $1.steps }
                print("cage modify of \(modify.settlements.count) request(s), scripts \(tx.witnessSet.plutusV3Scripts.isEmpty ? "by reference" : "inline"): \(tx.cborBytes.count) bytes before the owner's witness, units \(memory) memory / \(steps) steps, fee \(tx.body.fee) lovelace")
                return tx
            }
            units = spent.merging(round == 0 ? [:] : units) { ExecutionUnits(memory: max($0.memory, $1.memory), steps: max($0.steps, $1.steps)) }
        }
        Issue.record("the measured units did not settle")
        throw TestFailure()
    }

    struct TestFailure: Error {}

    static func expectRefused(_ tx: Transaction, _ utxos: [UTxO], _ why: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try evaluate(tx, utxos)
        #expect(result.success == nil, "Aiken accepted \(why)", sourceLocation: sourceLocation)
        // Refused by a validator's verdict, not for a transaction Aiken could not read.
        #expect(result.error.contains("EvaluationFailure"), "\(why): \(result.error)", sourceLocation: sourceLocation)
    }

    /// `tx` with its body changed by `edit` (witnesses kept).
    static func edited(_ tx: Transaction, _ edit: (inout TransactionBody) -> Void) throws -> Transaction {
        var body = tx.body
        edit(&body)
        return try Transaction(bodyBytes: try body.cborBytes(), witnessSet: tx.witnessSet)
    }

    /// Aiken's evaluation of `tx` over `utxos`: the units each spend or mint redeemer used, by index.
    static func evaluate(_ tx: Transaction, _ utxos: [UTxO]) throws -> (success: [UInt32: ExecutionUnits]?, error: String) {
        let result = try AikenEvaluation.evaluate(tx, utxos)
        return (result.units.map { $0[.spend, default: [:]].merging($0[.mint, default: [:]]) { first, _ in first } }, result.error)
    }

}

/// The root anchor's transactions read by libcardano-c (pip `biglup-cometa`): the same id, the same
/// policy id for our native script, the fee within what we paid.
@Suite struct RootAnchorEncodingTests {
    @Test(.enabled(if: CometaCrossCheckTests.cometaAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func libcardanoReadsTheAnchorsIdAndPolicy() throws {
        let owner = try PaymentKey(seed: Array(repeating: 51, count: 32))
        let address = owner.enterpriseAddress(network: .testnet).bytes
        let anchor = try RootAnchor(owner: owner.keyHash, lockSlot: 120_000_100)
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 9, count: 32)), index: 0),
            output: TransactionOutput(address: address, value: Value(coin: 10_000_000)))
        let mint = try anchor.mint(
            root: Array(repeating: 0xab, count: 32), funding: [funding], address: address, lockedLovelace: 2_000_000, change: address,
            validUntil: 120_000_050, fees: .conway, network: .testnet)
        var witnesses = mint.witnessSet
        witnesses.vkeyWitnesses = [try owner.witness(for: mint.id)]
        let signed = try Transaction(bodyBytes: mint.bodyBytes, witnessSet: witnesses)
        let result = try CometaCrossCheckTests.check(signed.cborBytes)
        #expect(result["txid"] == mint.id.description)
        #expect(result["native_script_hash"] == Vectors.hex(anchor.policyID))
        #expect(UInt64(result["size_fee"] ?? "") ?? .max <= mint.body.fee)
        // The witness set reads back as written, native script included.
        #expect(try WitnessSet(cbor: witnesses.cborBytes()).nativeScripts == [anchor.policy])
    }

    @Test func nativeScriptsReadBackAndRefuseWhatIsNotOne() throws {
        let scripts: [NativeScript] = [
            .all([.signature(Array(repeating: 1, count: 28)), .before(100)]), .any([.notBefore(5), .atLeast(1, [.signature(Array(repeating: 2, count: 28))])]),
        ]
        for script in scripts { #expect(try NativeScript(cbor: script.cbor) == script) }
        var deep = NativeScript.before(1)
        for _ in 0..<100 { deep = .all([deep]) }
        #expect(throws: CardanoError.self) { try NativeScript(cbor: deep.cbor) }
        for wrong: CBOR in [.array([.unsigned(9), .unsigned(1)]), .array([.unsigned(0), .bytes([1, 2])]), .unsigned(0), .array([])] {
            #expect(throws: CardanoError.self) { try NativeScript(cbor: wrong) }
        }
        let signer = Array(repeating: UInt8(1), count: 28)
        #expect(scripts[0].isSatisfied(signers: [signer], validFrom: nil, validUntil: 100))
        #expect(!scripts[0].isSatisfied(signers: [signer], validFrom: nil, validUntil: 101))
        #expect(!scripts[0].isSatisfied(signers: [signer], validFrom: nil, validUntil: nil))
        #expect(!scripts[0].isSatisfied(signers: [], validFrom: nil, validUntil: 50))
    }
}
