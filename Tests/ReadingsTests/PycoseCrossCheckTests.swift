import COSE
import Encoding
import Identity
import Readings
import Testing
import VectorSupport

/// pycose (an independent COSE implementation) verifies what we sign and signs what we verify.
/// Skipped when python3 or pycose is missing, except under `CI=true`.
@Suite(.enabled(if: ReferencePython.canImport("pycose", "cbor2") || Vectors.required, "pycose not installed"))
struct PycoseCrossCheckTests {
    /// `verify ALG PUBLIC MESSAGE AAD` prints "ok" when pycose verifies; `sign ALG SECRET PUBLIC PAYLOAD AAD`
    /// prints a tagged COSE_Sign1. Hex arguments; cbor2 6 gives tuples and frozen maps, which pycose wants
    /// as lists and dicts.
    static let script = ReferencePython.pycosePrelude + """
        if mode == 'verify':
            item = cbor2.loads(h(sys.argv[4]))
            body = item.value if isinstance(item, cbor2.CBORTag) else item
            if isinstance(item, cbor2.CBORTag) and item.tag != 18: sys.exit('not tag 18')
            message = Sign1Message.from_cose_obj([plain(v) for v in body], True)
            message.key = key(h(sys.argv[3]))
            message.external_aad = h(sys.argv[5])
            print('ok' if message.verify_signature() else 'bad')
        else:
            message = Sign1Message(phdr={Algorithm: {'EdDSA': EdDSA, 'ES256': Es256, 'ES384': Es384}[alg]}, uhdr={KID: b'bms'}, payload=h(sys.argv[5]))
            message.key = key(h(sys.argv[4]), h(sys.argv[3]))
            message.external_aad = h(sys.argv[6])
            print(message.encode().hex())
        """

    static func name(_ algorithm: KeyAlgorithm) -> String { [.ed25519: "EdDSA", .p256: "ES256", .p384: "ES384"][algorithm]! }

    @Test(arguments: KeyAlgorithm.allCases)
    func pycoseVerifiesOurMessages(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let aad: [UInt8] = [0x01, 0x02, 0x03]
        let message = try await COSESign1.sign(
            payload: Array("state".utf8), protectedHeaders: [3: 0], unprotectedHeaders: [4: .bytes([0x31])],
            externalAAD: aad, signer: signer)
        for tagged in [true, false] {
            let run = try ReferencePython.run(
                Self.script,
                arguments: ["verify", Self.name(algorithm), Hex.encode(signer.publicKey), Hex.encode(message.encoded(tagged: tagged)), Hex.encode(aad)])
            #expect(run.lines == ["ok"], "\(run.error)")
        }
        // A changed AAD does not verify in pycose either, so the check above can fail.
        let wrong = try ReferencePython.run(
            Self.script, arguments: ["verify", Self.name(algorithm), Hex.encode(signer.publicKey), Hex.encode(message.encoded()), "00"])
        #expect(wrong.lines != ["ok"])
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func pycoseVerifiesOurSignedReadings(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let signed = try await SignedReading.sign(ReadingFixtures.reading(counter: 7), signer: signer)
        let run = try ReferencePython.run(
            Self.script, arguments: ["verify", Self.name(algorithm), Hex.encode(signer.publicKey), Hex.encode(signed.encoded), ""])
        #expect(run.lines == ["ok"], "\(run.error)")
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func weVerifyPycoseMessages(algorithm: KeyAlgorithm) throws {
        let signer = SoftwareSigner.generate(algorithm)
        let payload = try ReadingFixtures.reading(counter: 9).payload()
        let aad: [UInt8] = [0xAA]
        let run = try ReferencePython.run(
            Self.script,
            arguments: ["sign", Self.name(algorithm), Hex.encode(signer.secretKey), Hex.encode(signer.publicKey), Hex.encode(payload), Hex.encode(aad)])
        let bytes = try Hex.decode(try #require(run.lines.first, "\(run.error)"))
        let message = try COSESign1(decoding: bytes)
        #expect(message.keyID == Array("bms".utf8))
        try message.verify(with: signer.verificationKey, externalAAD: aad)
        #expect(throws: COSEError.self) { try message.verify(with: signer.verificationKey) }
        // Without AAD, pycose's signature over our reading payload is a valid signed reading.
        let plain = try ReferencePython.run(
            Self.script,
            arguments: ["sign", Self.name(algorithm), Hex.encode(signer.secretKey), Hex.encode(signer.publicKey), Hex.encode(payload), ""])
        let reading = try SignedReading.verify(try Hex.decode(try #require(plain.lines.first)), key: signer.verificationKey)
        #expect(reading.reading == ReadingFixtures.reading(counter: 9))
    }
}
