import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct SignerTests {
    /// eddsa-jcs-2022: signing combinedHash (proofHash ‖ docHash) with the suite's key gives the
    /// published signature byte for byte (Ed25519 is deterministic).
    @Test(.vectors) func ed25519SignsTheEddsaJcsVector() async throws {
        let keyPair = try VectorJSON.object("vc-di-eddsa/keyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keyPair["privateKeyMultibase"] as? String))
        #expect(signer.verificationKey.multikey == keyPair["publicKeyMultibase"] as? String)
        let message = try VectorJSON.hexBytes("vc-di-eddsa/eddsa-jcs-2022/combinedHashJCS.txt")
        let expected = try VectorJSON.hexBytes("vc-di-eddsa/eddsa-jcs-2022/sigHexJCS.txt")
        let signature = try await signer.sign(message)
        #expect(Vectors.hex(signature) == Vectors.hex(expected))
        #expect(signer.verificationKey.verify(signature: expected, message: message))
        #expect("z" + Base58BTC.encode(signature) == (try VectorJSON.text("vc-di-eddsa/eddsa-jcs-2022/sigBTC58JCS.txt")))
    }

    /// The other Ed25519 vectors (eddsa-rdfc-2022, Ed25519Signature2020) with the same key.
    @Test(.vectors, arguments: [
        ("eddsa-rdfc-2022/combinedHashDataInt.txt", "eddsa-rdfc-2022/sigHexDataInt.txt"),
        ("Ed25519Signature2020/combinedHashEdSig.txt", "Ed25519Signature2020/sigHexEdSig.txt"),
    ])
    func ed25519SignsOtherEddsaVectors(hash: String, signature: String) async throws {
        let keyPair = try VectorJSON.object("vc-di-eddsa/keyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keyPair["privateKeyMultibase"] as? String))
        let message = try VectorJSON.hexBytes("vc-di-eddsa/" + hash)
        #expect(try await signer.sign(message) == (try VectorJSON.hexBytes("vc-di-eddsa/" + signature)))
    }

    /// ecdsa-*-2019 P-256: ECDSA signs proofHash ‖ docHash, hashing it again with SHA-256. The published
    /// signatures verify, including the high-S one (ecdsa-rdfc-2019-p256), and so does its low-S twin.
    @Test(.vectors, arguments: [
        ("ecdsa-jcs-2019-p256/combinedHashJCSECDSAP256.txt", "ecdsa-jcs-2019-p256/sigHexJCSECDSAP256.txt", false),
        ("ecdsa-rdfc-2019-p256/combinedHashECDSAP256.txt", "ecdsa-rdfc-2019-p256/sigHexECDSAP256.txt", true),
        ("ecdsa-rdfc-2019-p256/employ/combinedHashECDSAP256.txt", "ecdsa-rdfc-2019-p256/employ/sigHexECDSAP256.txt", false),
    ])
    func p256VerifiesTheEcdsaVectors(hash: String, signature: String, highS: Bool) throws {
        let keyPair = try VectorJSON.object("vc-di-ecdsa/p256KeyPair.json")
        let key = try PublicKey(multikey: try #require(keyPair["publicKeyMultibase"] as? String))
        let message = try VectorJSON.hexBytes("vc-di-ecdsa/" + hash)
        let published = try VectorJSON.hexBytes("vc-di-ecdsa/" + signature)
        #expect(P256Order.isHigh(Array(published[32...])) == highS)
        #expect(key.verify(signature: published, message: message))
        let twin = Array(published[..<32]) + P256Order.negate(Array(published[32...]))
        #expect(key.verify(signature: twin, message: message))

        var tampered = published
        tampered[10] ^= 0x01
        #expect(!key.verify(signature: tampered, message: message))
        #expect(!key.verify(signature: published, message: message + [0]))
        #expect(!key.verify(signature: Array(published.dropLast()), message: message))
    }

    /// The P-256 secret key of the vectors derives the published public key, and its signatures verify.
    @Test(.vectors) func p256SecretKeyDerivesThePublicKey() async throws {
        let keyPair = try VectorJSON.object("vc-di-ecdsa/p256KeyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keyPair["secretKeyMultibase"] as? String))
        #expect(signer.algorithm == .p256)
        #expect(signer.verificationKey.multikey == keyPair["publicKeyMultibase"] as? String)
        let message = Array("battery passport".utf8)
        let signature = try await signer.sign(message)
        #expect(signature.count == 64)
        #expect(signer.verificationKey.verify(signature: signature, message: message))
    }

    @Test(arguments: KeyAlgorithm.allCases) func generatedKeysSignAndVerify(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        #expect(signer.algorithm == algorithm)
        #expect(signer.publicKey.count == [.ed25519: 32, .p256: 33, .p384: 49][algorithm])
        let message = Array("cell 0042 state of health 97%".utf8)
        let signature = try await signer.sign(message)
        #expect(signature.count == algorithm.signatureLength)
        #expect(signer.verificationKey.verify(signature: signature, message: message))
        #expect(!SoftwareSigner.generate(algorithm).verificationKey.verify(signature: signature, message: message))

        let restored = try SoftwareSigner(algorithm: algorithm, secretKey: signer.secretKey)
        #expect(restored.publicKey == signer.publicKey)
    }

    /// Signatures made by our signers verify with an independent implementation (Python `cryptography`).
    @Test(
        .enabled(
            if: ReferencePython.canImport("cryptography") || Vectors.required,
            "python3 with cryptography not found (pip install cryptography); fails under CI=true"),
        arguments: KeyAlgorithm.allCases)
    func signaturesVerifyWithPythonCryptography(algorithm: KeyAlgorithm) async throws {
        try #require(ReferencePython.canImport("cryptography"), "python3 -c 'import cryptography' failed: pip install cryptography")
        let signer = SoftwareSigner.generate(algorithm)
        let message = Array("pack 7 ownership transfer".utf8)
        let signature = try await signer.sign(message)
        let output = try ReferencePython.run(
            """
            import sys
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec, ed25519
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
            alg, pub, sig, msg = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
            if alg == "Ed25519":
                ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
            else:
                curve, digest = (ec.SECP256R1(), hashes.SHA256()) if alg == "P-256" else (ec.SECP384R1(), hashes.SHA384())
                key = ec.EllipticCurvePublicKey.from_encoded_point(curve, pub)
                half = len(sig) // 2
                der = encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
                key.verify(der, msg, ec.ECDSA(digest))
            print("ok")
            """,
            arguments: [algorithm.rawValue, Vectors.hex(signer.publicKey), Vectors.hex(signature), Vectors.hex(message)])
        #expect(output.status == 0, "\(output.error)")
        #expect(output.lines == ["ok"])
    }

    @Test func secretKeysOfTheWrongSizeOrRangeAreRejected() {
        expectIdentityError(.invalidSecretKey) { try SoftwareSigner(algorithm: .ed25519, secretKey: [UInt8](repeating: 1, count: 31)) }
        expectIdentityError(.invalidSecretKey) { try SoftwareSigner(algorithm: .p256, secretKey: [UInt8](repeating: 1, count: 33)) }
        expectIdentityError(.invalidSecretKey) { try SoftwareSigner(algorithm: .p256, secretKey: [UInt8](repeating: 0, count: 32)) }
        expectIdentityError(.invalidSecretKey, "the group order n itself") {
            try SoftwareSigner(algorithm: .p256, secretKey: P256Order.n)
        }
        expectIdentityError(.invalidSecretKey) { try SoftwareSigner(algorithm: .p256, secretKey: [UInt8](repeating: 0xff, count: 32)) }
    }

    @Test func publicKeysOfTheWrongLengthAreRejected() {
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(algorithm: .ed25519, rawRepresentation: [UInt8](repeating: 1, count: 31)) }
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(algorithm: .ed25519, rawRepresentation: [UInt8](repeating: 1, count: 33)) }
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(algorithm: .p256, rawRepresentation: [UInt8](repeating: 2, count: 32)) }
        expectIdentityError(.invalidPublicKeyLength) { try PublicKey(algorithm: .p256, rawRepresentation: []) }
    }

    @Test func invalidPointsAreRejected() {
        // y = 2 gives x² = 3 / (4d + 1), which is not a square mod 2²⁵⁵ − 19.
        expectIdentityError(.invalidPublicKey) { try PublicKey(algorithm: .ed25519, rawRepresentation: [2] + [UInt8](repeating: 0, count: 31)) }
        // y ≥ p is not a canonical encoding.
        expectIdentityError(.invalidPublicKey) {
            try PublicKey(algorithm: .ed25519, rawRepresentation: [0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f])
        }
        // y = 1 gives x = 0, which must not carry the sign bit.
        expectIdentityError(.invalidPublicKey) {
            try PublicKey(algorithm: .ed25519, rawRepresentation: [1] + [UInt8](repeating: 0, count: 30) + [0x80])
        }
        // x = 1: 1 − 3 + b is not a square mod p, so no P-256 point has it.
        expectIdentityError(.invalidPublicKey) {
            try PublicKey(algorithm: .p256, rawRepresentation: [2] + [UInt8](repeating: 0, count: 31) + [1])
        }
        expectIdentityError(.invalidPublicKey, "bad SEC1 prefix") {
            try PublicKey(algorithm: .p256, rawRepresentation: [5] + [UInt8](repeating: 1, count: 32))
        }
        expectIdentityError(.invalidPublicKey, "uncompressed point off the curve") {
            try PublicKey(algorithm: .p256, rawRepresentation: [4] + [UInt8](repeating: 1, count: 64))
        }
    }

    /// P-256 keys are accepted uncompressed and held compressed.
    @Test(.vectors) func p256KeysAreAcceptedUncompressed() throws {
        let spec = try VectorJSON.object("did-key/spec-test-vectors.json")
        let p256 = try #require((spec["dids"] as? [[String: Any]])?.first { $0["section"] as? String == "P-256" })
        let jwk = try #require(p256["jwk_computed"] as? [String: String])
        let x = try Base64URL.decode(try #require(jwk["x"]))
        let y = try Base64URL.decode(try #require(jwk["y"]))
        let key = try PublicKey(algorithm: .p256, rawRepresentation: [4] + x + y)
        #expect(Vectors.hex(key.rawRepresentation) == p256["raw_public_key_hex"] as? String)
    }
}

/// The P-256 group order, for high-S checks.
enum P256Order {
    static let n: [UInt8] = Vectors.bytes(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551") ?? []

    /// Whether s > n / 2.
    static func isHigh(_ s: [UInt8]) -> Bool {
        let doubled = add(s, s)
        return doubled.count > 32 || n.lexicographicallyPrecedes(doubled)
    }

    /// n − s.
    static func negate(_ s: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var digit = Int(n[index]) - Int(s[index]) - borrow
            borrow = digit < 0 ? 1 : 0
            if digit < 0 { digit += 256 }
            result[index] = UInt8(digit)
        }
        return result
    }

    private static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for index in stride(from: 31, through: 0, by: -1) {
            let sum = Int(a[index]) + Int(b[index]) + carry
            result[index] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        return carry > 0 ? [1] + result : result
    }
}
