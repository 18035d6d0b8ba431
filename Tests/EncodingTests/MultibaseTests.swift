import Encoding
import Foundation
import Testing
import VectorSupport

@Suite struct MultibaseTests {
    /// Multikey key pairs from the VC Data Integrity specs: multibase base58btc of a multicodec
    /// header (ed25519-pub 0xed, ed25519-priv 0x1300, p256-pub 0x1200, p256-priv 0x1306,
    /// p384-pub 0x1201, p384-priv 0x1307) and a key of the algorithm's size.
    @Test(.vectors, arguments: [
        ("vc-di-eddsa/keyPair.json", "publicKeyMultibase", UInt64(0xED), 32),
        ("vc-di-eddsa/keyPair.json", "privateKeyMultibase", 0x1300, 32),
        ("vc-di-ecdsa/p256KeyPair.json", "publicKeyMultibase", 0x1200, 33),
        ("vc-di-ecdsa/p256KeyPair.json", "secretKeyMultibase", 0x1306, 32),
        ("vc-di-ecdsa/p384KeyPair.json", "publicKeyMultibase", 0x1201, 49),
        ("vc-di-ecdsa/p384KeyPair.json", "secretKeyMultibase", 0x1307, 48),
    ])
    func multikeys(file: String, member: String, codec: UInt64, keyLength: Int) throws {
        let keys = try #require(try Vectors.json(file) as? [String: String])
        let multibase = try #require(keys[member])
        let (base, bytes) = try Multibase.decode(multibase)
        #expect(base == .base58btc)
        let (code, key) = try Multicodec.split(bytes)
        #expect(code == codec)
        #expect(key.count == keyLength)
        #expect(Multibase.encode(Multicodec.prefix(code, to: key), as: .base58btc) == multibase)
    }

    /// The four key pairs of the proof set / proof chain vectors are all Ed25519.
    @Test(.vectors) func proofSetKeyPairs() throws {
        let pairs = try #require(try Vectors.json("vc-di-eddsa/proof-set-chain/multiKeyPairs.json") as? [String: [String: String]])
        #expect(pairs.count == 4)
        for pair in pairs.values {
            let publicKey = try Multicodec.split(Multibase.decode(try #require(pair["publicKeyMultibase"])).bytes)
            let privateKey = try Multicodec.split(Multibase.decode(try #require(pair["privateKeyMultibase"])).bytes)
            #expect(publicKey.code == 0xED && publicKey.payload.count == 32)
            #expect(privateKey.code == 0x1300 && privateKey.payload.count == 32)
        }
    }

    /// ecdsa-sd-2023 proof values are multibase base64url of CBOR: tag 0xd95d00 (base) or 0xd95d01
    /// (derived), then an array whose first element is the 64-byte base signature.
    @Test(.vectors, arguments: ["employ", "prc"])
    func selectiveDisclosureProofValues(example: String) throws {
        let folder = "vc-di-ecdsa/ecdsa-sd-2023/\(example)/"
        let info = try #require(try Vectors.json(folder + "addRawBaseSignatureInfo.json") as? [String: Any])
        let signatureHex = try #require(info["baseSignature"] as? String)
        let signature = try #require(Vectors.bytes(hex: signatureHex))
        for (file, header) in [("addSignedSDBase.json", "d95d0085"), ("derivedRevealDocument.json", "d95d0185")] {
            let document = try #require(try Vectors.json(folder + file) as? [String: Any])
            let proof = try #require(document["proof"] as? [String: Any])
            let proofValue = try #require(proof["proofValue"] as? String)
            let (base, bytes) = try Multibase.decode(proofValue)
            #expect(base == .base64url)
            #expect(Vectors.hex(bytes.prefix(6)) == header + "5840", "\(file)")
            #expect(Array(bytes.dropFirst(6).prefix(64)) == signature, "\(file)")
            #expect(Multibase.encode(bytes, as: .base64url) == proofValue)
        }
    }

    @Test func emptyPayloads() throws {
        #expect(Multibase.encode([], as: .base58btc) == "z")
        #expect(Multibase.encode([], as: .base64url) == "u")
        #expect(try Multibase.decode("z") == (.base58btc, []))
        #expect(try Multibase.decode("u") == (.base64url, []))
    }

    @Test func roundTripsBothBases() throws {
        var random = SeededRandom(seed: 0x6D62)
        for length in 0..<64 {
            let bytes = random.bytes(count: length)
            for base in [Multibase.Base.base58btc, .base64url] {
                let encoded = Multibase.encode(bytes, as: base)
                #expect(encoded.first == base.rawValue)
                #expect(try Multibase.decode(encoded) == (base, bytes))
            }
        }
    }

    @Test(arguments: [
        ("", "empty_input", "at least its prefix"),
        ("f00ff", "unsupported_multibase", "prefix 'f'"),
        ("Z6Mk", "unsupported_multibase", "prefix 'Z'"),
        ("m3q2+7w", "unsupported_multibase", "prefix 'm'"),
        ("6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "unsupported_multibase", "prefix '6'"),
        ("é", "unsupported_multibase", "prefix 'é'"),
        ("z6Mk0", "invalid_base58", "'0' at offset 4"),
        ("uZg==", "invalid_base64url", "padding '=' at offset 3"),
        ("uZm+v", "invalid_base64url", "'+' at offset 3"),
        ("uZh", "invalid_base64url", "non-zero trailing bits"),
    ])
    func rejectsBadInput(input: String, code: String, detail: String) {
        let error = #expect(throws: BaseEncodingError.self) { try Multibase.decode(input) }
        #expect(error?.code == code)
        #expect(error?.message.contains(detail) == true, "\(error?.message ?? "")")
    }
}
