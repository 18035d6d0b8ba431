import Cardano
import CardanoTestSupport
import Encoding
import Foundation
import Testing
import VectorSupport

/// Fees, minimum UTxO and the script data hash.
@Suite struct FeeAndScriptDataTests {
    let conway = FeeParameters.conway

    /// The tiered reference-script fee, worked by hand: 15 lovelace/byte for the first 25,600 bytes,
    /// 18 for the next 25,600, 21.6 for the next, floored once at the end.
    @Test func referenceScriptFeeTiers() throws {
        #expect(try conway.referenceScriptFee(size: 0) == 0)
        #expect(try conway.referenceScriptFee(size: 1) == 15)
        #expect(try conway.referenceScriptFee(size: 25_600) == 384_000)
        #expect(try conway.referenceScriptFee(size: 25_601) == 384_018)
        #expect(try conway.referenceScriptFee(size: 51_200) == 844_800)
        // 384,000 + 460,800 + 101 × 21.6 = 846,981.6 → 846,981.
        #expect(try conway.referenceScriptFee(size: 51_301) == 846_981)
        // The v2 cage state script (7,028 bytes) as a reference script: 105,420.
        #expect(try conway.referenceScriptFee(size: 7_028) == 105_420)
        // 204,800 bytes (the Conway per-tx limit): eight full tiers, 384,000·(1.2^8−1)/0.2 = 6,335,648.56… → floor.
        #expect(try conway.referenceScriptFee(size: 204_800) == 6_335_648)
    }

    /// Execution units are priced together and rounded up once: the v2 Modify-1 budget
    /// (439,895 mem, 141,058,417 cpu) costs ⌈25,381.9415 + 10,170.3118657⌉ = 35,553.
    @Test func executionFeeRoundsUpOnce() throws {
        #expect(try conway.executionFee(memory: 439_895, steps: 141_058_417) == 35_553)
        #expect(try conway.executionFee(memory: 0, steps: 0) == 0)
        #expect(try conway.executionFee(memory: 1, steps: 0) == 1)
        #expect(try conway.executionFee(memory: 10_000, steps: 10_000_000) == 1_298)
    }

