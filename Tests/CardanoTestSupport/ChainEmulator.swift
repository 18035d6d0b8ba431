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

    /// Every output ever created and, once spent, the transaction that consumed it (for Blockfrost's `/txs/{hash}/utxos`).
    private var created: [TransactionInput: TransactionOutput]
    private var consumedBy: [TransactionInput: TransactionID] = [:]

    public init(genesis: [UTxO], slot: UInt64) {
        utxos = Dictionary(uniqueKeysWithValues: genesis.map { ($0.input, $0.output) })
        created = utxos
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
            for input in tx.body.inputs {
                utxos[input] = nil
                consumedBy[input] = tx.id
            }
            for (index, output) in tx.body.outputs.enumerated() {
                utxos[TransactionInput(transactionID: tx.id, index: UInt16(index))] = output
                created[TransactionInput(transactionID: tx.id, index: UInt16(index))] = output
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
        addBlockfrost(to: router)
        return try await serveOnLoopback(router, label: "chain-emulator") { port in try await body("http://127.0.0.1:\(port)/") }
    }

    // MARK: - Blockfrost

    /// The project key the emulator's Blockfrost API takes (403 otherwise, as Blockfrost answers).
    public static let blockfrostProject = "preprodEmulatorProject"

    /// The subset of Blockfrost's REST API (`/api/v0`) the client uses, over the same chain: served by
    /// ``serve(_:)`` beside the JSON-RPC, so `<url>api/v0` is its base URL.
    nonisolated func addBlockfrost(to router: Router<BasicRequestContext>) {
        let api = router.group("api/v0")
        api.get("blocks/latest") { request, _ -> Response in
            guard Self.authorized(request) else { return try Self.problem(.forbidden, "Invalid project token.") }
            return try Self.answer(.ok, ["slot": await self.slot, "hash": String(repeating: "ab", count: 32)])
        }
        api.get("epochs/latest/parameters") { request, _ -> Response in
            guard Self.authorized(request) else { return try Self.problem(.forbidden, "Invalid project token.") }
            return try Self.answer(.ok, [
                "min_fee_a": 44, "min_fee_b": 155_381, "price_mem": 0.0577, "price_step": 0.0000721, "coins_per_utxo_size": "4310",
                "min_fee_ref_script_cost_per_byte": 15, "cost_models_raw": ["PlutusV3": try AikenEvaluation.v3CostModel().params],
            ] as [String: Any])
        }
        api.get("addresses/:address/utxos") { request, context -> Response in
            guard Self.authorized(request) else { return try Self.problem(.forbidden, "Invalid project token.") }
            let address = try context.parameters.require("address")
            guard let bytes = try? Bech32.decode(address).data else { return try Self.problem(.badRequest, "Invalid address for this network or malformed address format.") }
            let page = Int(request.uri.queryParameters.get("page") ?? "1") ?? 1
            let all = await self.utxos.filter { $0.value.address == bytes }.sorted { $0.key < $1.key }
            guard !all.isEmpty else { return try Self.problem(.notFound, "The requested component has not been found.") }
            let slice = all.dropFirst((page - 1) * 100).prefix(100)
            return try Self.answer(.ok, slice.map { Self.blockfrostOutput($0.value, input: $0.key, address: address, consumedBy: nil) })
        }
        api.get("txs/:hash/utxos") { request, context -> Response in
            guard Self.authorized(request) else { return try Self.problem(.forbidden, "Invalid project token.") }
            guard let id = try? TransactionID(hex: try context.parameters.require("hash")) else { return try Self.problem(.badRequest, "Invalid hash.") }
            let (created, consumed) = await (self.created, self.consumedBy)
            let outputs = created.filter { $0.key.transactionID == id }.sorted { $0.key < $1.key }
            guard !outputs.isEmpty else { return try Self.problem(.notFound, "The requested component has not been found.") }
            return try Self.answer(.ok, [
                "hash": id.description, "inputs": [Any](),
                "outputs": outputs.map {
                    Self.blockfrostOutput(
                        $0.value, input: $0.key, address: Bech32.encode(hrp: "addr_test", data: $0.value.address), consumedBy: consumed[$0.key])
                },
            ] as [String: Any])
        }
        api.post("tx/submit") { request, _ -> Response in
            guard Self.authorized(request) else { return try Self.problem(.forbidden, "Invalid project token.") }
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 22))
            do {
                let result = try JSONSerialization.jsonObject(with: try await self.run("submitTransaction", cbor: bytes), options: [.fragmentsAllowed])
                return try Self.answer(.ok, ((result as? [String: Any])?["transaction"] as? [String: Any])?["id"] ?? "")
            } catch let error as EmulatorError {
                return try Self.problem(.badRequest, "transaction submit error \(error.code): \(error.message)")
            }
        }
        api.post("utils/txs/evaluate") { request, _ -> Response in
            guard Self.authorized(request) else { return try Self.problem(.forbidden, "Invalid project token.") }
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 22))
            do {
                let result = try JSONSerialization.jsonObject(with: try await self.run("evaluateTransaction", cbor: bytes), options: [.fragmentsAllowed])
                return try Self.answer(.ok, ["jsonrpc": "2.0", "method": "evaluateTransaction", "result": result] as [String: Any])
            } catch let error as EmulatorError {
                return try Self.answer(.ok, ["jsonrpc": "2.0", "method": "evaluateTransaction", "error": ["code": error.code, "message": error.message]] as [String: Any])
            }
        }
    }

    /// A JSON-RPC method on a transaction's bytes, for the Blockfrost routes: its result, serialized.
    func run(_ method: String, cbor bytes: [UInt8]) throws -> Data {
        try JSONSerialization.data(withJSONObject: try handle(method, ["transaction": ["cbor": Hex.encode(bytes)]]), options: [.fragmentsAllowed])
    }

    static func answer(_ status: HTTPResponse.Status, _ json: Any) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))))
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
        try answer(status, ["status_code": Int(status.code), "error": status.reasonPhrase, "message": message])
    }

    static func authorized(_ request: Request) -> Bool {
        request.headers.first { $0.name.rawName.lowercased() == "project_id" }?.value == blockfrostProject
    }

    /// An output as Blockfrost writes it: `amount` units (lovelace, policy id ‖ asset name), datums, who consumed it.
    static func blockfrostOutput(_ output: TransactionOutput, input: TransactionInput, address: String, consumedBy: TransactionID?) -> [String: Any] {
        var amount: [[String: Any]] = [["unit": "lovelace", "quantity": String(output.value.coin)]]
        for (policy, names) in output.value.assets.assets.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            for (name, quantity) in names.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                amount.append(["unit": Hex.encode(policy + name), "quantity": String(quantity)])
            }
        }
        var json: [String: Any] = [
            "tx_hash": input.transactionID.description, "output_index": Int(input.index), "address": address, "amount": amount,
            "collateral": false, "consumed_by_tx": consumedBy.map { $0.description } ?? NSNull(),
            "inline_datum": NSNull(), "data_hash": NSNull(), "reference_script_hash": NSNull(),
        ]
        if case .inline(let datum)? = output.datum { json["inline_datum"] = Hex.encode(datum) }
        if case .hash(let hash)? = output.datum { json["data_hash"] = Hex.encode(hash) }
        return json
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
