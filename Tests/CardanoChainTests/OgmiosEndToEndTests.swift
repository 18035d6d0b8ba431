import Cardano
import CardanoChain
import CardanoTestSupport
import Encoding
import Foundation
import HTTPTestSupport
import Hummingbird
import NIOCore
import Testing
import Trie
import VectorSupport

/// The Ogmios client against the test-only chain emulator on loopback: an operator boots its cage,
/// two requests arrive, and one Modify settles them with a reward — each transaction built from the
/// UTxOs and protocol parameters the client read, its units from the chain's evaluation, signed and
/// submitted; a re-sent transaction is answered with its id, a double spend is refused.
@Suite(.vectors) struct OgmiosEndToEndTests {
    static let submittedAt: UInt64 = 1_781_203_626_691

    @Test(.enabled(if: AikenEvaluation.available || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func bootThenModifyThroughOgmios() async throws {
        let (stateScript, unapplied, _) = try CageVectors.scripts()
        let owner = try PaymentKey(seed: Array(repeating: 41, count: 32))
        let ownerAddress = owner.enterpriseAddress(network: .testnet)
        func genesis(_ byte: UInt8, _ lovelace: UInt64) throws -> UTxO {
            UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: byte, count: 32)), index: 0),
                output: TransactionOutput(address: ownerAddress.bytes, value: Value(coin: lovelace)))
        }
        let emulator = ChainEmulator(
            genesis: [try genesis(1, 20_000_000), try genesis(2, 5_000_000), try genesis(3, 10_000_000)],
            slot: SlotClock.preprod.slot(atOrAfter: Self.submittedAt))

        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            let parameters = try await chain.protocolParameters()
            #expect(parameters.fees == FeeParameters.conway)
            let costModels = parameters.costModels
            let wallet = try await chain.utxos(at: [ownerAddress.bech32]).sorted { $0.output.value.coin > $1.output.value.coin }
            #expect(wallet.map(\.output.value.coin) == [20_000_000, 10_000_000, 5_000_000])
            let (seed, funding, collateral) = (wallet[0], wallet[1], wallet[2])

            // Boot.
            let terms = try Cage.State(
                owner: owner.keyHash, root: Array(repeating: 0, count: 32), tip: 500_000, processTime: 600_000, retractTime: 600_000)
            let boot = Cage.Boot(
                seed: seed, state: terms, stateScript: stateScript, lockedLovelace: 2_000_000, change: ownerAddress.bytes, collateral: collateral)
            let bootDraft = try boot.transaction(
                units: ExecutionUnits(memory: 3_000_000, steps: 1_000_000_000), fees: parameters.fees, costModels: costModels, network: .testnet)
            let bootUnits = try #require(try await chain.evaluate(bootDraft)[RedeemerPointer(tag: .mint, index: 0)])
            let bootTx = try Self.signed(
                try boot.transaction(units: bootUnits, fees: parameters.fees, costModels: costModels, network: .testnet), by: owner)
            #expect(try await chain.submit(bootTx) == bootTx.id)
            #expect(try await chain.submit(bootTx) == bootTx.id, "a re-sent transaction is answered with its id")
            #expect(await emulator.accepted == [bootTx.id])

            let stateAddress = try EnterpriseAddress(credential: .scriptHash(stateScript.hash), network: .testnet)
            let stateUTxO = try #require(try await chain.utxos(at: [stateAddress.bech32]).first)
            let state = try Cage.State(datum: try #require(try stateUTxO.output.datum?.inlineData()))
            #expect(state == terms)
            #expect(stateUTxO.output.value.assets.assets[stateScript.hash]?[boot.token.assetName] == 1)

            // Two requests reach the token's request address.
            let requestScript = try unapplied.applying([.bytes(stateScript.hash), .bytes(boot.token.assetName)])
            let requestAddress = try EnterpriseAddress(credential: .scriptHash(requestScript.hash), network: .testnet)
            let requesters = try (0..<2).map { try PaymentKey(seed: Array(repeating: UInt8(60 + $0), count: 32)) }
            for (index, requester) in requesters.enumerated() {
                let request = try Cage.Request(
                    token: boot.token, requester: requester.keyHash, key: Array("battery-\(index)".utf8),
                    operation: .insert(value: Array("reading-\(index)".utf8)), tip: terms.tip, submittedAt: Self.submittedAt)
                await emulator.add(UTxO(
                    input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: UInt8(0x70 + index), count: 32)), index: 0),
                    output: TransactionOutput(address: requestAddress.bytes, value: Value(coin: 4_000_000), datum: .inline(request.datum))))
            }

            // An output there that is no request of this cage is listed apart.
            let stray = UTxO(
                input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 0x7f, count: 32)), index: 0),
                output: TransactionOutput(address: requestAddress.bytes, value: Value(coin: 1_500_000)))
            await emulator.add(stray)
            let snapshot = try await CageSnapshot.read(
                token: boot.token, stateScript: stateScript, requestScript: requestScript, network: .testnet, from: chain)
            #expect(snapshot.state?.state == terms && snapshot.requests.count == 2 && snapshot.strays.map(\.input) == [stray.input])

            // One Modify settles both, the proofs made in the order the cage folds them.
            var settlements = snapshot.requests.map { Cage.Modify.Settlement(utxo: $0.utxo, request: $0.request, action: .rejected) }
            settlements = Cage.Modify.ledgerOrder(settlements)
            let trie = try await MerkleTrie()
            for index in settlements.indices {
                guard case .insert(let value) = settlements[index].request.operation else { continue }
                settlements[index].action = .apply(proof: try await trie.proof(for: settlements[index].request.key).proof)
                _ = try await trie.insert(key: settlements[index].request.key, value: value)
            }
            let reward = TransactionOutput(
                address: requesters[0].enterpriseAddress(network: .testnet).bytes, value: Value(coin: 1_000_000))
            let modify = Cage.Modify(
                state: stateUTxO, currentState: state, settlements: settlements, rewards: [reward], funding: [funding],
                change: ownerAddress.bytes, collateral: collateral, stateScript: stateScript, requestScript: requestScript,
                validFrom: SlotClock.preprod.slot(atOrAfter: Self.submittedAt),
                validUntil: SlotClock.preprod.slot(atOrBefore: Self.submittedAt + terms.processTime))
            let generous = Dictionary(
                uniqueKeysWithValues: modify.scriptInputs.map { ($0, ExecutionUnits(memory: 3_000_000, steps: 1_000_000_000)) })
            let draft = try modify.transaction(units: generous, fees: parameters.fees, costModels: costModels, network: .testnet)
            let measured = try await chain.evaluate(draft)
            let inputs = draft.body.inputs.sorted()
            let units = Dictionary(uniqueKeysWithValues: measured.map { (inputs[Int($0.key.index)], $0.value) })
            let modifyTx = try Self.signed(
                try modify.transaction(units: units, fees: parameters.fees, costModels: costModels, network: .testnet), by: owner)
            #expect(try await chain.submit(modifyTx) == modifyTx.id)

            let moved = try #require(try await chain.utxos(at: [stateAddress.bech32]).first)
            #expect(try Cage.State(datum: try #require(try moved.output.datum?.inlineData())).root == (await trie.root.bytes))
            #expect(try await chain.utxos(at: [requestAddress.bech32]).map(\.input) == [stray.input])
            let paid = try await chain.utxos(at: [requesters[0].enterpriseAddress(network: .testnet).bech32])
            #expect(paid.contains { $0.output == reward })

            // The draft spends the same inputs: refused as a double spend, with the chain's code.
            await #expect { try await chain.submit(try Self.signed(draft, by: owner)) } throws: { error in
                (error as? ChainError)?.code == "chain_rejected" && (error as? ChainError)?.backendCode == 3117
            }
        }
    }

    @Test func anUnreachableOrConfusedBackendIsAChainError() async throws {
        let chain = OgmiosClient(url: "http://127.0.0.1:9/", timeout: .seconds(2))
        await #expect { try await chain.tipSlot() } throws: { ($0 as? ChainError)?.code == "chain_unreachable" }
        let emulator = ChainEmulator(genesis: [], slot: 5)
        try await emulator.serve { url in
            let tip = try await OgmiosClient(url: url).tipSlot()
            #expect(tip == 5)
            await #expect { try await OgmiosClient(url: url + "nothing").tipSlot() } throws: { error in
                ["chain_response_invalid", "chain_rejected"].contains((error as? ChainError)?.code ?? "")
            }
        }
    }

    static func signed(_ tx: Transaction, by key: PaymentKey) throws -> Transaction {
        var witnesses = tx.witnessSet
        witnesses.vkeyWitnesses = [try key.witness(for: tx.id)]
        return try Transaction(bodyBytes: tx.bodyBytes, witnessSet: witnesses)
    }
}

