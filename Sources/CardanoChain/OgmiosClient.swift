import AsyncHTTPClient
import Cardano
import Encoding
import Foundation
import NIOCore

/// A client of Ogmios v6 (JSON-RPC 2.0, here over HTTP POST): submitting and evaluating
/// transactions, UTxOs by address or reference, the tip and the protocol parameters.
public struct OgmiosClient: Sendable {
    public let url: String
    let http: HTTPClient
    let timeout: TimeAmount

    public init(url: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        self.url = url
        self.http = http
        self.timeout = timeout
    }

    /// The chain's tip: the slot of its newest block.
    public func tipSlot() async throws(ChainError) -> UInt64 {
        let result = try await call("queryLedgerState/tip", [:])
        guard let slot: UInt64 = Self.integer((result as? [String: Any])?["slot"]) else {
            throw ChainError(.invalidResponse, "the tip has no slot (the chain may be at its origin)")
        }
        return slot
    }

    /// The fee parameters and the Plutus cost models in force.
    public func protocolParameters() async throws(ChainError) -> (fees: FeeParameters, costModels: [PlutusLanguage: [Int64]]) {
        guard let result = try await call("queryLedgerState/protocolParameters", [:]) as? [String: Any] else {
            throw ChainError(.invalidResponse, "the protocol parameters are not an object")
        }
        do {
            let prices = try Self.object(result["scriptExecutionPrices"], "scriptExecutionPrices")
            let reference = try Self.object(result["minFeeReferenceScripts"], "minFeeReferenceScripts")
            let fees = FeeParameters(
                minFeeA: try Self.natural(result["minFeeCoefficient"], "minFeeCoefficient"),
                minFeeB: try Self.lovelace(result["minFeeConstant"], "minFeeConstant"),
                priceMemory: try Self.ratio(prices["memory"], "memory price"), priceSteps: try Self.ratio(prices["cpu"], "cpu price"),
                referenceScriptCostPerByte: try Self.ratio(reference["base"], "reference script base"),
                referenceScriptMultiplier: try Self.ratio(reference["multiplier"], "reference script multiplier"),
                referenceScriptTierSize: try Self.natural(reference["range"], "reference script range"),
                coinsPerUTxOByte: try Self.natural(result["minUtxoDepositCoefficient"], "minUtxoDepositCoefficient"))
            var costModels: [PlutusLanguage: [Int64]] = [:]
            for (name, language) in [("plutus:v1", PlutusLanguage.v1), ("plutus:v2", .v2), ("plutus:v3", .v3)] {
                guard let model = (result["plutusCostModels"] as? [String: Any])?[name] else { continue }
                let parameters: [Int64]? = (model as? [Any])?.compactMap { Self.integer($0) }
                guard let parameters, parameters.count == (model as? [Any])?.count else {
                    throw ChainError(.invalidResponse, "the \(name) cost model is not a list of integers")
                }
                costModels[language] = parameters
            }
            return (fees, costModels)
        } catch let error as ChainError {
            throw error
        } catch {
            throw ChainError(.invalidResponse, "the protocol parameters do not fit: \(error)")
        }
    }

    /// The unspent outputs at `addresses` (Bech32).
    public func utxos(at addresses: [String]) async throws(ChainError) -> [UTxO] {
        try Self.utxos(try await call("queryLedgerState/utxo", ["addresses": addresses]))
    }

    /// The unspent outputs among `references`; a spent or unknown one is not in the answer.
    public func utxos(_ references: [TransactionInput]) async throws(ChainError) -> [UTxO] {
        let references = references.map { ["transaction": ["id": $0.transactionID.description], "index": Int($0.index)] as [String: Any] }
        return try Self.utxos(try await call("queryLedgerState/utxo", ["outputReferences": references]))
    }

    /// The execution units each redeemer of `tx` uses, by purpose and index, evaluated by the node
    /// against the current UTxO set; `chain_script_failed` when a script fails.
    public func evaluate(_ tx: Transaction) async throws(ChainError) -> [RedeemerPointer: ExecutionUnits] {
        try Self.executionUnits(try await call("evaluateTransaction", ["transaction": ["cbor": Hex.encode(tx.cborBytes)]]))
    }

