import Cardano
import Encoding
import Foundation
import Testing
import VectorSupport

/// Bodies and outputs we build: the real preprod cage outputs are reproduced byte for byte, a body
/// using every supported key round-trips, and a signed transaction decodes to the same id.
@Suite struct TransactionBuildTests {
    static func id(_ byte: UInt8) throws -> TransactionID { try TransactionID(bytes: [UInt8](repeating: byte, count: 32)) }

    static func hex(_ string: String) throws -> [UInt8] { try #require(Vectors.bytes(hex: string)) }

    /// The live preprod state and request UTxOs, rebuilt from their decoded parts (address, value, datum
    /// JSON): the map-form output, the multi-asset value, the inline datum `[1, #6.24(bytes)]` and the
    /// chunked >64-byte datum fields come out exactly as on chain.
    @Test(.vectors) func realPreprodOutputsAreReproduced() throws {
        let utxos = try #require(try Vectors.json("cardano/mpfs-cage/real-preprod-utxos.json") as? [String: Any])
        let state = try #require(utxos["state_utxo"] as? [String: Any])
        let requests = try #require(utxos["request_utxos"] as? [[String: Any]])
        #expect(requests.count == 6)
        for utxo in [state] + requests {
            let decoded = try #require(utxo["decoded"] as? [String: Any])
            let value: Value
            if let coin = decoded["value"] as? Int {
                value = Value(coin: UInt64(coin))
            } else {
                let pair = try #require(decoded["value"] as? [Any])
                let policies = try #require(pair[1] as? [String: [String: Int]])
                var assets: [[UInt8]: [[UInt8]: UInt64]] = [:]
                for (policy, names) in policies {
                    assets[try Self.hex(policy)] = try Dictionary(
                        uniqueKeysWithValues: names.map { (try Self.hex($0.key), UInt64($0.value)) })
                }
                value = Value(coin: UInt64(try #require(pair[0] as? Int)), assets: MultiAsset(assets))
            }
            let datumJSON = try #require(decoded["inline_datum_json"])
            let datum = try DetailedSchema.data(datumJSON)
            #expect(Vectors.hex(datum.cborBytes) == decoded["inline_datum_cbor"] as? String)
            let output = TransactionOutput(
                address: try Self.hex(try #require(decoded["address"] as? String)), value: value, datum: .inline(datum))
            let expected = try Self.hex(try #require(utxo["tx_out_cbor"] as? String))
            #expect(try output.cborBytes() == expected)
            // And the chain's bytes decode back to the same output.
            let reread = try TransactionOutput(cbor: try CBOR.decode(expected))
            #expect(reread == output)
            #expect(try reread.datum?.inlineData() == datum)
        }
    }

    static func sampleBody() throws -> TransactionBody {
        let key = try PaymentKey(seed: [UInt8](repeating: 7, count: 32))
        let address = key.enterpriseAddress(network: .testnet).bytes
        let script = PlutusScript(language: .v3, bytes: [0x46, 0x01, 0x00, 0x00, 0x22, 0x20, 0x01])
        let policy = script.hash
        let inputs = [
            TransactionInput(transactionID: try id(0xbb), index: 1), TransactionInput(transactionID: try id(0xaa), index: 2),
            TransactionInput(transactionID: try id(0xaa), index: 0), TransactionInput(transactionID: try id(0xbb), index: 1),
        ]
        let datum = PlutusData.constr(0, [.bytes(key.keyHash), .bytes([UInt8](repeating: 0, count: 32)), .int(1_000_000)])
        return TransactionBody(
            inputs: inputs,
            outputs: [
                TransactionOutput(
                    address: address, value: Value(coin: 2_000_000, assets: MultiAsset([policy: [Array("anchor".utf8): 1]])),
                    datum: .inline(datum), scriptReference: script.referenceScriptCBOR),
                TransactionOutput(address: address, value: Value(coin: 5_000_000), datum: .hash(datum.hash)),
            ],
            fee: 180_000, ttl: 90_000_000, validityStart: 89_999_000, mint: MultiAsset([policy: [Array("anchor".utf8): 1]]),
            scriptDataHash: [UInt8](repeating: 0x11, count: 32),
            collateral: [TransactionInput(transactionID: try id(0xcc), index: 0)], requiredSigners: [key.keyHash],
            networkID: 0, collateralReturn: TransactionOutput(address: address, value: Value(coin: 4_000_000)),
            totalCollateral: 1_000_000, referenceInputs: [TransactionInput(transactionID: try id(0xdd), index: 3)])
    }

    @Test func builtBodyRoundTripsWithSortedTaggedSets() throws {
        let body = try Self.sampleBody()
        let bytes = try body.cborBytes()
        // Keys 0,1,2,3,8,9,11,13,14,15,16,17,18 in order; inputs as #6.258, sorted, deduplicated.
        #expect(Array(bytes.prefix(4)) == [0xad, 0x00, 0xd9, 0x01])
        let decoded = try TransactionBody(cbor: bytes)
        #expect(decoded.inputs == Array(Set(body.inputs)).sorted())
        #expect(decoded.inputs.map(\.description).first == String(repeating: "aa", count: 32) + "#0")
        var expected = body
        expected.inputs = decoded.inputs
        #expect(decoded == expected)
        #expect(try decoded.cborBytes() == bytes)
        let keys = try #require(try CBOR.decode(bytes).mapValue).compactMap(\.key.uint64Value)
        #expect(keys == [0, 1, 2, 3, 8, 9, 11, 13, 14, 15, 16, 17, 18])
        // The inline datum is `[1, #6.24(bytes)]` in output key 2, the reference script `#6.24` in key 3.
        let output = try #require(try CBOR.decode(bytes)[1]?.arrayValue?.first)
        guard case .inline(let raw) = body.outputs.first?.datum else {
            Issue.record("the first output has no inline datum")
            return
        }
        let datumOption: CBOR = [1, .tagged(24, .bytes(raw))]
        #expect(output[2] == datumOption)
        #expect(output[3]?.taggedValue?.tag == 24)
    }

    @Test func signedTransactionDecodesToTheSameId() throws {
        let key = try PaymentKey(seed: [UInt8](repeating: 7, count: 32))
        let bodyBytes = try Self.sampleBody().cborBytes()
        let id = TransactionID(bodyBytes: bodyBytes)
        let redeemer = Redeemer(tag: .spend, index: 0, data: .constr(2, [.list([])]), memory: 439_895, steps: 141_058_417)
        let witnesses = WitnessSet(vkeyWitnesses: [try key.witness(for: id)], plutusData: [.unit], redeemers: [redeemer])
        let tx = try Transaction(bodyBytes: bodyBytes, witnessSet: witnesses)
        let reread = try Transaction(cbor: tx.cborBytes)
        #expect(reread.id == id)
        #expect(reread.bodyBytes == bodyBytes)
        #expect(reread.witnessSet.vkeyWitnesses.count == 1)
        #expect(reread.witnessSet.vkeyWitnesses.allSatisfy { $0.verifies(over: id) })
        #expect(reread.witnessSet.redeemersBytes == witnesses.redeemersBytes)
        #expect(reread.witnessSet.datumsBytes == witnesses.datumsBytes)
        #expect(reread.witnessSet.redeemers == [redeemer] && reread.witnessSet.plutusData == [.unit])
        #expect(reread.isValid && reread.auxiliaryDataBytes == nil)
        // Witness key hash = the required signer.
        #expect(reread.witnessSet.vkeyWitnesses.first?.keyHash == key.keyHash)
    }

    @Test func badTransactionsAreErrorsNotCrashes() throws {
        func code(_ hex: String) -> String? {
            do {
                _ = try Transaction(cbor: try #require(Vectors.bytes(hex: hex)))
                return nil
            } catch let error as CardanoError {
                return error.code
            } catch {
                return "other"
            }
        }
        #expect(code("") == "cardano_malformed_cbor")
        #expect(code("83a0a0f5") == "cardano_tx_invalid")
        #expect(code("84a0a0f5f6") == "cardano_tx_body_invalid")  // no inputs/outputs/fee
        #expect(code("84a3008001800200a0f4f6") == nil)  // minimal valid shape
        #expect(code("84a3008001800200a0f5f6ff") == "cardano_malformed_cbor")  // trailing byte
        #expect(code("84a3008001800200a10081825820" + String(repeating: "00", count: 32) + "4100f5f6") == "cardano_invalid_length")
        #expect(code("84a3008001800200a001f6") == "cardano_tx_invalid")  // is_valid not bool
        #expect(code("84a3008182581f" + String(repeating: "00", count: 31) + "00018002" + "00a0f5f6") == "cardano_invalid_length")
        #expect(code("84a300818258" + "20" + String(repeating: "00", count: 32) + "1a00010000" + "018002" + "00a0f5f6") == "cardano_tx_body_invalid")  // index > uint16
        #expect(code("84a3008001818201000200a0f5f6") == "cardano_tx_body_invalid")  // output without bytes address
    }
}
