import COSE
import Encoding
import Identity
import Readings
import Testing
import VectorSupport

/// Every COSE_Sign1 vector of cose-wg/Examples in vectors/cose.
@Suite struct COSEVectorTests {
    /// ES256, ES384 and Ed25519 messages that must verify, with their Sig_structure checked byte for byte.
    @Test(.vectors, arguments: [
        "sign1-tests/sign-pass-01.json", "sign1-tests/sign-pass-02.json", "sign1-tests/sign-pass-03.json",
        "ecdsa-examples/ecdsa-sig-01.json", "ecdsa-examples/ecdsa-sig-02.json", "RFC8152/Appendix_C_2_1.json", "CWT/A_3.json",
        "eddsa-examples/eddsa-sig-01.json", "countersign1/signed1-01.json",
    ])
    func passVectorsVerify(path: String) throws {
        let vector = try COSEVector(path)
        let message = try COSESign1(decoding: vector.output)
        #expect(message.payload == vector.payload)
        let toBeSigned = COSESign1.signatureStructure(
            protectedBytes: message.protectedBytes, externalAAD: vector.externalAAD, payload: vector.payload)
        #expect(Vectors.hex(toBeSigned) == Vectors.hex(vector.toBeSigned))
        try message.verify(with: try vector.publicKey(), externalAAD: vector.externalAAD)
        // Re-encoding keeps the protected bytes as received and the tagging.
        let tagged = vector.output.first == 0xD2
        #expect(message.encoded(tagged: tagged) == vector.output || path.hasPrefix("countersign1"))
    }

    @Test(.vectors) func externalAADIsBound() throws {
        let vector = try COSEVector("sign1-tests/sign-pass-02.json")
        let message = try COSESign1(decoding: vector.output)
        let error = #expect(throws: COSEError.self) { try message.verify(with: try vector.publicKey()) }
        #expect(error?.kind == .signatureInvalid)
    }

    /// The fail vectors fail, each with its own code.
    @Test(.vectors, arguments: [
        ("sign1-tests/sign-fail-01.json", COSEError.Kind.unexpectedTag),
        ("sign1-tests/sign-fail-02.json", .signatureInvalid),
        ("sign1-tests/sign-fail-03.json", .unsupportedAlgorithm),
        ("sign1-tests/sign-fail-04.json", .unsupportedAlgorithm),
        ("sign1-tests/sign-fail-06.json", .signatureInvalid),
        ("sign1-tests/sign-fail-07.json", .signatureInvalid),
    ])
    func failVectorsFail(path: String, expected: COSEError.Kind) throws {
        let vector = try COSEVector(path)
        #expect(vector.fail)
        let key = try vector.publicKey()
        let error = #expect(throws: COSEError.self) {
            try COSESign1(decoding: vector.output).verify(with: key, externalAAD: vector.externalAAD)
        }
        #expect(error?.kind == expected)
    }

    /// EdDSA is deterministic, so our signature is byte-identical to the published message.
    @Test(.vectors) func ed25519OutputIsByteIdentical() async throws {
        let vector = try COSEVector("eddsa-examples/eddsa-sig-01.json")
        let message = try await COSESign1.sign(
            payload: vector.payload, protectedHeaders: [3: 0], unprotectedHeaders: [4: .bytes(Array("11".utf8))],
            signer: try vector.softwareSigner())
        #expect(Vectors.hex(message.encoded()) == Vectors.hex(vector.output))
        // The countersigned vector carries the same Sign1 signature.
        let countersigned = try COSESign1(decoding: try COSEVector("countersign1/signed1-01.json").output)
        #expect(countersigned.signature == message.signature)
    }

    /// ES512 (also ES512 with a P-256 key) and Ed448 are not supported: rejected by code.
    @Test(.vectors, arguments: ["ecdsa-examples/ecdsa-sig-03.json", "ecdsa-examples/ecdsa-sig-04.json"])
    func unsupportedECDSAVectorsAreRejected(path: String) throws {
        let vector = try COSEVector(path)
        let message = try COSESign1(decoding: vector.output)
        let error = #expect(throws: COSEError.self) { try message.algorithm() }
        #expect(error?.kind == .unsupportedAlgorithm)
        let keyError = #expect(throws: COSEError.self) { try message.verify(with: SoftwareSigner.generate(.p256).verificationKey) }
        #expect(keyError?.kind == .unsupportedAlgorithm)
        if !path.hasSuffix("04.json") {
            let curveError = #expect(throws: COSEError.self) { try COSEKey(cbor: vector.coseKey()) }
            #expect(curveError?.kind == .unsupportedAlgorithm)
        }
    }

    @Test(.vectors) func ed448IsRejected() throws {
        let vector = try COSEVector("eddsa-examples/eddsa-sig-02.json")
        _ = try COSESign1(decoding: vector.output)
        let error = #expect(throws: COSEError.self) { try COSEKey(cbor: vector.coseKey()) }
        #expect(error?.kind == .unsupportedAlgorithm)
    }

    /// COSE_Sign (tag 98) is a different structure; read as Sign1 it is refused by its tag.
    @Test(.vectors, arguments: [
        "eddsa-examples/eddsa-01.json", "eddsa-examples/eddsa-02.json", "ecdsa-examples/ecdsa-01.json",
        "ecdsa-examples/ecdsa-02.json", "ecdsa-examples/ecdsa-03.json", "ecdsa-examples/ecdsa-04.json",
    ])
    func coseSignIsNotSign1(path: String) throws {
        let root = try #require(try Vectors.json("cose/" + path) as? [String: Any])
        let output = try #require((root["output"] as? [String: Any])?["cbor"] as? String)
        let bytes = try #require(Vectors.bytes(hex: output))
        let error = #expect(throws: COSEError.self) { try COSESign1(decoding: bytes) }
        #expect(error?.kind == .unexpectedTag)
    }

    /// The RFC 8392 A.3 token: verified, its claims decoded and re-encoded byte for byte.
    @Test(.vectors) func cwtAppendixA3() throws {
        let vector = try COSEVector("CWT/A_3.json")
        let claims = try CWT.verify(vector.output, key: try vector.publicKey())
        #expect(claims.issuer == "coap://as.example.com")
        #expect(claims.subject == "erikw")
        #expect(claims.audience == "coap://light.example.com")
        #expect(claims.expirationTime == 1_444_064_944)
        #expect(claims.notBefore == 1_443_944_944)
        #expect(claims.issuedAt == 1_443_944_944)
        #expect(claims.tokenID == [0x0B, 0x71])
        #expect(try claims.encoded() == vector.payload)
        #expect(throws: CWTError(.expired, "the token expired at 1444064944; it is 1444064944")) {
            try claims.checkValidity(at: 1_444_064_944)
        }
        try claims.checkValidity(at: 1_444_000_000)
    }
}
