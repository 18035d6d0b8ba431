import AsyncHTTPClient
import Cardano
import Encoding
import Foundation
import NIOCore


/// A client of the Blockfrost REST API (`/api/v0`, the project key in the `project_id` header): the
/// same calls as ``OgmiosClient`` for those who run no node. UTxOs by address are read page by page
/// (100 each); by reference, from the creating transaction's outputs and whether one consumed them.
public struct BlockfrostClient: Sendable {
    /// The API's base URL, e.g. `https://cardano-preprod.blockfrost.io/api/v0`.
    public let baseURL: String
    let projectID: String
    let http: HTTPClient
    let timeout: TimeAmount

    /// Blockfrost's own base URL for a network (`mainnet`, `preprod`, `preview`).
    public static func baseURL(network: String) -> String { "https://cardano-\(network).blockfrost.io/api/v0" }

    public init(baseURL: String, projectID: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.projectID = projectID
        self.http = http
        self.timeout = timeout
    }

    /// The slot of the newest block.
    public func tipSlot() async throws(ChainError) -> UInt64 {
        guard let slot: UInt64 = OgmiosClient.integer((try await get("/blocks/latest") as? [String: Any])?["slot"]) else {
            throw ChainError(.invalidResponse, "the latest block has no slot")
        }
        return slot
    }

    /// The fee parameters and the Plutus cost models of the current epoch.
    public func protocolParameters() async throws(ChainError) -> (fees: FeeParameters, costModels: [PlutusLanguage: [Int64]]) {
        guard let result = try await get("/epochs/latest/parameters") as? [String: Any] else {
            throw ChainError(.invalidResponse, "the protocol parameters are not an object")
        }
        do {
            let fees = FeeParameters(
                minFeeA: try OgmiosClient.natural(result["min_fee_a"], "min_fee_a"),
                minFeeB: try OgmiosClient.natural(result["min_fee_b"], "min_fee_b"),
                priceMemory: try Self.decimal(result["price_mem"], "price_mem"), priceSteps: try Self.decimal(result["price_step"], "price_step"),
                referenceScriptCostPerByte: try Self.decimal(result["min_fee_ref_script_cost_per_byte"] ?? 15, "min_fee_ref_script_cost_per_byte"),
                referenceScriptMultiplier: try Ratio(6, 5), referenceScriptTierSize: 25_600,
                coinsPerUTxOByte: try Self.natural(result["coins_per_utxo_size"], "coins_per_utxo_size"))
            var costModels: [PlutusLanguage: [Int64]] = [:]
            for (name, language) in [("PlutusV1", PlutusLanguage.v1), ("PlutusV2", .v2), ("PlutusV3", .v3)] {
                guard let model = (result["cost_models_raw"] as? [String: Any])?[name] as? [Any] else { continue }
                let parameters: [Int64] = model.compactMap { OgmiosClient.integer($0) }
                guard parameters.count == model.count else { throw ChainError(.invalidResponse, "the \(name) cost model is not a list of integers") }
                costModels[language] = parameters
            }
            return (fees, costModels)
        } catch let error as ChainError {
            throw error
        } catch {
            throw ChainError(.invalidResponse, "the protocol parameters do not fit: \(error)")
        }
    }

    /// The unspent outputs at `addresses` (Bech32), all pages.
    public func utxos(at addresses: [String]) async throws(ChainError) -> [UTxO] {
        var utxos: [UTxO] = []
        for address in addresses {
            for page in 1...Self.maxPages {
                guard let entries = try await get("/addresses/\(address)/utxos?page=\(page)", missingIsEmpty: true) as? [[String: Any]] else {
                    throw ChainError(.invalidResponse, "the UTxOs of \(address) are not a list")
                }
                for entry in entries {
                    let id = try Self.transactionID(entry["tx_hash"])
                    guard let index: UInt16 = OgmiosClient.integer(entry["output_index"]) else {
                        throw ChainError(.invalidResponse, "a UTxO without output_index")
                    }
                    utxos.append(UTxO(input: TransactionInput(transactionID: id, index: index), output: try Self.output(entry, address: address)))
                }
                if entries.count < Self.pageSize { break }
                guard page < Self.maxPages else {
                    throw ChainError(.invalidResponse, "\(address) holds more than \(Self.maxPages * Self.pageSize) outputs; not read further")
                }
            }
        }
        return utxos
    }