    /// An evaluation result in the Ogmios v6 form: `[{validator: {purpose, index}, budget: {memory, cpu}}]`.
    static func executionUnits(_ result: Any?) throws(ChainError) -> [RedeemerPointer: ExecutionUnits] {
        guard let entries = result as? [[String: Any]] else { throw ChainError(.invalidResponse, "the evaluation is not a list") }
        var units: [RedeemerPointer: ExecutionUnits] = [:]
        for entry in entries {
            guard let validator = entry["validator"] as? [String: Any], let purpose = validator["purpose"] as? String,
                let tag = RedeemerPointer.tags[purpose], let index: UInt32 = Self.integer(validator["index"]),
                let budget = entry["budget"] as? [String: Any], let memory: UInt64 = Self.integer(budget["memory"]),
                let cpu: UInt64 = Self.integer(budget["cpu"])
            else { throw ChainError(.invalidResponse, "an evaluation entry without validator or budget") }
            units[RedeemerPointer(tag: tag, index: index)] = ExecutionUnits(memory: memory, steps: cpu)
        }
        return units
    }

    /// Submits `tx` and returns its id. Idempotent: a transaction the chain already holds (after a
    /// crash between submitting and recording it) is answered with its id, because its first output
    /// is there to be found.
    public func submit(_ tx: Transaction) async throws(ChainError) -> TransactionID {
        do {
            _ = try await call("submitTransaction", ["transaction": ["cbor": Hex.encode(tx.cborBytes)]])
            return tx.id
        } catch let error where error.kind == .rejected {
            guard !tx.body.outputs.isEmpty,
                !(try await utxos([TransactionInput(transactionID: tx.id, index: 0)])).isEmpty
            else { throw error }
            return tx.id
        }
    }

    // MARK: JSON-RPC

