import Credentials
import Encoding
import Foundation
import Identity
import Ledger
import Passport
import Testing
import Trie
import VectorSupport

/// The signed anchor checkpoint: its signing input (deterministic CBOR with the domain-separation
/// tag), signatures by Ed25519, P-256 and P-384 keys, the check against pinned keys, and its JSON.
@Suite struct AnchorCheckpointTests {
    static let operatorID = "did:web:a.example"
    static let method = operatorID + "#key-1"

    static let issuedAt = Date(timeIntervalSince1970: 1_750_000_000.75)

    /// Checkpoint `sequence` of root 11…11 at transaction 22…22, slot 1,000, signed at `date` by `signer` as `method`.
    static func signed(
        sequence: UInt64 = 1, at date: Date = issuedAt, method: String = method, by signer: any Signer
    ) async throws -> AnchorCheckpoint {
        try await AnchorCheckpoint(
            operatorID: operatorID, sequence: sequence, root: Hash32(bytes: [UInt8](repeating: 0x11, count: 32))!,
            transaction: Hash32(bytes: [UInt8](repeating: 0x22, count: 32))!, slot: 1_000, issuedAt: date, verificationMethod: method
        ).signed(by: signer)
    }

    /// The signing input of fixed fields, byte for byte (the array of the CDDL, encoded by cbor2 with
    /// `canonical=True`).
    @Test func theSigningInputIsTheDocumentedArray() async throws {
        let checkpoint = try await Self.signed(sequence: 3, by: SoftwareSigner.generate(.ed25519))
        let expected = """
            88781d766f6c74706173732f616e63686f722d636865636b706f696e742f7631716469643a7765623a612e6578616d706c6503\
            58201111111111111111111111111111111111111111111111111111111111111111\
            58202222222222222222222222222222222222222222222222222222222222222222\
            1903e81a684ee180776469643a7765623a612e6578616d706c65236b65792d31
            """
        #expect(Hex.encode(checkpoint.signingInput) == expected)
        #expect(checkpoint.issuedAt == Date(timeIntervalSince1970: 1_750_000_000), "signed in whole seconds")
        // The same bytes as the generic deterministic encoder gives the array.
        let array = CBOR.array([
            .text(AnchorCheckpoint.domainTag), .text(Self.operatorID), .unsigned(3), .bytes(checkpoint.root.bytes),
            .bytes(checkpoint.transaction.bytes), .unsigned(1_000), .unsigned(1_750_000_000), .text(Self.method),
        ])
        #expect(try array.encode() == checkpoint.signingInput)
    }

    @Test(arguments: KeyAlgorithm.allCases)
    func aSignatureVerifiesWithItsKeyOnlyAndOverEveryField(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let checkpoint = try await Self.signed(by: signer)
        #expect(checkpoint.isSigned(by: signer.verificationKey))
        #expect(!checkpoint.isSigned(by: SoftwareSigner.generate(algorithm).verificationKey))
        let changes: [(String, (inout AnchorCheckpoint) -> Void)] = [
            ("operator", { $0.operatorID = "did:web:b.example" }),
            ("sequence", { $0.sequence = 2 }),
            ("root", { $0.root = Hash32(hashing: [1]) }),
            ("transaction", { $0.transaction = Hash32(hashing: [2]) }),
            ("slot", { $0.slot = 1_001 }),
            ("issuedAt", { $0.issuedAt = $0.issuedAt.addingTimeInterval(1) }),
            ("verificationMethod", { $0.verificationMethod = Self.operatorID + "#key-2" }),
        ]
        for (field, change) in changes {
            var changed = checkpoint
            change(&changed)
            #expect(!changed.isSigned(by: signer.verificationKey), "a changed \(field) keeps the signature valid")
        }
    }