    /// The unspent outputs among `references`, from their transactions' outputs that nothing consumed.
    public func utxos(_ references: [TransactionInput]) async throws(ChainError) -> [UTxO] {
        var byTransaction: [TransactionID: [UInt16]] = [:]
        for reference in references { byTransaction[reference.transactionID, default: []].append(reference.index) }
        var utxos: [UTxO] = []
        for (id, indices) in byTransaction.sorted(by: { $0.key < $1.key }) {
            guard let answer = try await get("/txs/\(id)/utxos", missingIsEmpty: true) as? [String: Any], !answer.isEmpty else { continue }
            guard let outputs = answer["outputs"] as? [[String: Any]] else { throw ChainError(.invalidResponse, "the outputs of \(id) are not a list") }
            for output in outputs {
                guard let index: UInt16 = OgmiosClient.integer(output["output_index"]), indices.contains(index),
                    output["consumed_by_tx"] == nil || output["consumed_by_tx"] is NSNull, (output["collateral"] as? Bool) != true
                else { continue }
                guard let address = output["address"] as? String else { throw ChainError(.invalidResponse, "an output without address") }
                utxos.append(UTxO(input: TransactionInput(transactionID: id, index: index), output: try Self.output(output, address: address)))
            }
        }
        return utxos
    }

    /// The execution units of `tx`'s redeemers (Blockfrost's evaluation in the Ogmios v6 form).
    public func evaluate(_ tx: Transaction) async throws(ChainError) -> [RedeemerPointer: ExecutionUnits] {
        let answer = try await send("/utils/txs/evaluate?version=6", posting: tx.cborBytes)
        guard let object = answer as? [String: Any] else { throw ChainError(.invalidResponse, "the evaluation is not an object") }
        if let error = object["error"] as? [String: Any] {
            throw ChainError(.scriptFailed, "evaluation: \(error["message"] as? String ?? "no message")", backendCode: OgmiosClient.integer(error["code"]))
        }
        return try OgmiosClient.executionUnits(object["result"])
    }

    /// Submits `tx`; idempotent as ``OgmiosClient/submit(_:)``: a transaction already on chain is
    /// answered with its id.
    public func submit(_ tx: Transaction) async throws(ChainError) -> TransactionID {
        do {
            _ = try await send("/tx/submit", posting: tx.cborBytes)
            return tx.id
        } catch let error where error.kind == .rejected {
            guard !tx.body.outputs.isEmpty, !(try await utxos([TransactionInput(transactionID: tx.id, index: 0)])).isEmpty else { throw error }
            return tx.id
        }
    }

    // MARK: HTTP

    static let pageSize = 100
    /// The most pages read for one address (a backend that never ends its pages is not followed forever).
    static let maxPages = 1_000

    private func get(_ path: String, missingIsEmpty: Bool = false) async throws(ChainError) -> Any {
        do {
            return try await send(path, posting: nil)
        } catch let error where missingIsEmpty && error.backendCode == 404 {
            return path.contains("/utxos?") ? [Any]() : [String: Any]()
        }
    }

    /// GETs `path`, or POSTs `cbor` to it (`application/cbor`), and reads the JSON answer.
    private func send(_ path: String, posting cbor: [UInt8]?) async throws(ChainError) -> Any {
        let status: UInt
        let body: [UInt8]
        do {
            var request = HTTPClientRequest(url: baseURL + path)
            request.headers.add(name: "project_id", value: projectID)
            if let cbor {
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/cbor")
                request.body = .bytes(ByteBuffer(bytes: cbor))
            }
            let response = try await http.execute(request, timeout: timeout)
            status = response.status.code
            body = Array(try await response.body.collect(upTo: 32 << 20).readableBytesView)
        } catch {
            throw ChainError(.unreachable, "Blockfrost at \(baseURL) did not answer \(path): \(error)")
        }
        let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        guard (200..<300).contains(status) else {
            let message = (json as? [String: Any])?["message"] as? String ?? "status \(status)"
            let kind: ChainError.Kind = status == 429 || status >= 500 || status == 403 ? .unreachable : .rejected
            throw ChainError(kind, "Blockfrost \(path): \(message)", backendCode: Int(status))
        }
        guard let json else { throw ChainError(.invalidResponse, "Blockfrost answered \(path) with something that is not JSON") }
        return json
    }

