import Cardano
import Encoding
import Foundation
import Testing
import VectorSupport

/// `cardano/tx-vectors.json` and the ledger's golden Conway transaction: ids come from the body bytes as
/// received, witnesses are reproduced and verified, and re-encoding changes the id.
@Suite struct TransactionVectorTests {
    static func cases() throws -> [[String: Any]] {
        try #require(try Vectors.json("cardano/tx-vectors.json") as? [[String: Any]])
    }

    static func named(_ name: String) throws -> [String: Any] {
        try #require(try cases().first { $0["name"] as? String == name })
    }

    static func bytes(_ entry: [String: Any], _ key: String) throws -> [UInt8] {
        try VectorFields.hex(entry, key)
    }

    @Test(.vectors) func fourCases() throws {
        #expect(try Self.cases().count == 4)
    }

    /// pycardano's body: the id is BLAKE2b-256 of the body bytes, and the published witness is reproduced
    /// from the seed (Ed25519 is deterministic), byte for byte in its CBOR form.
    @Test(.vectors) func simpleBodyIdAndWitnessFromSeed() throws {
        let entry = try Self.named("pycardano-simple-body")
        let bodyBytes = try Self.bytes(entry, "body_cbor")
        let id = TransactionID(bodyBytes: bodyBytes)
        #expect(id.description == entry["tx_id"] as? String)

        let key = try PaymentKey(seed: try Self.bytes(entry, "signing_key_seed"))
        #expect(Vectors.hex(key.verificationKey) == entry["vkey"] as? String)
        let witness = try key.witness(for: id)
        #expect(Vectors.hex(witness.signature) == entry["vkey_witness_signature"] as? String)
        #expect(witness.verifies(over: id))

        let signed = try Transaction(bodyBytes: bodyBytes, witnessSet: WitnessSet(vkeyWitnesses: [witness]))
        #expect(signed.id == id)
        #expect(signed.witnessSet.vkeyWitnesses == [witness])
        // The witness inside our witness set is the published `[vkey, sig]` encoding.
        let published = try Self.bytes(entry, "vkey_witness_cbor")
        #expect(Vectors.hex(signed.witnessSetBytes).contains(Vectors.hex(published)))

        // The body decodes: two legacy outputs, empty collateral and required signers.
        let body = try TransactionBody(cbor: bodyBytes)
        #expect(body.fee == 165_897)
        #expect(body.outputs.count == 2 && body.outputs.allSatisfy(\.isLegacyForm))
        #expect(body.collateral.isEmpty && body.requiredSigners.isEmpty)
    }

    /// The two full signed transactions: the id from the body span matches, the span is the published
    /// body, and every published witness verifies over it.
    @Test(.vectors, arguments: ["pycardano-full-signed-tx", "csl-fixed-tx"])
    func fullSignedTransactions(name: String) throws {
        let entry = try Self.named(name)
        let txBytes = try Self.bytes(entry, "tx_cbor")
        let tx = try Transaction(cbor: txBytes)
        #expect(tx.bodyBytes == (try Self.bytes(entry, "body_cbor")))
        #expect(tx.witnessSetBytes == (try Self.bytes(entry, "witness_set_cbor")))
        #expect(tx.id.description == entry["tx_id"] as? String)
        #expect(tx.cborBytes == txBytes)
        let published = try #require(entry["vkey_witnesses"] as? [[String: Any]])
        #expect(tx.witnessSet.vkeyWitnesses.count == published.count)
        for (witness, expected) in zip(tx.witnessSet.vkeyWitnesses, published) {
            #expect(Vectors.hex(witness.vkey) == expected["vkey"] as? String)
            #expect(witness.verifies(over: tx.id))
        }
        // Re-encoding the decoded body (our canonical form) gives other bytes, so another id, and the
        // witnesses no longer verify: ids must come from the bytes received.
        let reencoded = try tx.body.cborBytes()
        #expect(reencoded != tx.bodyBytes)
        let otherID = TransactionID(bodyBytes: reencoded)
        #expect(otherID != tx.id)
        #expect(!tx.witnessSet.vkeyWitnesses.contains { $0.verifies(over: otherID) })
        // But it is the same body.
        #expect(try TransactionBody(cbor: reencoded) == tx.body)
    }

    /// The CSL "non-standard body": same data with indefinite inputs, a different id, and the original
    /// witnesses fail over it.
    @Test(.vectors) func nonStandardBodyHasItsOwnId() throws {
        let entry = try Self.named("csl-nonstandard-body")
        let tx = try Transaction(cbor: try Self.bytes(entry, "tx_cbor"))
        #expect(tx.bodyBytes == (try Self.bytes(entry, "body_cbor")))
        #expect(tx.id.description == entry["tx_id"] as? String)
        #expect(tx.witnessSet.vkeyWitnesses.allSatisfy { !$0.verifies(over: tx.id) })
        let standard = try Transaction(cbor: try Self.bytes(try Self.named("csl-fixed-tx"), "tx_cbor"))
        #expect(tx.body == standard.body)
        #expect(tx.id != standard.id)
    }

    /// The ledger's golden Conway transaction: every body key 0…22, tag-258 sets and #6.259 auxiliary
    /// data decode, and the body span and id are those in the meta file.
    @Test(.vectors) func goldenConwayTransaction() throws {
        let bytes = Array(try Vectors.data("cardano/conway-golden-tx.cbor"))
        let meta = try #require(try Vectors.json("cardano/conway-golden-tx.meta.json") as? [String: Any])
        let tx = try Transaction(cbor: bytes)
        let span = try #require(meta["body_offset"] as? [Int])
        #expect(tx.bodyRange == span[0]..<span[1])
        #expect(tx.bodyBytes.count == meta["body_length"] as? Int)
        #expect(tx.id.description == meta["tx_id"] as? String)
        #expect(tx.witnessSet.vkeyWitnesses.count == meta["vkey_witness_count"] as? Int)
        #expect(tx.witnessSet.vkeyWitnesses.allSatisfy { !$0.verifies(over: tx.id) })  // arbitrary values
        #expect(tx.cborBytes == bytes)
        #expect(Set(tx.witnessSet.rawFields.keys) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(!tx.witnessSet.redeemers.isEmpty && !tx.witnessSet.plutusData.isEmpty && !tx.witnessSet.plutusV3Scripts.isEmpty)
        let body = tx.body
        #expect(Set(body.otherFields.keys) == [4, 5, 19, 20, 21, 22])
        #expect(body.ttl != nil && body.validityStart != nil && body.mint != nil && body.scriptDataHash != nil)
        #expect(body.auxiliaryDataHash != nil && body.networkID != nil && body.collateralReturn != nil)
        #expect(body.totalCollateral != nil && !body.collateral.isEmpty && !body.requiredSigners.isEmpty)
        #expect(!body.referenceInputs.isEmpty)
        let auxiliary = try #require(tx.auxiliaryDataBytes)
        #expect(Array(auxiliary.prefix(2)) == [0xd9, 0x01])  // #6.259
        // Decoding our re-encoding gives the same body back.
        #expect(try TransactionBody(cbor: try body.cborBytes()) == body)
    }
}