    private func call(_ method: String, _ params: [String: Any]) async throws(ChainError) -> Any {
        let request: [String: Any] = ["jsonrpc": "2.0", "method": method, "params": params, "id": method]
        let body: [UInt8]
        do {
            var http = HTTPClientRequest(url: url)
            http.method = .POST
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: request)))
            let response = try await self.http.execute(http, timeout: timeout)
            body = Array(try await response.body.collect(upTo: 32 << 20).readableBytesView)
        } catch {
            throw ChainError(.unreachable, "Ogmios at \(url) did not answer \(method): \(error)")
        }
        guard let answer = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw ChainError(.invalidResponse, "Ogmios answered \(method) with something that is not a JSON-RPC object")
        }
        if let error = answer["error"] as? [String: Any] {
            let code: Int? = Self.integer(error["code"])
            let message = error["message"] as? String ?? "no message"
            let kind: ChainError.Kind = method == "evaluateTransaction" && code == 3010 ? .scriptFailed : .rejected
            throw ChainError(kind, "\(method): \(message)", backendCode: code)
        }
        guard let result = answer["result"] else { throw ChainError(.invalidResponse, "Ogmios answered \(method) without a result") }
        return result
    }

    // MARK: Decoding

    static func utxos(_ result: Any) throws(ChainError) -> [UTxO] {
        guard let entries = result as? [[String: Any]] else { throw ChainError(.invalidResponse, "the UTxOs are not a list") }
        var utxos: [UTxO] = []
        for entry in entries {
            do {
                let id = try TransactionID(hex: (entry["transaction"] as? [String: Any])?["id"] as? String ?? "")
                guard let index: UInt16 = integer(entry["index"]), let address = entry["address"] as? String else {
                    throw ChainError(.invalidResponse, "a UTxO without index or address")
                }
                let (_, addressBytes) = try Bech32.decode(address)
                var datum: TransactionOutput.Datum?
                if let inline = entry["datum"] as? String {
                    guard let bytes = try? Hex.decode(inline) else { throw ChainError(.invalidResponse, "a datum that is not hex") }
                    datum = .inline(bytes)
                } else if let hash = entry["datumHash"] as? String, let bytes = try? Hex.decode(hash) {
                    datum = .hash(bytes)
                }
                utxos.append(UTxO(
                    input: TransactionInput(transactionID: id, index: index),
                    output: TransactionOutput(address: addressBytes, value: try value(entry["value"]), datum: datum)))
            } catch let error as ChainError {
                throw error
            } catch {
                throw ChainError(.invalidResponse, "a UTxO that does not fit: \(error)")
            }
        }
        return utxos
    }

    /// `json` as an integer of type `T` when it is exactly one (digits as JSON wrote them, in range):
    /// never a negative number wrapped, a fraction cut or a large one rounded.
    static func integer<T: FixedWidthInteger>(_ json: Any?) -> T? {
        guard let number = json as? NSNumber else { return nil }
        return T(number.stringValue)
    }

    /// `{ada: {lovelace: n}, policy: {asset: n}}`.
    static func value(_ json: Any?) throws -> Value {
        guard let object = json as? [String: Any] else { throw ChainError(.invalidResponse, "a value that is not an object") }
        var value = Value(coin: try lovelace(object, "value"))
        for (policy, assets) in object where policy != "ada" {
            guard let policyBytes = try? Hex.decode(policy), let assets = assets as? [String: Any] else {
                throw ChainError(.invalidResponse, "an asset entry that does not fit")
            }
            for (name, quantity) in assets {
                guard let nameBytes = try? Hex.decode(name), let quantity: UInt64 = integer(quantity) else {
                    throw ChainError(.invalidResponse, "an asset that is not a hex name with a natural quantity")
                }
                value.assets.assets[policyBytes, default: [:]][nameBytes] = quantity
            }
        }
        return value
    }

    static func lovelace(_ json: Any?, _ field: String) throws -> UInt64 {
        guard let amount: UInt64 = integer(((json as? [String: Any])?["ada"] as? [String: Any])?["lovelace"]) else {
            throw ChainError(.invalidResponse, "\(field) has no ada.lovelace as a natural number")
        }
        return amount
    }

    static func natural(_ json: Any?, _ field: String) throws -> UInt64 {
        guard let number: UInt64 = integer(json) else { throw ChainError(.invalidResponse, "\(field) is not a natural number") }
        return number
    }

    static func object(_ json: Any?, _ field: String) throws -> [String: Any] {
        guard let object = json as? [String: Any] else { throw ChainError(.invalidResponse, "\(field) is not an object") }
        return object
    }

    /// A ratio as Ogmios writes it: `"577/10000"`, or a plain number such as `15` or `1.2`.
    static func ratio(_ json: Any?, _ field: String) throws -> Ratio {
        if let text = json as? String {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let numerator = UInt64(parts[0]), let denominator = UInt64(parts[1]) else {
                throw ChainError(.invalidResponse, "\(field) is not a ratio")
            }
            return try Ratio(numerator, denominator)
        }
        // A decimal number as written (`15`, `1.2`): its digits over a power of ten.
        guard let number = json as? NSNumber else { throw ChainError(.invalidResponse, "\(field) is not a number") }
        let parts = number.stringValue.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }), parts.count == 1 || parts[1].count <= 18,
            let numerator = UInt64(parts.joined())
        else { throw ChainError(.invalidResponse, "\(field) is not a non-negative decimal number") }
        var denominator: UInt64 = 1
        for _ in 0..<(parts.count == 2 ? parts[1].count : 0) { denominator *= 10 }
        return try Ratio(numerator, denominator)
    }
}

/// Which redeemer: its purpose and index (the input, policy, … it belongs to, in ledger order).
public struct RedeemerPointer: Sendable, Hashable {
    public var tag: Redeemer.Tag
    public var index: UInt32

    public init(tag: Redeemer.Tag, index: UInt32) {
        self.tag = tag
        self.index = index
    }

    static let tags: [String: Redeemer.Tag] = [
        "spend": .spend, "mint": .mint, "publish": .cert, "withdraw": .reward, "vote": .voting, "propose": .proposing,
    ]
}
