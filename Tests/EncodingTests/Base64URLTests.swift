import Encoding
import Foundation
import Testing
import VectorSupport

@Suite struct Base64URLTests {
    /// RFC 4648 §10 test vectors, with the padding removed as base64url without padding requires.
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(text: String, encoded: String) throws {
        #expect(Base64URL.encode(Array(text.utf8)) == encoded)
        #expect(try Base64URL.decode(encoded) == Array(text.utf8))
    }

    /// The two characters where base64url differs from base64 (`-` and `_` for `+` and `/`).
    @Test func usesTheURLSafeAlphabet() throws {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.encode([0xFB, 0xEF, 0xBE, 0xFF]) == "----_w")
        #expect(try Base64URL.decode("----_w") == [0xFB, 0xEF, 0xBE, 0xFF])
    }

    /// did:key vectors: each JWK `x` (base64url) is the raw Ed25519 key, or the x coordinate of the
    /// compressed P-256/P-384 key, that the base58btc identifier carries.
    @Test(.vectors) func jwkCoordinatesMatchDidKeys() throws {
        let root = try #require(try Vectors.json("did-key/spec-test-vectors.json") as? [String: Any])
        let dids = try #require(root["dids"] as? [[String: Any]])
        var checked = 0
        for did in dids {
            guard let jwk = did["jwk_computed"] as? [String: String], let x = jwk["x"] else { continue }
            let rawHex = try #require(did["raw_public_key_hex"] as? String)
            let raw = try #require(Vectors.bytes(hex: rawHex))
            let coordinate = jwk["kty"] == "OKP" ? raw : Array(raw.dropFirst())
            #expect(try Base64URL.decode(x) == coordinate)
            #expect(Base64URL.encode(coordinate) == x)
            checked += 1
        }
        #expect(checked == 4)
    }

    /// The legacy did:key NIST-curve vectors (published spec text): each JWK `x` is the x coordinate
    /// of the compressed key inside the did:key identifier, and `x`, `y`, `d` have the curve's size.
    @Test(.vectors) func legacyNistJwksMatchDidKeys() throws {
        let root = try #require(try Vectors.json("did-key/legacy-test-vectors/nist-curves.json") as? [String: Any])
        var checked = 0
        for (did, entry) in root {
            let method = try #require((entry as? [String: Any])?["verificationMethod"] as? [String: Any])
            guard let jwk = method["privateKeyJwk"] as? [String: String] else { continue }
            let size = try #require(["P-256": 32, "P-384": 48, "P-521": 66][jwk["crv"] ?? ""])
            let identifier = String(did.dropFirst("did:key:".count))
            let compressed = try Multicodec.split(Multibase.decode(identifier).bytes).payload
            #expect(compressed.count == size + 1)
            let x = try #require(jwk["x"])
            #expect(try Base64URL.decode(x) == Array(compressed.dropFirst()))
            for member in ["x", "y", "d"] {
                let text = try #require(jwk[member])
                let bytes = try Base64URL.decode(text)
                #expect(bytes.count == size, "\(member) of \(did)")
                #expect(Base64URL.encode(bytes) == text)
            }
            checked += 1
        }
        #expect(checked == 6)
    }

    @Test func roundTripsRandomBytes() throws {
        var random = SeededRandom(seed: 0xB64)
        for length in 0..<300 {
            let bytes = random.bytes(count: length)
            let encoded = Base64URL.encode(bytes)
            #expect(encoded.utf8.count == (length * 4 + 2) / 3)
            #expect(try Base64URL.decode(encoded) == bytes)
        }
    }

    /// Python's `base64.urlsafe_b64encode` (padding stripped) as an independent implementation.
    @Test(.enabled(if: ReferencePython.canImport() || Vectors.required, "python3 not found; fails under CI=true"))
    func matchesPython() throws {
        var random = SeededRandom(seed: 0x5059_7468_6F6E)
        let inputs = (0..<64).map { _ in random.bytes(count: Int(random.next() % 200)) }
        let script = """
            import base64, sys
            for line in sys.stdin.read().split():
                print(base64.urlsafe_b64encode(bytes.fromhex(line[1:])).rstrip(b"=").decode())
            """
        let output = try ReferencePython.run(script, input: inputs.map { "x" + Vectors.hex($0) }.joined(separator: "\n")).lines
        #expect(output.count == inputs.count)
        for (bytes, expected) in zip(inputs, output) {
            #expect(Base64URL.encode(bytes) == expected)
            #expect(try Base64URL.decode(expected) == bytes)
        }
    }

    @Test(arguments: [
        ("Zg==", "padding '=' at offset 2"),
        ("Zm9vYg=", "padding '=' at offset 6"),
        ("Z", "a length of 4n+1 is impossible"),
        ("Zm9vY", "a length of 4n+1 is impossible"),
        ("Zh", "non-zero trailing bits"),
        ("Zm9", "non-zero trailing bits"),
        ("Zm+v", "'+' at offset 2"),
        ("Zm/v", "'/' at offset 2"),
        ("Zm9v Zg", "byte 0x20 at offset 4"),
        ("Zm9\n", "byte 0x0a at offset 3"),
        ("Zmé", "byte 0xc3 at offset 2"),
    ])
    func rejectsMalformedBase64URL(input: String, detail: String) {
        let error = #expect(throws: BaseEncodingError.self) { try Base64URL.decode(input) }
        #expect(error?.code == "invalid_base64url")
        #expect(error?.message.contains(detail) == true, "\(error?.message ?? "")")
    }
}