    /// cryptography (OpenSSL) verifies the signature over the bytes cbor2 reads as the documented array.
    @Test(
        .enabled(if: ReferencePython.canImport("cbor2", "cryptography") || Vectors.required, "cbor2 or cryptography not installed"),
        arguments: KeyAlgorithm.allCases)
    func cbor2AndCryptographyReadAndVerifyIt(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let checkpoint = try await Self.signed(sequence: 7, by: signer)
        let script = """
            import sys, cbor2
            from cryptography.hazmat.primitives.asymmetric import ed25519, ec, utils
            from cryptography.hazmat.primitives import hashes
            message, signature, key = (bytes.fromhex(a) for a in sys.argv[1:4])
            item = cbor2.loads(message)
            assert cbor2.dumps(item, canonical=True) == message, "not deterministic"
            assert item[0] == "voltpass/anchor-checkpoint/v1" and len(item) == 8
            if sys.argv[4] == "Ed25519":
                ed25519.Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
            else:
                curve, digest = (ec.SECP256R1(), hashes.SHA256()) if sys.argv[4] == "P-256" else (ec.SECP384R1(), hashes.SHA384())
                public = ec.EllipticCurvePublicKey.from_encoded_point(curve, key)
                half = len(signature) // 2
                der = utils.encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
                public.verify(der, message, ec.ECDSA(digest))
            print(item[1], item[2], item[3].hex(), item[5], item[6], item[7])
            """
        let run = try ReferencePython.run(
            script,
            arguments: [
                Hex.encode(checkpoint.signingInput), Hex.encode(checkpoint.signature), Hex.encode(signer.publicKey), algorithm.rawValue,
            ])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines == ["\(Self.operatorID) 7 \(checkpoint.root.hex) 1000 1750000000 \(Self.method)"])
    }

    @Test func theCheckAgainstPinnedKeysNamesWhatIsWrong() async throws {
        let signer = SoftwareSigner.generate(.p256)
        let from = Date(timeIntervalSince1970: 1_700_000_000)
        let pinned = try PinnedKeys([
            try PinnedKeys.Key(id: Self.method, controller: Self.operatorID, publicKey: signer.verificationKey, validFrom: from),
            try PinnedKeys.Key(
                id: "did:web:b.example#key-1", controller: "did:web:b.example", publicKey: SoftwareSigner.generate(.ed25519).verificationKey),
        ])
        let checkpoint = try await Self.signed(by: signer)
        #expect(checkpoint.signatureProblem(trusted: pinned) == nil)

        var unpinned = checkpoint
        unpinned.verificationMethod = Self.operatorID + "#key-9"
        #expect(checkpoint.signatureProblem(trusted: try PinnedKeys()) != nil, "nothing pinned")
        #expect(unpinned.signatureProblem(trusted: pinned)?.contains("not a key the verifier holds") == true)
        var foreign = checkpoint
        foreign.verificationMethod = "did:web:b.example#key-1"
        #expect(foreign.signatureProblem(trusted: pinned)?.contains("not a key the verifier holds") == true, "another DID's key")
        let early = try await Self.signed(at: from.addingTimeInterval(-10), by: signer)
        #expect(early.signatureProblem(trusted: pinned)?.contains("not a valid key") == true)
        let forged = try await Self.signed(by: SoftwareSigner.generate(.p256))
        #expect(forged.signatureProblem(trusted: pinned)?.contains("does not verify") == true)
    }

    @Test func itsJSONRoundTripsAndAMalformedMemberIsNamed() async throws {
        let checkpoint = try await Self.signed(sequence: 12, by: SoftwareSigner.generate(.ed25519))
        let json = checkpoint.json
        #expect(json["issuedAt"] == "2025-06-15T15:06:40Z")
        #expect(try AnchorCheckpoint(json: .object(json)) == checkpoint)
        let cases: [(String, JSONValue?, String)] = [
            ("type", "Other", "/type"),
            ("operator", 3, "/operator"),
            ("sequence", -1, "/sequence"),
            ("sequence", 1.5, "/sequence"),
            ("root", "00", "/root"),
            ("transaction", nil, "/transaction"),
            ("slot", "1000", "/slot"),
            ("issuedAt", "2025-06-15T15:06:40.500Z", "/issuedAt"),
            ("verificationMethod", nil, "/verificationMethod"),
            ("signature", "not base64url!", "/signature"),
            ("signature", "", "/signature"),
        ]
        for (member, value, pointer) in cases {
            var object = json
            object[member] = value
            do {
                _ = try AnchorCheckpoint(json: .object(object))
                Issue.record("\(member) = \(String(describing: value)) was accepted")
            } catch {
                #expect(error.code == "checkpoint_invalid")
                #expect(error.message.hasPrefix(pointer + " "), "\(error.message)")
            }
        }
    }
}
