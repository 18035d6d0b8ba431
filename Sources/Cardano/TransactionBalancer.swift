/// Builds a transaction without Plutus scripts whose inputs pay exactly for its outputs and fee: the
/// lovelace left over goes to one change output, placed last. Native assets must already balance
/// (what the inputs hold plus what is minted is what the outputs hold). The fee is settled against
/// the size of the transaction once `signers` keys have witnessed it.
public enum TransactionBalancer {
    public static func balance(
        spending inputs: [UTxO], paying outputs: [TransactionOutput], changeTo change: [UInt8], mint: MultiAsset<Int64>? = nil,
        validFrom: UInt64? = nil, validUntil: UInt64? = nil, nativeScripts: [NativeScript] = [], signers: Int = 1, fees: FeeParameters
    ) throws(CardanoError) -> Transaction {
        guard !inputs.isEmpty else { throw CardanoError(.invalidTransaction, "a transaction spends at least one input") }
        try checkAssetsBalance(inputs: inputs, outputs: outputs, mint: mint)
        for output in outputs where output.value.coin < (try fees.minUTxO(for: output)) {
            throw CardanoError(.overflow, "an output holds \(output.value.coin) lovelace, below its minimum of \(try fees.minUTxO(for: output))")
        }
        let available = try Ratio.sum(inputs.map(\.output.value.coin))
        let paid = try Ratio.sum(outputs.map(\.value.coin))
        let witnesses = WitnessSet(nativeScripts: nativeScripts)
        var fee: UInt64 = 0
        for _ in 0..<4 {
            let spent = try Ratio.sum([paid, fee])
            guard available >= spent else {
                throw CardanoError(.overflow, "the inputs hold \(available) lovelace; the outputs and fee need \(spent)")
            }
            let rest = available - spent
            let changeOutput = TransactionOutput(address: change, value: Value(coin: rest))
            if rest > 0, rest < (try fees.minUTxO(for: changeOutput)) {
                throw CardanoError(.overflow, "\(rest) lovelace of change is below an output's minimum")
            }
            let body = TransactionBody(
                inputs: inputs.map(\.input).sorted(), outputs: outputs + (rest > 0 ? [changeOutput] : []), fee: fee, ttl: validUntil,
                validityStart: validFrom, mint: mint)
            let needed = try fees.minFee(transactionSize: try Transaction.signedSize(body: body, witnesses: witnesses, signers: signers))
            if needed <= fee { return try Transaction(bodyBytes: try body.cborBytes(), witnessSet: witnesses) }
            fee = needed
        }
        throw CardanoError(.overflow, "the transaction's fee did not settle")
    }

    private static func checkAssetsBalance(inputs: [UTxO], outputs: [TransactionOutput], mint: MultiAsset<Int64>?) throws(CardanoError) {
        var balance: [[UInt8]: [[UInt8]: Int128]] = [:]
        for utxo in inputs {
            for (policy, names) in utxo.output.value.assets.assets { for (name, quantity) in names { balance[policy, default: [:]][name, default: 0] += Int128(quantity) } }
        }
        for (policy, names) in mint?.assets ?? [:] { for (name, quantity) in names { balance[policy, default: [:]][name, default: 0] += Int128(quantity) } }
        for output in outputs {
            for (policy, names) in output.value.assets.assets { for (name, quantity) in names { balance[policy, default: [:]][name, default: 0] -= Int128(quantity) } }
        }
        guard balance.values.allSatisfy({ $0.values.allSatisfy { $0 == 0 } }) else {
            throw CardanoError(.invalidTransaction, "the native assets spent and minted are not the ones paid out")
        }
    }
}
