import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct MultikeyTests {
    /// Every key pair in the Data Integrity vectors: the secret decodes to a signer whose public key
    /// re-encodes to the published `publicKeyMultibase`, and both encodings round-trip exactly.
    @Test(.vectors) func keyPairsOfTheVectorsRoundTrip() throws {
        var pairs: [(public: String, secret: String)] = []
        let eddsa = try VectorJSON.object("vc-di-eddsa/keyPair.json")
        pairs.append((try #require(eddsa["publicKeyMultibase"] as? String), try #require(eddsa["privateKeyMultibase"] as? String)))
        let ecdsa = try VectorJSON.object("vc-di-ecdsa/p256KeyPair.json")
        pairs.append((try #require(ecdsa["publicKeyMultibase"] as? String), try #require(ecdsa["secretKeyMultibase"] as? String)))
        let chain = try VectorJSON.object("vc-di-eddsa/proof-set-chain/multiKeyPairs.json")
        for name in chain.keys.sorted() {
            let pair = try #require(chain[name] as? [String: String])
            pairs.append((try #require(pair["publicKeyMultibase"]), try #require(pair["privateKeyMultibase"])))
        }
        #expect(pairs.count == 6)
        for pair in pairs {
            let signer = try SoftwareSigner(secretKeyMultibase: pair.secret)
            #expect(signer.verificationKey.multikey == pair.public)
            #expect(signer.secretKeyMultibase == pair.secret)
            let key = try PublicKey(multikey: pair.public)
            #expect(key == signer.verificationKey)
            #expect(key.multikey == pair.public)
        }
    }

    /// Public keys start `z6Mk` / `zDn` / `z82` as published; both keys carry their multicodec headers
    /// (`ed01` / `8024` / `8124` public, `8026` / `8626` / `8726` secret). The letters after `z` of a
    /// secret key depend on the key bytes, so they are not checked.
    @Test(arguments: KeyAlgorithm.allCases) func encodingsHaveThePublishedPrefixes(algorithm: KeyAlgorithm) throws {
        let (text, publicHeader, secretHeader, secretLength): (String, [UInt8], [UInt8], Int) =
            switch algorithm {
            case .ed25519: ("z6Mk", [0xed, 0x01], [0x80, 0x26], 32)
            case .p256: ("zDn", [0x80, 0x24], [0x86, 0x26], 32)
            case .p384: ("z82", [0x81, 0x24], [0x87, 0x26], 48)
            }
        let signer = SoftwareSigner.generate(algorithm)
        #expect(signer.verificationKey.multikey.hasPrefix(text))
        let (_, publicBytes) = try Multibase.decode(signer.verificationKey.multikey)
        #expect(Array(publicBytes.prefix(2)) == publicHeader)
        let (_, secretBytes) = try Multibase.decode(signer.secretKeyMultibase)
        #expect(Array(secretBytes.prefix(2)) == secretHeader)
        #expect(secretBytes.count == 2 + secretLength)
        #expect(try SoftwareSigner(secretKeyMultibase: signer.secretKeyMultibase).publicKey == signer.publicKey)
    }

    @Test func badPublicKeysAreRejectedWithCodes() {
        let bytes32 = [UInt8](repeating: 0, count: 31) + [1]
        expectIdentityError(.invalidPublicKey, "not base58btc") { try PublicKey(multikey: "u7QE" + String(repeating: "A", count: 43)) }
        expectIdentityError(.invalidPublicKey, "not multibase at all") { try PublicKey(multikey: "6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") }
        expectIdentityError(.invalidPublicKey, "0 is not in the base58 alphabet") { try PublicKey(multikey: "z6Mk0") }
        expectIdentityError(.invalidPublicKey, "no multicodec") { try PublicKey(multikey: "z") }
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(multikey: multikey(code: 0xed, Array(bytes32.dropLast()))) }
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(multikey: multikey(code: 0xed, bytes32 + [0])) }
        expectIdentityError(.invalidPublicKeyLength, "uncompressed P-256 is not a Multikey") {
            try PublicKey(multikey: multikey(code: 0x1200, [4] + [UInt8](repeating: 1, count: 64)))
        }
        expectIdentityError(.unsupportedPublicKeyType, "X25519") { try PublicKey(multikey: multikey(code: 0xec, bytes32)) }
        expectIdentityError(.unsupportedPublicKeyType, "secp256k1") { try PublicKey(multikey: multikey(code: 0xe7, [2] + bytes32)) }
        expectIdentityError(.unsupportedPublicKeyType, "a secret key is not a public key") {
            try PublicKey(multikey: multikey(code: 0x1300, bytes32))
        }
        expectIdentityError(.invalidPublicKey, "P-256 point not on the curve") {
            try PublicKey(multikey: multikey(code: 0x1200, [2] + [UInt8](repeating: 0, count: 31) + [1]))
        }
    }

    @Test func badSecretKeysAreRejectedWithCodes() {
        let seed = [UInt8](repeating: 7, count: 32)
        expectIdentityError(.invalidSecretKey, "not base58btc") { try SoftwareSigner(secretKeyMultibase: "m" + String(repeating: "A", count: 46)) }
        expectIdentityError(.invalidSecretKey, "public key header") { try SoftwareSigner(secretKeyMultibase: multikey(code: 0xed, seed)) }
        expectIdentityError(.invalidSecretKey, "P-521 secret") { try SoftwareSigner(secretKeyMultibase: multikey(code: 0x1308, seed + seed + [1, 2])) }
        expectIdentityError(.invalidSecretKey, "short P-384 secret") { try SoftwareSigner(secretKeyMultibase: multikey(code: 0x1307, seed)) }
        expectIdentityError(.invalidSecretKey, "short seed") { try SoftwareSigner(secretKeyMultibase: multikey(code: 0x1300, Array(seed.dropLast()))) }
        expectIdentityError(.invalidSecretKey, "zero scalar") { try SoftwareSigner(secretKeyMultibase: multikey(code: 0x1306, [UInt8](repeating: 0, count: 32))) }
        expectIdentityError(.invalidSecretKey, "empty") { try SoftwareSigner(secretKeyMultibase: "") }
    }

    /// JWKs: our JWK of the did:key spec keys equals the spec's computed JWK, and reading it back gives the key.
    @Test(.vectors) func jwksMatchTheDidKeyVectors() throws {
        let spec = try VectorJSON.object("did-key/spec-test-vectors.json")
        var checked = 0
        for entry in try #require(spec["dids"] as? [[String: Any]]) {
            guard let expected = entry["jwk_computed"] as? [String: String], expected["crv"] != "P-384" else { continue }
            let key = try DIDKey.publicKey(of: try #require(entry["did"] as? String))
            let jwk = key.jwk
            #expect(Set(jwk.keys) == Set(expected.keys))
            for (name, value) in expected { #expect(jwk[name]?.stringValue == value, "\(name)") }
            #expect(try PublicKey(jwk: jwk) == key)
            checked += 1
        }
        #expect(checked == 3)
    }

    @Test func badJWKsAreRejectedWithCodes() throws {
        let key = SoftwareSigner.generate(.p256).verificationKey
        var withD = key.jwk
        withD["d"] = "AAAA"
        expectIdentityError(.invalidPublicKey) { try PublicKey(jwk: withD) }
        var noY = key.jwk
        noY["y"] = nil
        expectIdentityError(.invalidPublicKey) { try PublicKey(jwk: noY) }
        var badBase64 = key.jwk
        badBase64["x"] = "***"
        expectIdentityError(.invalidPublicKey) { try PublicKey(jwk: badBase64) }
        var shortX = key.jwk
        shortX["x"] = .string(Base64URL.encode([UInt8](repeating: 1, count: 31)))
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(jwk: shortX) }
        expectIdentityError(.unsupportedPublicKeyType) { try PublicKey(jwk: ["kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"]) }
        expectIdentityError(.unsupportedPublicKeyType) { try PublicKey(jwk: ["kty": "RSA", "n": "AQAB", "e": "AQAB"]) }
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(jwk: ["kty": "OKP", "crv": "Ed25519", "x": "AAAA"]) }
    }
}
