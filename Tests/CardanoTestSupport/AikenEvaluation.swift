import Cardano
import Encoding
import Foundation
import Testing
import VectorSupport

/// Aiken's phase-two evaluator (pip `biglup-cometa`, `eval_phase_two`, through
/// `scripts/cardano-aiken-eval.py`): an implementation of the ledger's script evaluation that is not
/// ours, used by the Cardano tests as the judge of every script transaction we build.
public enum AikenEvaluation {
    public static let available = ReferencePython.canImport("cometa")

    /// The slot clock scripts are evaluated with: preprod's.
    public static let clock = SlotClock.preprod

    /// The V3 cost model of the vectors: its 297 parameters in ledger order, and the CBOR `{2: [...]}`
    /// the evaluator takes.
    public static func v3CostModel() throws -> (params: [Int64], cbor: [UInt8]) {
        // Keep the file's key order (ledger order) by reading the raw text rather than a dictionary.
        let data = try Vectors.data("cardano/mpfs-cage/plutus-v3-cost-model.json")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cbor = try #require(Vectors.bytes(hex: object["cbor_for_aiken_eval_phase_two"] as? String ?? ""))
        let text = String(decoding: data, as: UTF8.self)
        let paramsStart = try #require(text.range(of: "\"params\""))
        let body = text[paramsStart.upperBound...]
        let open = try #require(body.firstIndex(of: "{"))
        let close = try #require(body.firstIndex(of: "}"))
        let values = body[body.index(after: open)..<close].split(separator: ",").compactMap { member -> Int64? in
            member.split(separator: ":").last.flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return (values, cbor)
    }

    /// The units each redeemer of `tx` used, by (tag, index), when the scripts accept it over
    /// `utxos` (which must resolve every input and reference input); otherwise nil and Aiken's error.
    public static func evaluate(_ tx: Transaction, _ utxos: [UTxO]) throws -> (units: [Redeemer.Tag: [UInt32: ExecutionUnits]]?, error: String) {
        let resolved = tx.body.inputs.sorted() + tx.body.referenceInputs.sorted()
        let outputs = try resolved.map { input in try #require(utxos.first { $0.input == input }, "no UTxO for \(input)").output }
        let request: [String: Any] = [
            "tx": Vectors.hex(tx.cborBytes),
            "inputs": Vectors.hex(try CBOR.array(resolved.map { CBOR.array([.bytes($0.transactionID.bytes), .unsigned(UInt64($0.index))]) }).encode()),
            "outputs": Vectors.hex(try CBOR.array(outputs.map(\.cbor)).encode()),
            "cost_models": Vectors.hex(try v3CostModel().cbor),
            "slot_config": ["zero_time": clock.zeroTime, "zero_slot": clock.zeroSlot, "slot_length": clock.slotLength],
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-eval-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: request).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ReferencePython.run(
            "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
            arguments: [script.path, file.path])
        guard run.status == 0, let answer = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any] else {
            throw TestSetupFailure("the Aiken evaluation did not run: \(run.error)")
        }
        guard (answer["status"] as? String)?.uppercased() == "SUCCESS" else { return (nil, answer["error"] as? String ?? "") }
        var used: [Redeemer.Tag: [UInt32: ExecutionUnits]] = [:]
        let redeemers = try CBOR.decode(try #require(Vectors.bytes(hex: answer["redeemer_cbor"] as? String ?? "")))
        for redeemer in redeemers.arrayValue ?? [] {
            guard let fields = redeemer.arrayValue, fields.count == 4, let tagValue = fields[0].uint64Value,
                let tag = Redeemer.Tag(rawValue: UInt8(tagValue)), let index = fields[1].uint64Value,
                let units = fields[3].arrayValue, units.count == 2, let memory = units[0].uint64Value, let steps = units[1].uint64Value
            else { continue }
            used[tag, default: [:]][UInt32(index)] = ExecutionUnits(memory: memory, steps: steps)
        }
        return (used, "")
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/cardano-aiken-eval.py")
}

public struct TestSetupFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
