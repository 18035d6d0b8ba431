import Encoding
import Foundation
import Identity
import RDF
import Testing
import VectorSupport

@testable import Credentials

/// eddsa-jcs-2022 and ecdsa-jcs-2019 against the published vectors (vc-di-eddsa, vc-di-ecdsa):
/// every intermediate and, for Ed25519, the signature itself byte for byte.
@Suite struct DataIntegrityVectorTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])

    static func object(_ path: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: Array(try Vectors.data(path))).objectValue)
    }

    static func text(_ path: String) throws -> String {
        String(decoding: try Vectors.data(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func date(_ text: String?) throws -> Date {
        try #require(text.flatMap(XSDDateTime.parse))
    }

    @Test(.vectors) func eddsaJcs2022IsReproducedByteForByte() async throws {
        let folder = "vc-di-eddsa/eddsa-jcs-2022/"
        let unsigned = try Self.object("vc-di-eddsa/unsigned.json")
        let config = try Self.object(folder + "proofConfigJCS.json")
        let keys = try Self.object("vc-di-eddsa/keyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keys["privateKeyMultibase"]?.stringValue))
        #expect(Multikey.encode(signer.verificationKey) == keys["publicKeyMultibase"]?.stringValue)

        // The intermediates: canonical document and proof config, their hashes, the combined hash.
        let canonicalDocument = try JCS.canonicalize(.object(unsigned))
        #expect(String(decoding: canonicalDocument, as: UTF8.self) == (try Self.text(folder + "canonDocJCS.txt")))
        #expect(String(decoding: try JCS.canonicalize(.object(config)), as: UTF8.self) == (try Self.text(folder + "proofCanonJCS.txt")))
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: .eddsaJcs2022, keyAlgorithm: .ed25519)
        #expect(Vectors.hex(hashData.prefix(32)) == (try Self.text(folder + "proofHashJCS.txt")))
        #expect(Vectors.hex(hashData.suffix(32)) == (try Self.text(folder + "docHashJCS.txt")))
        #expect(Vectors.hex(hashData) == (try Self.text(folder + "combinedHashJCS.txt")))

        // Signing through the Signer gives the published signature and the published document.
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: try #require(config["verificationMethod"]?.stringValue),
            created: try Self.date(config["created"]?.stringValue))
        let signed = try await DataIntegrity.sign(unsigned, options: options, signer: signer)
        let proofValue = try #require(signed["proof"]?["proofValue"]?.stringValue)
        #expect(proofValue == (try Self.text(folder + "sigBTC58JCS.txt")))
        #expect(Vectors.hex(try Multibase.decode(proofValue).bytes) == (try Self.text(folder + "sigHexJCS.txt")))
        let published = try Self.object(folder + "signedJCS.json")
        #expect(signed == published)
        #expect(try JCS.canonicalize(.object(signed)) == (try JCS.canonicalize(.object(published))))

        // And the published document verifies.
        let verified = try await DataIntegrity.verify(
            published, resolver: Self.resolver, expectation: ProofExpectation(now: try Self.date("2024-01-01T00:00:00Z")))
        #expect(verified.map(\.verificationMethod) == [options.verificationMethod])
    }

    @Test(.vectors) func eddsaRdfc2022IsReproducedByteForByte() async throws {
        let folder = "vc-di-eddsa/eddsa-rdfc-2022/"
        let unsigned = try Self.object("vc-di-eddsa/unsigned.json")
        let config = try Self.object(folder + "proofConfigDataInt.json")
        let keys = try Self.object("vc-di-eddsa/keyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keys["privateKeyMultibase"]?.stringValue))

        // The hashes of the canonical N-Quads of the proof configuration and of the document.
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: .eddsaRdfc2022, keyAlgorithm: .ed25519)
        #expect(Vectors.hex(hashData.prefix(32)) == (try Self.text(folder + "proofHashDataInt.txt")))
        #expect(Vectors.hex(hashData.suffix(32)) == (try Self.text(folder + "docHashDataInt.txt")))
        #expect(Vectors.hex(hashData) == (try Self.text(folder + "combinedHashDataInt.txt")))

        // Signing gives the published signature and document (whose proof carries no @context).
        let options = ProofOptions(
            cryptosuite: .eddsaRdfc2022, verificationMethod: try #require(config["verificationMethod"]?.stringValue),
            created: try Self.date(config["created"]?.stringValue))
        let signed = try await DataIntegrity.sign(unsigned, options: options, signer: signer)
        #expect(signed["proof"]?["proofValue"]?.stringValue == (try Self.text(folder + "sigBTC58DataInt.txt")))
        let published = try Self.object(folder + "signedDataInt.json")
        #expect(signed == published)
        let verified = try await DataIntegrity.verify(
            published, resolver: Self.resolver, expectation: ProofExpectation(now: try Self.date("2024-01-01T00:00:00Z")))
        #expect(verified.map(\.verificationMethod) == [options.verificationMethod])

        // A changed value changes the dataset: the signature no longer verifies.
        var tampered = published
        tampered["name"] = "Forged Credential"
        await #expect { try await DataIntegrity.verify(tampered, resolver: Self.resolver, expectation: ProofExpectation(now: Date())) } throws: {
            ($0 as? CredentialError)?.code == "PROOF_VERIFICATION_ERROR"
        }
    }

    @Test(.vectors) func ed25519Signature2020VectorVerifiesAndItsIntermediatesMatch() async throws {
        let folder = "vc-di-eddsa/Ed25519Signature2020/"
        let signed = try Self.object(folder + "signedEdSig.json")
        var unsigned = signed
        unsigned.removeValue(forKey: "proof")
        var config = try Self.object(folder + "proofConfigEdSig.json")
        if config["@context"] == nil { config["@context"] = unsigned["@context"] }
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: .eddsaRdfc2022, keyAlgorithm: .ed25519)
        #expect(Vectors.hex(hashData.prefix(32)) == (try Self.text(folder + "proofHashEdSig.txt")))
        #expect(Vectors.hex(hashData.suffix(32)) == (try Self.text(folder + "docHashEdSig.txt")))
        let verified = try await DataIntegrity.verify(signed, resolver: Self.resolver, expectation: ProofExpectation(now: try Self.date("2024-01-01T00:00:00Z")))
        #expect(verified.count == 1)
        var forged = signed
        forged["description"] = "changed"
        await #expect { try await DataIntegrity.verify(forged, resolver: Self.resolver, expectation: ProofExpectation(now: Date())) } throws: {
            ($0 as? CredentialError)?.code == "PROOF_VERIFICATION_ERROR"
        }
    }

    @Test(.vectors) func ecdsaRdfc2019P256PublishedSignatureVerifies() async throws {
        let folder = "vc-di-ecdsa/ecdsa-rdfc-2019-p256/"
        let unsigned = try Self.object("vc-di-ecdsa/unsigned.json")
        let config = try Self.object(folder + "proofConfigECDSAP256.json")
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: .ecdsaRdfc2019, keyAlgorithm: .p256)
        #expect(Vectors.hex(hashData.prefix(32)) == (try Self.text(folder + "proofHashECDSAP256.txt")))
        #expect(Vectors.hex(hashData.suffix(32)) == (try Self.text(folder + "docHashECDSAP256.txt")))
        let verified = try await DataIntegrity.verify(
            try Self.object(folder + "signedECDSAP256.json"), resolver: Self.resolver,
            expectation: ProofExpectation(now: try Self.date("2024-01-01T00:00:00Z")))
        #expect(verified.count == 1)
    }

    @Test(.vectors) func ecdsaJcs2019PublishedSignatureVerifies() async throws {
        let folder = "vc-di-ecdsa/ecdsa-jcs-2019-p256/"
        let unsigned = try Self.object("vc-di-ecdsa/unsigned.json")
        let config = try Self.object(folder + "proofConfigJCSECDSAP256.json")
        #expect(String(decoding: try JCS.canonicalize(.object(unsigned)), as: UTF8.self) == (try Self.text(folder + "canonDocJCSECDSAP256.txt")))
        #expect(
            String(decoding: try JCS.canonicalize(.object(config)), as: UTF8.self) == (try Self.text(folder + "proofCanonJCSECDSAP256.txt")))
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: .ecdsaJcs2019, keyAlgorithm: .p256)
        #expect(Vectors.hex(hashData.prefix(32)) == (try Self.text(folder + "proofHashJCSECDSAP256.txt")))
        #expect(Vectors.hex(hashData.suffix(32)) == (try Self.text(folder + "docHashJCSECDSAP256.txt")))
        #expect(Vectors.hex(hashData) == (try Self.text(folder + "combinedHashJCSECDSAP256.txt")))

        let published = try Self.object(folder + "signedJCSECDSAP256.json")
        let proofValue = try #require(published["proof"]?["proofValue"]?.stringValue)
        #expect(proofValue == (try Self.text(folder + "sigBTC58JCSECDSAP256.txt")))
        #expect(Vectors.hex(try Multibase.decode(proofValue).bytes) == (try Self.text(folder + "sigHexJCSECDSAP256.txt")))
        let now = try Self.date("2024-01-01T00:00:00Z")
        _ = try await DataIntegrity.verify(published, resolver: Self.resolver, expectation: ProofExpectation(now: now))

        // A round trip with the vector's key: our signature (randomized ECDSA) verifies too.
        let keys = try Self.object("vc-di-ecdsa/p256KeyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keys["secretKeyMultibase"]?.stringValue))
        let options = ProofOptions(
            cryptosuite: .ecdsaJcs2019, verificationMethod: try #require(config["verificationMethod"]?.stringValue),
            created: try Self.date(config["created"]?.stringValue))
        let signed = try await DataIntegrity.sign(unsigned, options: options, signer: signer)
        var expectedProof = published["proof"]?.objectValue
        expectedProof?.removeValue(forKey: "proofValue")
        var ourProof = signed["proof"]?.objectValue
        ourProof?.removeValue(forKey: "proofValue")
        #expect(ourProof == expectedProof)
        _ = try await DataIntegrity.verify(signed, resolver: Self.resolver, expectation: ProofExpectation(now: now))
    }

    /// The P-384 vectors of both ECDSA suites: SHA-384 hashes (48 bytes each), the published 96-byte
    /// signature verifies, and a signature of ours with the vector's key verifies too.
    @Test(.vectors, arguments: [
        ("vc-di-ecdsa/ecdsa-rdfc-2019-p384/", "ECDSAP384", Cryptosuite.ecdsaRdfc2019),
        ("vc-di-ecdsa/ecdsa-jcs-2019-p384/", "JCSECDSAP384", Cryptosuite.ecdsaJcs2019),
    ])
    func p384PublishedSignaturesVerify(folder: String, name: String, suite: Cryptosuite) async throws {
        let unsigned = try Self.object("vc-di-ecdsa/unsigned.json")
        var config = try Self.object(folder + "proofConfig\(name).json")
        if suite.usesRDFC, config["@context"] == nil { config["@context"] = unsigned["@context"] }
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: suite, keyAlgorithm: .p384)
        #expect(hashData.count == 96)
        #expect(Vectors.hex(hashData.prefix(48)) == (try Self.text(folder + "proofHash\(name).txt")))
        #expect(Vectors.hex(hashData.suffix(48)) == (try Self.text(folder + "docHash\(name).txt")))
        let published = try Self.object(folder + "signed\(name).json")
        let proofValue = try #require(published["proof"]?["proofValue"]?.stringValue)
        #expect(Vectors.hex(try Multibase.decode(proofValue).bytes) == (try Self.text(folder + "sigHex\(name).txt")))
        let now = try Self.date("2024-01-01T00:00:00Z")
        _ = try await DataIntegrity.verify(published, resolver: Self.resolver, expectation: ProofExpectation(now: now))
        var forged = published
        forged["issuer"] = "did:example:forged"
        await #expect { try await DataIntegrity.verify(forged, resolver: Self.resolver, expectation: ProofExpectation(now: now)) } throws: {
            ($0 as? CredentialError)?.code == "PROOF_VERIFICATION_ERROR"
        }

        let keys = try Self.object("vc-di-ecdsa/p384KeyPair.json")
        let signer = try SoftwareSigner(secretKeyMultibase: try #require(keys["secretKeyMultibase"]?.stringValue))
        #expect(signer.algorithm == .p384)
        #expect(signer.verificationKey.multikey == keys["publicKeyMultibase"]?.stringValue)
        let options = ProofOptions(
            cryptosuite: suite, verificationMethod: try #require(config["verificationMethod"]?.stringValue),
            created: try Self.date(config["created"]?.stringValue))
        let signed = try await DataIntegrity.sign(unsigned, options: options, signer: signer)
        #expect(try Multibase.decode(try #require(signed["proof"]?["proofValue"]?.stringValue)).bytes.count == 96)
        _ = try await DataIntegrity.verify(signed, resolver: Self.resolver, expectation: ProofExpectation(now: now))
    }

    /// One published RDFC vector folder: its files' suffix, the unsigned document, the suite and key type.
    struct RDFCFolder: Sendable, CustomTestStringConvertible {
        let folder: String
        let name: String
        let unsigned: String
        let suite: Cryptosuite
        let key: KeyAlgorithm
        var testDescription: String { folder }
    }

    static let rdfcFolders = [
        RDFCFolder(folder: "vc-di-eddsa/eddsa-rdfc-2022/", name: "DataInt", unsigned: "vc-di-eddsa/unsigned.json", suite: .eddsaRdfc2022, key: .ed25519),
        RDFCFolder(
            folder: "vc-di-eddsa/eddsa-rdfc-2022/employ/", name: "DataInt", unsigned: "vc-di-eddsa/employmentAuth.json", suite: .eddsaRdfc2022,
            key: .ed25519),
        RDFCFolder(
            folder: "vc-di-ecdsa/ecdsa-rdfc-2019-p256/", name: "ECDSAP256", unsigned: "vc-di-ecdsa/unsigned.json", suite: .ecdsaRdfc2019, key: .p256),
        RDFCFolder(
            folder: "vc-di-ecdsa/ecdsa-rdfc-2019-p256/employ/", name: "ECDSAP256", unsigned: "vc-di-ecdsa/employmentAuth.json",
            suite: .ecdsaRdfc2019, key: .p256),
        RDFCFolder(
            folder: "vc-di-ecdsa/ecdsa-rdfc-2019-p384/", name: "ECDSAP384", unsigned: "vc-di-ecdsa/unsigned.json", suite: .ecdsaRdfc2019, key: .p384),
        RDFCFolder(
            folder: "vc-di-ecdsa/ecdsa-rdfc-2019-p384/employ/", name: "ECDSAP384", unsigned: "vc-di-ecdsa/employmentAuth.json",
            suite: .ecdsaRdfc2019, key: .p384),
    ]

    /// Every RDFC vector folder, intermediate by intermediate: the canonical N-Quads of the document
    /// and of the proof configuration (RDFC-1.0 with SHA-384 for P-384: the employment vector's blank
    /// nodes are labelled differently with SHA-256), both hashes, and the published signature verifying.
    @Test(.vectors, arguments: rdfcFolders)
    func rdfcIntermediatesMatchAndTheSignatureVerifies(_ vector: RDFCFolder) async throws {
        let unsigned = try Self.object(vector.unsigned)
        var config = try Self.object(vector.folder + "proofConfig\(vector.name).json")
        if config["@context"] == nil { config["@context"] = unsigned["@context"] }
        func nquads(_ object: JSONObject) throws -> String {
            let dataset = try JSONLD(loader: DataIntegrity.contexts).toRDF(.object(object))
            return try RDFC10(hash: vector.key == .p384 ? .sha384 : .sha256).canonicalize(dataset).nquads
        }
        #expect(try nquads(unsigned) == (try Self.text(vector.folder + "canonDoc\(vector.name).txt")) + "\n")
        #expect(try nquads(config) == (try Self.text(vector.folder + "proofCanon\(vector.name).txt")) + "\n")
        let hashData = try DataIntegrity.hashData(config: config, document: unsigned, suite: vector.suite, keyAlgorithm: vector.key)
        let half = hashData.count / 2
        #expect(Vectors.hex(hashData.prefix(half)) == (try Self.text(vector.folder + "proofHash\(vector.name).txt")))
        #expect(Vectors.hex(hashData.suffix(half)) == (try Self.text(vector.folder + "docHash\(vector.name).txt")))
        let signed = try Self.object(vector.folder + "signed\(vector.name).json")
        let verified = try await DataIntegrity.verify(
            signed, resolver: Self.resolver, expectation: ProofExpectation(now: try Self.date("2024-01-01T00:00:00Z")))
        #expect(verified.count == 1)
    }

    /// Every signed W3C Data Integrity vector as a credential from any issuer (the VC API's verifier):
    /// verified, its issuer URL (not a DID) a warning; held to REQ-F03 it fails `issuer_not_did`. The
    /// employment vectors name a DID issuer whose key did not make the proof: `issuer_key_mismatch`.
    @Test(.vectors) func everySignedVectorVerifiesAsAnyIssuersCredential() async throws {
        let documents = [
            "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json", "vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
            "vc-di-eddsa/Ed25519Signature2020/signedEdSig.json", "vc-di-eddsa/proof-set-chain/signedProofSet1.json",
            "vc-di-eddsa/proof-set-chain/signedProofSet2.json", "vc-di-eddsa/proof-set-chain/signedProofChain1.json",
            "vc-di-eddsa/proof-set-chain/signedProofChain2.json", "vc-di-ecdsa/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json",
            "vc-di-ecdsa/ecdsa-jcs-2019-p384/signedJCSECDSAP384.json", "vc-di-ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json",
            "vc-di-ecdsa/ecdsa-rdfc-2019-p384/signedECDSAP384.json",
        ]
        let now: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_750_000_000) }
        for path in documents {
            let credential = Credential(try Self.object(path))
            let open = await Verifier.standard(resolver: Self.resolver, issuerBinding: .whenDID, now: now).verify(credential)
            #expect(open.verified, "\(path): \(open.failures)")
            #expect(open.warnings.map(\.code) == ["issuer_not_did"], "\(path)")
            let strict = await Verifier.standard(resolver: Self.resolver, now: now).verify(credential)
            #expect(strict.failureCodes == ["issuer_not_did", "issuer_key_mismatch"], "\(path)")
        }
        for path in ["vc-di-eddsa/eddsa-rdfc-2022/employ/signedDataInt.json", "vc-di-ecdsa/ecdsa-rdfc-2019-p256/employ/signedECDSAP256.json",
            "vc-di-ecdsa/ecdsa-rdfc-2019-p384/employ/signedECDSAP384.json"]
        {
            let result = await Verifier.standard(resolver: Self.resolver, issuerBinding: .whenDID, now: now).verify(Credential(try Self.object(path)))
            #expect(result.failureCodes == ["issuer_key_mismatch"], "\(path)")
        }
    }

    @Test(.vectors) func tamperedVectorsFailWithTheirCodes() async throws {
        let now = try Self.date("2024-01-01T00:00:00Z")
        for path in ["vc-di-eddsa/eddsa-jcs-2022/signedJCS.json", "vc-di-ecdsa/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json"] {
            let published = try Self.object(path)
            var changed = published
            changed["name"] = "Forged Credential"
            await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/proofValue") {
                _ = try await DataIntegrity.verify(changed, resolver: Self.resolver, expectation: ProofExpectation(now: now))
            }
            var badValue = published
            badValue["proof"] = .object(try #require(published["proof"]?.objectValue).replacing("proofValue", with: "uAAAA"))
            await expectError("MALFORMED_PROOF_ERROR", path: "/proof/proofValue") {
                _ = try await DataIntegrity.verify(badValue, resolver: Self.resolver, expectation: ProofExpectation(now: now))
            }
            await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/proofPurpose") {
                _ = try await DataIntegrity.verify(
                    published, resolver: Self.resolver, expectation: ProofExpectation(proofPurpose: .authentication, now: now))
            }
            var noPurpose = published
            noPurpose["proof"] = .object(try #require(published["proof"]?.objectValue).removing("proofPurpose"))
            await expectError("PROOF_VERIFICATION_ERROR", path: "/proof") {
                _ = try await DataIntegrity.verify(noPurpose, resolver: Self.resolver, expectation: ProofExpectation(now: now))
            }
            var localTime = published
            localTime["proof"] = .object(
                try #require(published["proof"]?.objectValue).replacing("created", with: "2023-02-24T23:36:38"))
            await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/created") {
                _ = try await DataIntegrity.verify(localTime, resolver: Self.resolver, expectation: ProofExpectation(now: now))
            }
            var otherContext = published
            otherContext["@context"] = ["https://www.w3.org/ns/credentials/v2"]
            await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/@context") {
                _ = try await DataIntegrity.verify(otherContext, resolver: Self.resolver, expectation: ProofExpectation(now: now))
            }
        }
    }

    @Test func signingWithTheWrongKeyTypeIsAGenerationError() async throws {
        let unsigned: JSONObject = ["@context": ["https://www.w3.org/ns/credentials/v2"]]
        let signer = SoftwareSigner.generate(.p256)
        await expectError("PROOF_GENERATION_ERROR", path: nil) {
            _ = try await DataIntegrity.sign(
                unsigned, options: ProofOptions(cryptosuite: .eddsaJcs2022, verificationMethod: "did:key:z#z", created: nil),
                signer: signer)
        }
    }
}

/// Runs `body` and expects a `CredentialError` with `code` (and `path`, when given).
func expectError(
    _ code: String, path: String?, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as CredentialError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let path { #expect(error.path == path, "\(error)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

extension JSONObject {
    func replacing(_ key: String, with value: JSONValue) -> JSONObject {
        var copy = self
        copy[key] = value
        return copy
    }

    func removing(_ key: String) -> JSONObject {
        var copy = self
        copy.removeValue(forKey: key)
        return copy
    }
}
