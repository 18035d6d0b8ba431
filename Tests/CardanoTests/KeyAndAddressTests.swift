import Cardano
import CardanoTestSupport
import Encoding
import Foundation
import Testing
import VectorSupport

/// cardano-cli text-envelope payment keys, key hashes, enterprise addresses and Bech32.
@Suite struct KeyAndAddressTests {
    /// pycardano's key: the text envelope gives the published vkey. Note the published `address_bech32`
    /// is NOT this key's address (pycardano's test pays an unrelated key hash, f6532850…): it is the
    /// outputs' address, so we check it against the body, and check the key's own enterprise address
    /// against libcardano-c (cometa 1.2.1.post6 `EnterpriseAddress.from_credentials` on blake2b-224(vkey),
    /// computed here).
    @Test(.vectors) func textEnvelopeKeyGivesThePublishedAddress() throws {
        let entry = try TransactionVectorTests.named("pycardano-simple-body")
        let cborHex = try #require(entry["signing_key_cborHex"] as? String)
        let envelope = """
            {"type": "PaymentSigningKeyShelley_ed25519", "description": "Payment Signing Key", "cborHex": "\(cborHex)"}
            """
        let key = try PaymentKey(textEnvelope: Array(envelope.utf8))
        #expect(Vectors.hex(key.verificationKey) == entry["vkey"] as? String)
        let address = key.enterpriseAddress(network: .testnet)
        #expect(Vectors.hex(key.keyHash) == "d413c1745d306023e49589e658a7b7a4b4dda165ff5c97d8c8b979bf")
        #expect(address.bech32 == "addr_test1vr2p8st5t5cxqglyjky7vk98k7jtfhdpvhl4e97cezuhn0cqcexl7")
        #expect(Array(address.bytes.prefix(1)) == [0x60])
        let published = try #require(entry["address_bech32"] as? String)
        let parsed = try EnterpriseAddress(bech32: published)
        #expect(parsed.bech32 == published)
        #expect(parsed.network == .testnet)
        let body = try TransactionBody(cbor: try TransactionVectorTests.bytes(entry, "body_cbor"))
        #expect(body.outputs.allSatisfy { $0.address == parsed.bytes })
        // Our own envelope reads back to the same key.
        let again = try PaymentKey(textEnvelope: Array(key.textEnvelope().utf8))
        #expect(again.verificationKey == key.verificationKey)
        #expect(key.textEnvelope().contains("\"cborHex\": \"\(cborHex)\""))
    }

    @Test func badEnvelopesAreRejected() {
        func code(_ json: String) -> String? {
            do {
                _ = try PaymentKey(textEnvelope: Array(json.utf8))
                return nil
            } catch {
                return error.code
            }
        }
        let seed = String(repeating: "00", count: 32)
        #expect(code("{\"type\":\"PaymentSigningKeyShelley_ed25519\",\"cborHex\":\"5820\(seed)\"}") == nil)
        #expect(code("{\"type\":\"StakeSigningKeyShelley_ed25519\",\"cborHex\":\"5820\(seed)\"}") == "cardano_text_envelope_invalid")
        #expect(code("{\"type\":\"PaymentSigningKeyShelley_ed25519\",\"cborHex\":\"5810\(seed.prefix(32))\"}") == "cardano_text_envelope_invalid")
        #expect(code("{\"type\":\"PaymentSigningKeyShelley_ed25519\",\"cborHex\":\"zz\"}") == "cardano_text_envelope_invalid")
        #expect(code("not json") == "cardano_text_envelope_invalid")
    }

    @Test func bech32RoundTripsAndRejectsDamage() throws {
        let address = "addr_test1vrm9x2zsux7va6w892g38tvchnzahvcd9tykqf3ygnmwtaqyfg52x"
        let (hrp, data) = try Bech32.decode(address)
        #expect(hrp == "addr_test" && data.count == 29)
        #expect(Bech32.encode(hrp: hrp, data: data) == address)
        #expect(try Bech32.decode(address.uppercased()).data == data)
        #expect(throws: CardanoError.self) { try Bech32.decode(String(address.dropLast()) + "y") }
        #expect(throws: CardanoError.self) { try Bech32.decode("addr_test1VRM9x2zsux7va6w892g38tvchnzahvcd9tykqf3ygnmwtaqyfg52x") }
        #expect(throws: CardanoError.self) { try Bech32.decode("addr_test1b") }
        // BIP-173 valid test strings.
        #expect(try Bech32.decode("A12UEL5L").hrp == "a")
        #expect(try Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw").data.count == 20)
        // A mainnet prefix on a testnet header is refused.
        #expect(throws: CardanoError.self) { try EnterpriseAddress(bech32: Bech32.encode(hrp: "addr", data: data)) }
    }

    /// The v2 cage state script hashes to its published policy id, and as an enterprise script address
    /// it is the header-0x70 address of the real state UTxO.
    @Test(.vectors) func scriptHashAndScriptAddress() throws {
        let script = try CageVectors.scripts().state
        #expect(Vectors.hex(script.hash) == "ad0a8eeeec8b0a5ee9930be5d6ea2e80b285fc2f3e9675a13a392dd5")
        let address = try EnterpriseAddress(credential: .scriptHash(script.hash), network: .testnet)
        #expect(Vectors.hex(address.bytes) == "70ad0a8eeeec8b0a5ee9930be5d6ea2e80b285fc2f3e9675a13a392dd5")
        #expect(address.bech32.hasPrefix("addr_test1w"))
    }
}