/// Whatever a backend answers that is not what the protocol says, every query fails with a
/// `ChainError` and its code, never a crash, another error or a wrong value: results of the wrong
/// shape, errors, half a UTxO, strings for numbers, a negative lovelace, an index beyond 16 bits. A
/// submission fails too unless the backend said it took the transaction.
@Suite struct OgmiosMalformedAnswerTests {
    static let zeroID = String(repeating: "0", count: 64)
    static let address = Bech32.encode(hrp: "addr_test", data: [0x60] + Array(repeating: 1, count: 28))
    static let answers: [(answer: String, submissionTaken: Bool)] = [
        (#"{"jsonrpc":"2.0","result":[{"transaction":{"id":"zz"},"index":0,"address":"addr_test1","value":{}}]}"#, true),
        (#"{"jsonrpc":"2.0","result":[{"transaction":{"id":"\#(zeroID)"},"index":0,"address":"addr_test1qqqq","value":{"ada":{"lovelace":1}}}]}"#, true),
        (#"{"jsonrpc":"2.0","result":[{"transaction":{"id":"\#(zeroID)"},"index":70000,"address":"\#(address)","value":{"ada":{"lovelace":1}}}]}"#, true),
        (#"{"jsonrpc":"2.0","result":[{"transaction":{"id":"\#(zeroID)"},"index":0,"address":"\#(address)","value":{"ada":{"lovelace":-5}}}]}"#, true),
        (#"{"jsonrpc":"2.0","result":[{"transaction":{"id":"\#(zeroID)"},"index":0,"address":"\#(address)","value":{"ada":{"lovelace":1.5}}}]}"#, true),
        (#"{"jsonrpc":"2.0","result":{"slot":"soon"}}"#, true),
        (#"{"jsonrpc":"2.0","result":{"minFeeCoefficient":-1}}"#, true),
        (#"{"jsonrpc":"2.0","result":[{"validator":{"purpose":"spend","index":-1},"budget":{"memory":1,"cpu":1}}]}"#, true),
        (#"{"jsonrpc":"2.0","error":{"code":3117,"message":"unknown inputs"}}"#, false),
        (#"{"jsonrpc":"2.0"}"#, false), (#"[1,2,3]"#, false), ("not json at all", false),
    ]

    @Test(arguments: answers.indices)
    func everyQueryAnswersAChainError(answer: Int) async throws {
        let router = Router()
        router.post("/") { _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: Self.answers[answer].answer))) }
        try await serveOnLoopback(router, label: "malformed-ogmios") { port in
            let chain = OgmiosClient(url: "http://127.0.0.1:\(port)/")
            let tx = try Transaction(
                bodyBytes: try TransactionBody(inputs: [], outputs: [], fee: 0).cborBytes(), witnessSet: WitnessSet())
            var calls: [@Sendable () async throws -> Void] = [
                { _ = try await chain.tipSlot() }, { _ = try await chain.protocolParameters() },
                { _ = try await chain.utxos(at: [Self.address]) }, { _ = try await chain.evaluate(tx) },
            ]
            if !Self.answers[answer].submissionTaken { calls.append { _ = try await chain.submit(tx) } }
            for (index, call) in calls.enumerated() {
                do {
                    try await call()
                    Issue.record("call \(index) took answer \(answer)")
                } catch let error as ChainError {
                    #expect(["chain_response_invalid", "chain_rejected", "chain_script_failed"].contains(error.code))
                } catch {
                    Issue.record("not a ChainError: \(error)")
                }
            }
        }
    }
}
