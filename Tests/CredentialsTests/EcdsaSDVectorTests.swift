import Crypto
import Encoding
import Foundation
import Identity
import RDF
import Testing
import VectorSupport

@testable import Credentials

/// ecdsa-sd-2023 against the published vectors (vc-di-ecdsa, `employ` and `prc`): every intermediate
/// of the base proof, the base proof itself byte for byte (its signatures made with the vectors'
/// keys and RFC 6979 nonces, as they were), the derived proof byte for byte, and every derived
/// document verifying (through the Verifier too) while the base documents are refused.
@Suite struct EcdsaSDVectorTests {
    static let folder = "vc-di-ecdsa/ecdsa-sd-2023/"
    static let examples = [
        Example(name: "employ", mandatory: "employMandatory.json", selective: "employSelective.json"),
        Example(name: "prc", mandatory: "prCredMandatory.json", selective: "prCredSelective.json"),
    ]
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let now = XSDDateTime.parse("2025-06-01T00:00:00Z")!

    struct Example: CustomTestStringConvertible, Sendable {
        let name: String
        let mandatory: String
        let selective: String
        var testDescription: String { name }
        func path(_ file: String) -> String { EcdsaSDVectorTests.folder + name + "/" + file }
    }

    static func object(_ path: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: Array(try Vectors.data(path))).objectValue)
    }

    static func strings(_ path: String) throws -> [String] {
        try #require(try Vectors.json(path) as? [String])
    }

    /// The `dataType: Map` entries of a vector (index → N-Quad) as lines in index order, with their indexes.
    static func map(_ value: Any?) throws -> [(Int, String)] {
        let entries = try #require((value as? [String: Any])?["value"] as? [[Any]])
        return try entries.map { (try #require($0[0] as? Int), try #require($0[1] as? String)) }
    }

    /// The base document's unsecured credential (the published one minus its proof: prCredUnsigned.json
    /// was edited after the prc vectors were made).
    static func unsigned(_ example: Example) throws -> (unsigned: JSONObject, signed: JSONObject) {
        let signed = try object(example.path("addSignedSDBase.json"))
        return (signed.removing("proof"), signed)
    }

    static func secrets() throws -> (issuer: DeterministicP256Signer, secrets: EcdsaSDSecrets) {
        let keys = try #require(try Vectors.json(folder + "SDKeyMaterial.json") as? [String: Any])
        func signer(_ pair: String) throws -> DeterministicP256Signer {
            let multibase = try #require((keys[pair] as? [String: String])?["secretKeyMultibase"])
            return try DeterministicP256Signer(secretKey: try SoftwareSigner(secretKeyMultibase: multibase).secretKey)
        }
        let hmacHex = try #require(keys["hmacKeyString"] as? String)
        let hmacKey = try #require(Vectors.bytes(hex: hmacHex))
        return (try signer("baseKeyPair"), try EcdsaSDSecrets(hmacKey: hmacKey, proofKey: try signer("proofKeyPair")))
    }

    @Test(.vectors, arguments: examples)
    func baseProofIntermediatesAndProofValueAreReproduced(_ example: Example) async throws {
        let (unsigned, published) = try Self.unsigned(example)
        let (issuer, secrets) = try Self.secrets()
        let mandatoryPointers = try Self.strings("vc-di-ecdsa/" + example.mandatory)

        // RDFC-1.0 of the document, then the same lines with the HMAC labels (sorted again).
        let dataset = try JSONLD(loader: DataIntegrity.contexts).toRDF(.object(unsigned))
        let canonical = try RDFC10().canonicalize(dataset)
        #expect(canonical.lines { $0 } == (try Self.strings(example.path("addBaseDocCanon.json"))))
        let transform = try EcdsaSDTransform(unsigned, hmacKey: secrets.hmacKey)
        #expect(transform.lines == (try Self.strings(example.path("addBaseDocHMACCanon.json"))))

        // The mandatory pointers' values, and the groups they make.
        for entry in try #require(try Vectors.json(example.path("addPointerValues.json")) as? [[String: Any]]) {
            let pointer = try #require(entry["pointer"] as? String)
            let value = try JSONValue(parsing: Array(try JSONSerialization.data(withJSONObject: try #require(entry["value"]))))
            #expect(JSONPointer.value(at: pointer, in: unsigned) == value)
        }
        let transformed = try #require(try Vectors.json(example.path("addBaseTransform.json")) as? [String: Any])
        #expect(transformed["mandatoryPointers"] as? [String] == mandatoryPointers)
        let mandatory = try transform.group(mandatoryPointers, kind: "mandatory").matching
        let publishedMandatory = try Self.map(transformed["mandatory"])
        #expect(mandatory == publishedMandatory.map(\.0))
        #expect(mandatory.map { transform.lines[$0] } == publishedMandatory.map(\.1))
        let nonMandatory = try Self.map(transformed["nonMandatory"])
        #expect(nonMandatory.map(\.0) == (0..<transform.lines.count).filter { !mandatory.contains($0) })

        // The proof configuration's canonical form and hash, and the mandatory hash.
        let config = try Self.object(example.path("addProofConfig.json"))
        let configDataset = try JSONLD(loader: DataIntegrity.contexts).toRDF(.object(config))
        #expect(try RDFC10().canonicalize(configDataset).nquads == String(decoding: try Vectors.data(example.path("addProofConfigCanon.txt")), as: UTF8.self))
        let hashes = try #require(try Vectors.json(example.path("addHashData.json")) as? [String: String])
        #expect(Vectors.hex(try EcdsaSD.canonicalHash(config, failing: .proofGenerationError)) == hashes["proofHash"])
        #expect(Vectors.hex(sha256(Array(mandatory.map { transform.lines[$0] }.joined().utf8))) == hashes["mandatoryHash"])

        // Signing with the vectors' keys and nonces gives the published base proof, byte for byte.
        let options = ProofOptions(
            cryptosuite: .ecdsaSd2023, verificationMethod: try #require(config["verificationMethod"]?.stringValue),
            created: XSDDateTime.parse(try #require(config["created"]?.stringValue)))
        let signed = try await DataIntegrity.signSelective(
            unsigned, options: options, mandatoryPointers: mandatoryPointers, signer: issuer, secrets: secrets)
        let proofValue = try #require(signed["proof"]?["proofValue"]?.stringValue)
        guard case .base(let base) = try EcdsaSDProofValue(parsing: proofValue, path: "/proof/proofValue") else {
            Issue.record("not a base proof")
            return
        }
        let raw = try #require(try Vectors.json(example.path("addRawBaseSignatureInfo.json")) as? [String: Any])
        #expect(base.signatures.map { Vectors.hex($0) } == raw["signatures"] as? [String])
        #expect(Vectors.hex(base.baseSignature) == raw["baseSignature"] as? String)
        #expect(Multibase.encode(base.publicKey, as: .base58btc) == raw["publicKey"] as? String)
        #expect(base.hmacKey == secrets.hmacKey)
        #expect(proofValue == published["proof"]?["proofValue"]?.stringValue)
        #expect(signed == published)

        // The published base proof reads back to the same components, and writes back the same.
        let publishedValue = try #require(published["proof"]?["proofValue"]?.stringValue)
        guard case .base(let read) = try EcdsaSDProofValue(parsing: publishedValue, path: "") else {
            Issue.record("the published base proof is not read as one")
            return
        }
        #expect(read == base)
        #expect(read.proofValue == publishedValue)
    }

    @Test(.vectors, arguments: examples)
    func derivedProofIsReproducedByteForByte(_ example: Example) throws {
        let (unsigned, published) = try Self.unsigned(example)
        let selective = try Self.strings("vc-di-ecdsa/" + example.selective)
        let mandatoryPointers = try Self.strings("vc-di-ecdsa/" + example.mandatory)
        let (_, secrets) = try Self.secrets()

        // The groups' indexes, the mandatory indexes among the revealed, the signatures kept.
        let transform = try EcdsaSDTransform(unsigned, hmacKey: secrets.hmacKey)
        let indexes = try #require(try Vectors.json(example.path("derivedGroupIndexes.json")) as? [String: [Int]])
        let mandatory = try transform.group(mandatoryPointers, kind: "mandatory").matching
        #expect(mandatory == indexes["mandatoryIndexes"])
        #expect(try transform.group(selective, kind: "selective").matching == indexes["selectiveIndexes"])
        #expect(try transform.group(mandatoryPointers + selective, kind: "combined").matching == indexes["combinedIndexes"])
        #expect((0..<transform.lines.count).filter { !mandatory.contains($0) } == indexes["nonMandatoryIndexes"])

        let derived = try DataIntegrity.deriveSelective(published, selectivePointers: selective)
        let expected = try Self.object(example.path("derivedRevealDocument.json"))
        #expect(derived.removing("proof") == (try Self.object(example.path("derivedUnsignedReveal.json"))))
        #expect(derived["proof"]?["proofValue"] == expected["proof"]?["proofValue"])
        #expect(derived == expected)

        guard case .derived(let proof) = try EcdsaSDProofValue(parsing: try #require(derived["proof"]?["proofValue"]?.stringValue), path: "")
        else {
            Issue.record("not a derived proof")
            return
        }
        let disclosure = try #require(try Vectors.json(example.path("derivedDisclosureData.json")) as? [String: Any])
        #expect(proof.mandatoryIndexes == disclosure["mandatoryIndexes"] as? [Int])
        #expect(proof.mandatoryIndexes == (try Vectors.json(example.path("derivedAdjMandatoryIndexes.json")) as? [String: [Int]])?["adjMandatoryIndexes"])
        #expect(proof.signatures.map { Vectors.hex($0) } == disclosure["signatures"] as? [String])
        let labelMap = try #require((disclosure["labelMap"] as? [String: Any])?["value"] as? [[String]])
        #expect(proof.labels == Dictionary(uniqueKeysWithValues: labelMap.map { ($0[0], $0[1]) }))
    }

    @Test(.vectors, arguments: examples)
    func derivedDocumentVerifiesAndItsVerifyDataMatch(_ example: Example) async throws {
        let derived = try Self.object(example.path("derivedRevealDocument.json"))
        let verified = try await DataIntegrity.verify(derived, resolver: Self.resolver, expectation: ProofExpectation(now: Self.now))
        #expect(verified.map(\.verificationMethod) == [derived["proof"]?["verificationMethod"]?.stringValue])

        // createVerifyData: the revealed statements with the signed labels, the hashes.
        guard case .derived(let proof) = try EcdsaSDProofValue(parsing: try #require(derived["proof"]?["proofValue"]?.stringValue), path: "")
        else {
            Issue.record("not a derived proof")
            return
        }
        let canonical = try RDFC10().canonicalize(try JSONLD(loader: DataIntegrity.contexts).toRDF(.object(derived.removing("proof"))))
        let labels = proof.labels
        let lines = canonical.lines { labels[$0] ?? $0 }
        #expect(lines == (try Self.strings(example.path("verifyNQuads.json"))))
        let verifyData = try #require(try Vectors.json(example.path("verifyCreateVerifyData.json")) as? [String: Any])
        #expect(lines.indices.filter { !proof.mandatoryIndexes.contains($0) }.map { lines[$0] } == verifyData["nonMandatory"] as? [String])
        let mandatoryLines = proof.mandatoryIndexes.map { lines[$0] }.joined()
        #expect(Vectors.hex(sha256(Array(mandatoryLines.utf8))) == verifyData["mandatoryHash"] as? String)
        var config = try #require(derived["proof"]?.objectValue).removing("proofValue")
        config["@context"] = derived["@context"]
        #expect(Vectors.hex(try EcdsaSD.canonicalHash(config, failing: .proofVerificationError)) == verifyData["proofHash"] as? String)
        let parsed = try #require(try Vectors.json(example.path("verifyDerivedProofValue.json")) as? [String: Any])
        #expect(Vectors.hex(proof.baseSignature) == parsed["baseSignature"] as? String)
        #expect(proof.mandatoryIndexes == parsed["mandatoryIndexes"] as? [Int])

        // Through the standard Verifier: the proof verifies; the vectors' issuer DID is not the
        // signing key's, which the issuer binding reports and nothing else.
        let result = await Verifier.standard(resolver: Self.resolver, issuerBinding: .whenDID, now: { Self.now }).verify(Credential(derived))
        #expect(result.failureCodes == ["issuer_key_mismatch"], "\(result.failures)")
    }

    @Test(.vectors, arguments: examples)
    func baseDocumentIsRefusedByAVerifier(_ example: Example) async throws {
        let (_, published) = try Self.unsigned(example)
        await expectError("selective_disclosure_base_proof", path: "/proof/proofValue") {
            _ = try await DataIntegrity.verify(published, resolver: Self.resolver, expectation: ProofExpectation(now: Self.now))
        }
        let result = await Verifier.standard(resolver: Self.resolver, issuerBinding: .whenDID, now: { Self.now }).verify(Credential(published))
        #expect(result.failureCodes.contains("selective_disclosure_base_proof"))
    }
}

func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
