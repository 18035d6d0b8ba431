import Cardano
import CardanoTestSupport
import Encoding
import Foundation
import Testing
import VectorSupport

/// Cross-checks with libcardano-c (pip `biglup-cometa`), an implementation independent of ours: it
/// decodes a transaction we built and must report our id, script data hash and fee parts, and it
/// computes the same script data hash as we do for the cage transactions. Skipped without python3 + cometa, except under `CI=true`.
@Suite struct CometaCrossCheckTests {
    static let cometaAvailable = CometaCheck.available

    static func check(_ tx: [UInt8], costModels: [UInt8]? = nil) throws -> [String: String] { try CometaCheck.run(tx, costModels: costModels) }

    @Test(.enabled(if: cometaAvailable || Vectors.required, "python3 with biglup-cometa not found; fails under CI=true"))
    func cometaReadsOurIdFromATransactionWeBuilt() throws {
        let key = try PaymentKey(seed: [UInt8](repeating: 7, count: 32))
        let bodyBytes = try TransactionBuildTests.sampleBody().cborBytes()
        let id = TransactionID(bodyBytes: bodyBytes)
        let redeemer = Redeemer(
            tag: .spend, index: 0, data: .constr(2, [.list([.bytes([1, 2])])]), memory: 439_895, steps: 141_058_417)
        let witnesses = WitnessSet(vkeyWitnesses: [try key.witness(for: id)], plutusData: [.unit], redeemers: [redeemer])
        let tx = try Transaction(bodyBytes: bodyBytes, witnessSet: witnesses)
        let costModel: [Int64] = Array(0..<297)
        let views = try ScriptDataHash.languageViews(costModels: [.v3: costModel], languages: [.v3])
        let result = try Self.check(tx.cborBytes, costModels: views)
        #expect(result["txid"] == id.description)
        let ours = try ScriptDataHash.compute(witnessSet: tx.witnessSet, costModels: [.v3: costModel], languages: [.v3])
        #expect(result["script_data_hash"] == ours.map { Vectors.hex($0) })
        // The fee parts agree: size fee over the whole transaction, execution units priced and rounded up once.
        let conway = FeeParameters.conway
        #expect(result["size_fee"] == String(try conway.sizeFee(transactionSize: tx.cborBytes.count)))
        #expect(result["script_fee"] == String(try conway.executionFee(memory: 439_895, steps: 141_058_417)))
        #expect(result["script_fee"] == "35553")
    }

    /// Our script data hash of each cage transaction in `tx-eval-vectors.json` (over the redeemer bytes
    /// as received and the V3 language view) equals libcardano-c's. The expected values were also
    /// computed here with cometa 1.2.1.post6, so they are checked even without Python.
    @Test(.vectors) func scriptDataHashOfCageTransactions() throws {
        let file = try #require(try Vectors.json("cardano/mpfs-cage/tx-eval-vectors.json") as? [String: Any])
        let vectors = try #require(file["vectors"] as? [[String: Any]])
        let model = try AikenEvaluation.v3CostModel()
        let expected = [
            "8270c351de4e5a11d7e6d5ea09bb24f61355caf212d199ae01261bc9e7203085",
            "25aea2df1022881ba18ad63a4594640cd516d434c5abe8cb974cf92f4a14112e",
            "17a42e35a66d99be6f2b27240e435e1bf67a4d528930c94779aa99d6061b489d",
            "17a42e35a66d99be6f2b27240e435e1bf67a4d528930c94779aa99d6061b489d",
        ]
        let expectedIDs = [
            "cf92d11456ece8ef643b6b7fe1714fd307fcaa52a2d37026d670c478a79f8707",
            "85146d1c59631727dc04799bb65ad47bda1de4c25c4a3dfea082ee20a97340b9",
            "edc68b459869b5867495e1b2a4564295159bcdf5deff9e1bf22fbeb4ef434dd9",
            "3598c6fead19f15a8b25690014a77e65bdd61b237e31489bf05233318d9710b6",
        ]
        #expect(vectors.count == expected.count)
        let live = Self.cometaAvailable
        for (index, vector) in vectors.enumerated() where index < expected.count {
            let bytes = try VectorFields.hex(vector, "tx_cbor")
            let tx = try Transaction(cbor: bytes, allowingLongByteStrings: true)
            #expect(tx.id.description == expectedIDs[index])
            let hash = try ScriptDataHash.compute(witnessSet: tx.witnessSet, costModels: [.v3: model.params], languages: [.v3])
            #expect(hash.map { Vectors.hex($0) } == expected[index])
            // pycardano put a dummy hash in the body, so it differs from the real one.
            #expect(tx.body.scriptDataHash.map { Vectors.hex($0) } != expected[index])
            if live {
                let result = try Self.check(bytes, costModels: model.cbor)
                #expect(result["txid"] == expectedIDs[index])
                #expect(result["script_data_hash"] == expected[index])
            }
        }
    }
}
