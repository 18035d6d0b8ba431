import Encoding
import Foundation
import Testing
import VectorSupport

@Suite struct Base58Tests {
    /// Bitcoin Core's base58 encode/decode test data (hex → base58), including leading zeros.
    @Test(arguments: [
        ("", ""), ("61", "2g"), ("626262", "a3gV"), ("636363", "aPEr"),
        ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
        ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
        ("516b6fcd0f", "ABnLTmg"), ("bf4f89001e670274dd", "3SEo3LWLoPntC"), ("572e4794", "3EFU7m"),
        ("ecac89cad93923c02321", "EJDM8drfXA6uyA"), ("10c8511e", "Rt5zm"), ("00000000000000000000", "1111111111"),
        ("000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"),
    ])
    func knownEncodings(hex: String, base58: String) throws {
        let bytes = try #require(Vectors.bytes(hex: hex))
        #expect(Base58BTC.encode(bytes) == base58)
        #expect(try Base58BTC.decode(base58) == bytes)
    }

    /// Every did:key in the did:key spec: the identifier after `z` is base58btc of the multicodec
    /// prefix followed by the raw public key.
    @Test(.vectors) func didKeySpecVectors() throws {
        let root = try #require(try Vectors.json("did-key/spec-test-vectors.json") as? [String: Any])
        let dids = try #require(root["dids"] as? [[String: Any]])
        for did in dids {
            let identifier = try #require((did["did"] as? String)?.split(separator: ":").last)
            #expect(identifier.first == "z")
            let encoded = String(identifier.dropFirst())
            let prefix = try #require(did["multicodec_varint_prefix_hex"] as? String)
            let raw = try #require(did["raw_public_key_hex"] as? String)
            let bytes = try #require(Vectors.bytes(hex: prefix + raw))
            #expect(try Base58BTC.decode(encoded) == bytes)
            #expect(Base58BTC.encode(bytes) == encoded)
        }
        #expect(dids.count == 8)
    }

    /// The legacy did:key vectors (published spec text) give each key both as `publicKeyBase58` and
    /// inside the multibase key id; the two must agree.
    @Test(.vectors, arguments: ["ed25519-x25519.json", "nist-curves.json", "secp256k1.json", "x25519.json"])
    func legacyDidKeyVectors(file: String) throws {
        var methods: [[String: Any]] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if object["publicKeyBase58"] is String, object["id"] is String { methods.append(object) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(try Vectors.json("did-key/legacy-test-vectors/" + file))
        #expect(!methods.isEmpty)
        for method in methods {
            let id = try #require(method["id"] as? String)
            let key = try #require(method["publicKeyBase58"] as? String)
            let multibase = try #require(id.split(separator: "#").last.map(String.init))
            let payload = try Multicodec.split(Multibase.decode(multibase).bytes).payload
            #expect(try Base58BTC.decode(key) == payload, "\(id)")
            #expect(Base58BTC.encode(payload) == key, "\(id)")
        }
    }

    /// The VC Data Integrity signatures published both as multibase base58btc and as hex.
    @Test(.vectors) func signaturePairs() throws {
        var checked = 0
        for folder in ["vc-di-eddsa", "vc-di-ecdsa"] {
            let enumerator = try #require(FileManager.default.enumerator(at: try Vectors.url(folder), includingPropertiesForKeys: nil))
            for case let url as URL in enumerator where url.lastPathComponent.hasPrefix("sigBTC58") {
                let hexName = url.lastPathComponent.replacingOccurrences(of: "sigBTC58", with: "sigHex")
                let hexURL = url.deletingLastPathComponent().appendingPathComponent(hexName)
                let multibase = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                let hex = try String(contentsOf: hexURL, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                let signature = try #require(Vectors.bytes(hex: hex))
                let decoded = try Multibase.decode(multibase)
                #expect(decoded.base == .base58btc, "\(url.path)")
                #expect(decoded.bytes == signature, "\(url.path)")
                #expect(Multibase.encode(signature, as: .base58btc) == multibase, "\(url.path)")
                #expect(Hex.encode(signature) == hex)
                checked += 1
            }
        }
        #expect(checked == 10)
    }

    @Test func roundTripsRandomBytes() throws {
        var random = SeededRandom(seed: 0x58)
        for length in 0..<120 {
            var bytes = random.bytes(count: length)
            // Leading zero bytes (one `1` each) in about half the cases.
            if length > 0, random.next() % 2 == 0 {
                for index in 0..<Int(random.next() % UInt64(min(length, 4)) + 1) { bytes[index] = 0 }
            }
            let encoded = Base58BTC.encode(bytes)
            #expect(encoded.prefix { $0 == "1" }.count == bytes.prefix { $0 == 0 }.count)
            #expect(try Base58BTC.decode(encoded) == bytes)
        }
    }

    /// The longest accepted input decodes (the conversion is bounded), one character more is refused.
    @Test func boundsInputLength() throws {
        let longest = String(repeating: "z", count: Base58BTC.maximumDecodeLength)
        let bytes = try Base58BTC.decode(longest)
        #expect(Base58BTC.encode(bytes) == longest)

        let error = #expect(throws: BaseEncodingError.self) { try Base58BTC.decode(longest + "z") }
        #expect(error?.code == "input_too_long")
        let huge = #expect(throws: BaseEncodingError.self) { try Base58BTC.decode(String(repeating: "1", count: 1_000_000)) }
        #expect(huge?.code == "input_too_long")
    }

    @Test(arguments: [
        ("0", "'0' at offset 0"), ("1O", "'O' at offset 1"), ("abI", "'I' at offset 2"), ("2l", "'l' at offset 1"),
        ("2g=", "'=' at offset 2"), ("2g ", "byte 0x20 at offset 2"), ("é", "byte 0xc3 at offset 0"),
        ("+", "'+' at offset 0"),
    ])
    func rejectsCharactersOutsideTheAlphabet(input: String, detail: String) {
        let error = #expect(throws: BaseEncodingError.self) { try Base58BTC.decode(input) }
        #expect(error?.code == "invalid_base58")
        #expect(error?.message.contains(detail) == true, "\(error?.message ?? "")")
    }
}