    // MARK: Decoding

    static func transactionID(_ json: Any?) throws(ChainError) -> TransactionID {
        guard let hex = json as? String, let id = try? TransactionID(hex: hex) else { throw ChainError(.invalidResponse, "a transaction hash that is not 64 hex digits") }
        return id
    }

    /// An output from Blockfrost's `amount` list (`lovelace`, then policy id ‖ asset name in hex) and datum fields.
    static func output(_ json: [String: Any], address: String) throws(ChainError) -> TransactionOutput {
        guard let addressBytes = try? Bech32.decode(address).data else { throw ChainError(.invalidResponse, "an address that is not Bech32") }
        guard let amounts = json["amount"] as? [[String: Any]] else { throw ChainError(.invalidResponse, "an output without amount") }
        var value = Value(coin: 0)
        for amount in amounts {
            guard let unit = amount["unit"] as? String, let text = amount["quantity"] as? String, let quantity = UInt64(text) else {
                throw ChainError(.invalidResponse, "an amount that is not a unit with a natural quantity")
            }
            if unit == "lovelace" {
                value.coin = quantity
            } else {
                guard let bytes = try? Hex.decode(unit), (28...60).contains(bytes.count) else { throw ChainError(.invalidResponse, "an asset unit that does not fit") }
                value.assets.assets[Array(bytes.prefix(28)), default: [:]][Array(bytes.dropFirst(28))] = quantity
            }
        }
        var datum: TransactionOutput.Datum?
        if let inline = json["inline_datum"] as? String {
            guard let bytes = try? Hex.decode(inline) else { throw ChainError(.invalidResponse, "an inline datum that is not hex") }
            datum = .inline(bytes)
        } else if let hash = json["data_hash"] as? String, let bytes = try? Hex.decode(hash) {
            datum = .hash(bytes)
        }
        return TransactionOutput(address: addressBytes, value: value, datum: datum)
    }

    /// A natural number Blockfrost writes as a string or a number.
    static func natural(_ json: Any?, _ field: String) throws(ChainError) -> UInt64 {
        if let text = json as? String, let number = UInt64(text) { return number }
        guard let number: UInt64 = OgmiosClient.integer(json) else { throw ChainError(.invalidResponse, "\(field) is not a natural number") }
        return number
    }

    /// A price Blockfrost writes as a decimal number (`0.0577`, `7.21e-05`): exactly its digits over a power of ten.
    static func decimal(_ json: Any?, _ field: String) throws(ChainError) -> Ratio {
        let text: String
        if let string = json as? String {
            text = string
        } else if let number = json as? NSNumber {
            text = "\(number.doubleValue)"
        } else {
            throw ChainError(.invalidResponse, "\(field) is not a number")
        }
        let parts = text.lowercased().split(separator: "e", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let exponent = parts.count == 2 ? Int(parts[1]) : 0, (-18...18).contains(exponent) else {
            throw ChainError(.invalidResponse, "\(field) is not a decimal number")
        }
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(mantissa.count), mantissa.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let digits = UInt64(mantissa.joined())
        else { throw ChainError(.invalidResponse, "\(field) is not a non-negative decimal number") }
        let scale = (mantissa.count == 2 ? mantissa[1].count : 0) - exponent
        do {
            var numerator = digits
            var denominator: UInt64 = 1
            for _ in 0..<max(scale, 0) { denominator = try checked(denominator.multipliedReportingOverflow(by: 10)) }
            for _ in 0..<max(-scale, 0) { numerator = try checked(numerator.multipliedReportingOverflow(by: 10)) }
            return try Ratio(numerator, denominator)
        } catch {
            throw ChainError(.invalidResponse, "\(field) is out of range")
        }
    }

    private static func checked(_ result: (partialValue: UInt64, overflow: Bool)) throws(ChainError) -> UInt64 {
        guard !result.overflow else { throw ChainError(.invalidResponse, "a number out of range") }
        return result.partialValue
    }
}

extension BlockfrostClient: ChainBackend {}
