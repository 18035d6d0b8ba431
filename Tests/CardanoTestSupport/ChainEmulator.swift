import Cardano
import Encoding
import Foundation
import HTTPTestSupport
import Hummingbird
import NIOCore

/// A Cardano emulator used only by the tests: a UTxO set, a slot clock, the ledger's phase-one
/// checks that matter here (inputs unspent, validity interval, key witnesses for required signers
/// and key-locked inputs, fee, value preserved) and phase two by Aiken's evaluator with the real
/// scripts, behind the subset of Ogmios v6 JSON-RPC the client uses, over HTTP on loopback.
public actor ChainEmulator {
    public private(set) var utxos: [TransactionInput: TransactionOutput]
    public private(set) var slot: UInt64
    public private(set) var accepted: [TransactionID] = []
    /// The transactions accepted, in order.
    public private(set) var acceptedTransactions: [Transaction] = []
    let fees = FeeParameters.conway
    let network: CardanoNetwork = .testnet

    public init(genesis: [UTxO], slot: UInt64) {
        utxos = Dictionary(uniqueKeysWithValues: genesis.map { ($0.input, $0.output) })
        self.slot = slot
    }

    public func advance(slots: UInt64) { slot += slots }
    public func add(_ utxo: UTxO) { utxos[utxo.input] = utxo.output }

    /// A JSON-RPC request's answer: the result, or an Ogmios-style error (code, message).
    func respond(to request: Data) throws -> Data {
        let call = (try? JSONSerialization.jsonObject(with: request) as? [String: Any]) ?? [:]
        var answer: [String: Any] = ["jsonrpc": "2.0", "id": call["id"] ?? NSNull(), "method": call["method"] ?? ""]
        do {
            answer["result"] = try handle(call["method"] as? String ?? "", call["params"] as? [String: Any] ?? [:])
        } catch let error as EmulatorError {
            answer["error"] = ["code": error.code, "message": error.message]
        }
        return try JSONSerialization.data(withJSONObject: answer)
    }

    /// One JSON-RPC call: its result, or an Ogmios-style error (code, message).
    func handle(_ method: String, _ params: [String: Any]) throws -> Any {
        switch method {
        case "queryLedgerState/tip":
            return ["slot": slot, "id": String(repeating: "ab", count: 32)]
        case "queryLedgerState/protocolParameters":
            return [
                "minFeeCoefficient": 44, "minFeeConstant": ["ada": ["lovelace": 155_381]], "minUtxoDepositCoefficient": 4_310,
                "scriptExecutionPrices": ["memory": "577/10000", "cpu": "721/10000000"],
                "minFeeReferenceScripts": ["range": 25_600, "base": 15, "multiplier": 1.2],
                "plutusCostModels": ["plutus:v3": try AikenEvaluation.v3CostModel().params],
            ] as [String: Any]
        case "queryLedgerState/utxo":
            if let addresses = params["addresses"] as? [String] {
                let wanted = Set(try addresses.map { try Bech32.decode($0).data })
                return try utxos.filter { wanted.contains($0.value.address) }.sorted { $0.key < $1.key }.map(json)
            }
            let references = (params["outputReferences"] as? [[String: Any]] ?? []).compactMap { reference -> TransactionInput? in
                guard let id = (reference["transaction"] as? [String: Any])?["id"] as? String, let index = reference["index"] as? Int,
                    let transactionID = try? TransactionID(hex: id)
                else { return nil }
                return TransactionInput(transactionID: transactionID, index: UInt16(index))
            }
            return try references.compactMap { input in utxos[input].map { (input, $0) } }.map(json)
        case "evaluateTransaction":
            let tx = try transaction(params)
            let resolved = try resolve(tx)
            let result = try AikenEvaluation.evaluate(tx, resolved)
            guard let units = result.units else { throw EmulatorError(code: 3010, "script failure: \(result.error)") }
            let names: [Redeemer.Tag: String] = [.spend: "spend", .mint: "mint"]
            return units.flatMap { tag, byIndex in
                byIndex.map { index, units in
                    ["validator": ["purpose": names[tag] ?? "other", "index": index], "budget": ["memory": units.memory, "cpu": units.steps]]
                        as [String: Any]
                }
            }
        case "submitTransaction":
            let tx = try transaction(params)
            try validate(tx)
            for input in tx.body.inputs { utxos[input] = nil }
            for (index, output) in tx.body.outputs.enumerated() {
                utxos[TransactionInput(transactionID: tx.id, index: UInt16(index))] = output
            }
            accepted.append(tx.id)
            acceptedTransactions.append(tx)
            return ["transaction": ["id": tx.id.description]]
        default:
            throw EmulatorError(code: -32601, "unknown method \(method)")
        }
    }

    private func transaction(_ params: [String: Any]) throws -> Transaction {
        guard let hex = (params["transaction"] as? [String: Any])?["cbor"] as? String, let bytes = try? Hex.decode(hex),
            let tx = try? Transaction(cbor: bytes)
        else { throw EmulatorError(code: -32602, "the transaction does not decode") }
        return tx
    }

    private func resolve(_ tx: Transaction) throws -> [UTxO] {
        try (tx.body.inputs + tx.body.referenceInputs).map { input in
            guard let output = utxos[input] else { throw EmulatorError(code: 3117, "unknown or spent input \(input)") }
            return UTxO(input: input, output: output)
        }
    }

    private func validate(_ tx: Transaction) throws {
        let resolved = try resolve(tx)
        if let start = tx.body.validityStart, slot < start { throw EmulatorError(code: 3118, "slot \(slot) is before the validity interval") }
        if let ttl = tx.body.ttl, slot >= ttl { throw EmulatorError(code: 3118, "slot \(slot) is past the validity interval") }
        for witness in tx.witnessSet.vkeyWitnesses where !witness.verifies(over: tx.id) {
            throw EmulatorError(code: 3100, "a key witness does not verify")
        }
        let signers = Set(tx.witnessSet.vkeyWitnesses.map(\.keyHash))
        var needed = Set(tx.body.requiredSigners)
        for utxo in resolved where utxo.output.address.first.map({ $0 >> 4 == 0b0110 }) == true {
            needed.insert(Array(utxo.output.address.dropFirst()))  // enterprise address locked by a key
        }
        guard needed.isSubset(of: signers) else { throw EmulatorError(code: 3100, "a required signature is missing") }
        // An input locked by a native script: the script is witnessed and satisfied (Plutus-locked inputs go to phase two).
        for utxo in resolved where utxo.output.address.first.map({ $0 >> 4 == 0b0111 }) == true {
            let hash = Array(utxo.output.address.dropFirst())
            if let script = tx.witnessSet.nativeScripts.first(where: { $0.hash == hash }) {
                guard script.isSatisfied(signers: signers, validFrom: tx.body.validityStart, validUntil: tx.body.ttl) else {
                    throw EmulatorError(code: 3100, "the native script locking \(utxo.input) is not satisfied")
                }
            } else if tx.witnessSet.redeemers.isEmpty {
                throw EmulatorError(code: 3100, "no script witnesses the input \(utxo.input)")
            }
        }
        let memory = tx.witnessSet.redeemers.reduce(0) { $0 + $1.memory }
        let steps = tx.witnessSet.redeemers.reduce(0) { $0 + $1.steps }
        let minimum = try fees.minFee(transactionSize: tx.cborBytes.count, memory: memory, steps: steps)
        guard tx.body.fee >= minimum else { throw EmulatorError(code: 3122, "fee \(tx.body.fee) below the minimum \(minimum)") }
        let consumed = resolved.reduce(UInt64(0)) { $0 + $1.output.value.coin }
        let produced = tx.body.outputs.reduce(tx.body.fee) { $0 + $1.value.coin }
        guard consumed == produced else { throw EmulatorError(code: 3123, "value not preserved: \(consumed) in, \(produced) out") }
        // Assets: what the inputs hold and the transaction mints is what the outputs hold.
        var assets: [[UInt8]: [[UInt8]: Int64]] = [:]
        for output in resolved.map(\.output) {
            for (policy, names) in output.value.assets.assets { for (name, quantity) in names { assets[policy, default: [:]][name, default: 0] += Int64(quantity) } }
        }
        for (policy, names) in tx.body.mint?.assets ?? [:] { for (name, quantity) in names { assets[policy, default: [:]][name, default: 0] += quantity } }
        for output in tx.body.outputs {
            for (policy, names) in output.value.assets.assets { for (name, quantity) in names { assets[policy, default: [:]][name, default: 0] -= Int64(quantity) } }
        }
        guard assets.values.allSatisfy({ $0.values.allSatisfy { $0 == 0 } }) else { throw EmulatorError(code: 3123, "assets not preserved") }
        // Each minting policy is a native script the transaction satisfies, or a Plutus script with a redeemer.
        for policy in (tx.body.mint?.assets ?? [:]).keys {
            if let script = tx.witnessSet.nativeScripts.first(where: { $0.hash == policy }) {
                guard script.isSatisfied(signers: signers, validFrom: tx.body.validityStart, validUntil: tx.body.ttl) else {
                    throw EmulatorError(code: 3100, "the native script of policy \(Hex.encode(policy)) is not satisfied")
                }
            } else if tx.witnessSet.redeemers.isEmpty {
                throw EmulatorError(code: 3100, "no script for policy \(Hex.encode(policy))")
            }
        }
        if !tx.witnessSet.redeemers.isEmpty {
            let result = try AikenEvaluation.evaluate(tx, resolved)
            guard result.units != nil else { throw EmulatorError(code: 3010, "script failure: \(result.error)") }
        }
    }

    private func json(_ entry: (key: TransactionInput, value: TransactionOutput)) throws -> [String: Any] {
        var value: [String: Any] = ["ada": ["lovelace": entry.value.value.coin]]
        for (policy, assets) in entry.value.value.assets.assets {
            value[Hex.encode(policy)] = Dictionary(uniqueKeysWithValues: assets.map { (Hex.encode($0.key), $0.value) })
        }
        var object: [String: Any] = [
            "transaction": ["id": entry.key.transactionID.description], "index": Int(entry.key.index),
            "address": Bech32.encode(hrp: "addr_test", data: entry.value.address), "value": value,
        ]
        if case .inline(let datum)? = entry.value.datum { object["datum"] = Hex.encode(datum) }
        return object
    }

    /// Serves the emulator's JSON-RPC on 127.0.0.1 for the duration of `body`, which gets the URL.
    public func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/") { request, _ -> Response in
            let answer = try await self.respond(to: Data(buffer: try await request.body.collect(upTo: 1 << 22)))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer)))
        }
        return try await serveOnLoopback(router, label: "chain-emulator") { port in try await body("http://127.0.0.1:\(port)/") }
    }
}

struct EmulatorError: Error {
    let code: Int
    let message: String
    init(code: Int, _ message: String) {
        self.code = code
        self.message = message
    }
}