    @Test func minFeeAddsTheParts() throws {
        #expect(try conway.sizeFee(transactionSize: 340) == 170_341)
        #expect(
            try conway.minFee(transactionSize: 1_000, memory: 439_895, steps: 141_058_417, referenceScriptSize: 7_028)
                == 44_000 + 155_381 + 35_553 + 105_420)
        let overflowing = FeeParameters(
            minFeeA: .max, minFeeB: 1, priceMemory: try Ratio(1), priceSteps: try Ratio(1),
            referenceScriptCostPerByte: try Ratio(1), referenceScriptMultiplier: try Ratio(2), referenceScriptTierSize: 1,
            coinsPerUTxOByte: 1)
        #expect(throws: CardanoError.self) { try overflowing.sizeFee(transactionSize: 2) }
        #expect(throws: CardanoError.self) { try overflowing.referenceScriptFee(size: 100) }
        #expect(throws: CardanoError.self) { try Ratio(1, 0) }
    }

    /// min UTxO = (160 + size) · 4,310; the real preprod cage outputs hold at least that.
    @Test(.vectors) func minUTxOOfRealOutputs() throws {
        let utxos = try #require(try Vectors.json("cardano/mpfs-cage/real-preprod-utxos.json") as? [String: Any])
        let state = try #require(utxos["state_utxo"] as? [String: Any])
        let requests = try #require(utxos["request_utxos"] as? [[String: Any]])
        for utxo in [state] + requests {
            let bytes = try VectorFields.hex(utxo, "tx_out_cbor")
            let output = try TransactionOutput(cbor: try CBOR.decode(bytes))
            let minimum = try conway.minUTxO(for: output)
            #expect(minimum == UInt64(160 + bytes.count) * 4_310)
            #expect(output.value.coin >= minimum)
        }
        // The state UTxO: 197 bytes → 1,538,670 lovelace minimum; it holds 2 ADA.
        let stateBytes = try VectorFields.hex(state, "tx_out_cbor")
        #expect(stateBytes.count == 197)
        #expect(try conway.minUTxO(outputSize: stateBytes.count) == 1_538_670)
    }

    /// The V3 language view is `{2: definite [297 ints]}`: exactly the cost-model CBOR Aiken takes.
    @Test(.vectors) func v3LanguageViewMatchesTheCostModelCBOR() throws {
        let model = try AikenEvaluation.v3CostModel()
        #expect(model.params.count == 297)
        let views = try ScriptDataHash.languageViews(costModels: [.v3: model.params], languages: [.v3])
        #expect(views == model.cbor)
    }

    @Test func scriptDataHashRules() throws {
        let model: [Int64] = [1, -2, 300]
        let redeemer = Redeemer(tag: .spend, index: 0, data: .unit, memory: 1, steps: 2)
        let witnesses = WitnessSet(plutusData: [.int(42)], redeemers: [redeemer])
        let redeemers = try #require(witnesses.redeemersBytes)
        #expect(Vectors.hex(redeemers) == "a182000082d879808201" + "02")
        let datums = try #require(witnesses.datumsBytes)
        #expect(Vectors.hex(datums) == "d9010281182a")
        let views = try ScriptDataHash.languageViews(costModels: [.v3: model], languages: [.v3])
        #expect(Vectors.hex(views) == "a10283012119012c")
        let hash = try ScriptDataHash.compute(witnessSet: witnesses, costModels: [.v3: model], languages: [.v3])
        #expect(hash == Blake2b.hash256(redeemers + datums + views))
        // Datums without redeemers: a0 ‖ datums ‖ a0.
        let datumsOnly = try ScriptDataHash.compute(redeemers: nil, datums: datums, costModels: [:], languages: [.v3])
        #expect(datumsOnly == Blake2b.hash256([0xa0] + datums + [0xa0]))
        #expect(try ScriptDataHash.compute(redeemers: nil, datums: nil, costModels: [:], languages: []) == nil)
        #expect(throws: CardanoError.self) {
            try ScriptDataHash.compute(witnessSet: witnesses, costModels: [:], languages: [.v3])
        }
        // V1's view: key h'00', value the bytes of an indefinite list; sorted before V2/V3 (longer key).
        let all = try ScriptDataHash.languageViews(costModels: [.v1: [5], .v2: [6], .v3: [7]], languages: [.v1, .v2, .v3])
        #expect(Vectors.hex(all) == "a3" + "0181" + "06" + "0281" + "07" + "4100" + "43" + "9f05ff")
    }

    /// The script data hash of a decoded transaction is taken over the witness-set bytes as received.
    @Test(.vectors) func scriptDataHashUsesReceivedBytes() throws {
        let file = try #require(try Vectors.json("cardano/mpfs-cage/tx-eval-vectors.json") as? [String: Any])
        let vectors = try #require(file["vectors"] as? [[String: Any]])
        let model = try AikenEvaluation.v3CostModel()
        var strictFailures: [Int] = []
        for (index, vector) in vectors.enumerated() {
            let bytes = try VectorFields.hex(vector, "tx_cbor")
            // In the v0 transaction pycardano wrote the 128-byte MPF branch neighbours as definite byte
            // strings in a redeemer: the ledger's decoder (bounded_bytes) refuses that, so strict decoding fails.
            do {
                _ = try Transaction(cbor: bytes)
            } catch {
                #expect(error.kind == .plutusBytesTooLong)
                strictFailures.append(index)
            }
            let tx = try Transaction(cbor: bytes, allowingLongByteStrings: true)
            #expect(tx.cborBytes == bytes)
            let raw = try #require(tx.witnessSet.redeemersBytes)
            let hash = try #require(
                try ScriptDataHash.compute(witnessSet: tx.witnessSet, costModels: [.v3: model.params], languages: [.v3]))
            #expect(hash == Blake2b.hash256(raw + (tx.witnessSet.datumsBytes ?? []) + model.cbor))
            // The vectors carry pycardano's dummy script data hash, which we must not reproduce.
            #expect(tx.body.scriptDataHash != nil)
        }
        #expect(strictFailures == [0])
    }
}
