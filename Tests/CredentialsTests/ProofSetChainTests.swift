import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// Proof sets and chains (vc-di-eddsa/proof-set-chain, test-suites/di-assertion-inputs). The
/// published sets and chains use eddsa-rdfc-2022, which needs RDF canonicalization; we rebuild the
/// same sets and chains with eddsa-jcs-2022 from the same keys and proof options, check the chained
/// document against the published `proofChainTempDoc*.json`, and cross-check our proofs with an
/// independent Python implementation.
@Suite struct ProofSetChainTests {
    static let folder = "vc-di-eddsa/proof-set-chain/"
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let now = XSDDateTime.parse("2024-01-01T00:00:00Z")!

    static func object(_ name: String) throws -> JSONObject {
        try #require(try JSONValue(parsing: Array(try Vectors.data(folder + name))).objectValue)
    }

    static func signers() throws -> [SoftwareSigner] {
        let pairs = try object("multiKeyPairs.json")
        return try (1...4).map { index in
            try SoftwareSigner(
                secretKeyMultibase: try #require(pairs["keyPair\(index)"]?["privateKeyMultibase"]?.stringValue))
        }
    }

    /// The published proof options, switched to eddsa-jcs-2022.
    static func options(_ name: String) throws -> ProofOptions {
        let config = try object(name)
        return ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: try #require(config["verificationMethod"]?.stringValue),
            created: config["created"]?.stringValue.flatMap(XSDDateTime.parse), id: config["id"]?.stringValue,
            previousProof: Credential.strings(config["previousProof"]))
    }

    /// The chain of signedProofChain2: two independent proofs, a third chained to both, a fourth to the third.
    static func chain() async throws -> JSONObject {
        let signers = try signers()
        var document = try object("unsigned.json")
        document = try await DataIntegrity.sign(document, options: try options("proofSetConfig1.json"), signer: signers[0])
        document = try await DataIntegrity.sign(document, options: try options("proofSetConfig2.json"), signer: signers[1])
        document = try await DataIntegrity.sign(document, options: try options("proofChainConfig1.json"), signer: signers[2])
        document = try await DataIntegrity.sign(document, options: try options("proofChainConfig2.json"), signer: signers[3])
        return document
    }

    @Test(.vectors) func chainedDocumentsMatchThePublishedTempDocs() throws {
        let signed = try Self.object("signedProofChain2.json")
        let proofs = DataIntegrity.proofObjects(signed["proof"])
        var unsecured = signed
        unsecured.removeValue(forKey: "proof")
        let first = try DataIntegrity.previousProofs(proofs[2]["previousProof"], among: proofs)
        #expect(DataIntegrity.chained(unsecured, first) == (try Self.object("proofChainTempDoc1.json")))
        let second = try DataIntegrity.previousProofs(proofs[3]["previousProof"], among: proofs)
        #expect(DataIntegrity.chained(unsecured, second) == (try Self.object("proofChainTempDoc2.json")))
    }

    @Test(.vectors) func setsAndChainsVerify() async throws {
        let chain = try await Self.chain()
        let proofs = DataIntegrity.proofObjects(chain["proof"])
        #expect(proofs.count == 4)
        #expect(proofs[2]["previousProof"] == ["urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544", "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54"])
        #expect(proofs[3]["previousProof"] == "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23")
        let verified = try await DataIntegrity.verify(chain, resolver: Self.resolver, expectation: ProofExpectation(now: Self.now))
        #expect(verified.count == 4)

        // Removing a proof another one chains to breaks the chain.
        var broken = chain
        broken["proof"] = .array([proofs[0], proofs[2], proofs[3]].map { .object($0) })
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/1/previousProof") {
            _ = try await DataIntegrity.verify(broken, resolver: Self.resolver, expectation: ProofExpectation(now: Self.now))
        }
        // Swapping the proofs a chained proof signed over changes what it signed.
        var swapped = proofs
        swapped[0]["created"] = "2023-02-24T23:36:39Z"
        var altered = chain
        altered["proof"] = .array(swapped.map { .object($0) })
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/0/proofValue") {
            _ = try await DataIntegrity.verify(altered, resolver: Self.resolver, expectation: ProofExpectation(now: Self.now))
        }
    }

    @Test(.vectors) func chainingToAMissingProofIsAGenerationError() async throws {
        let signers = try Self.signers()
        let unsigned = try Self.object("unsigned.json")
        await expectError("PROOF_GENERATION_ERROR", path: "/proof") {
            _ = try await DataIntegrity.sign(unsigned, options: try Self.options("proofChainConfig2.json"), signer: signers[3])
        }
    }

    /// The DI assertion suite's previousProof inputs: the six Fail inputs fail on the chain rules
    /// with PROOF_VERIFICATION_ERROR at `previousProof`, before any signature is checked; the six Ok
    /// inputs (eddsa-rdfc-2022 proof sets and chains) verify.
    @Test(.vectors) func diAssertionPreviousProofInputs() async throws {
        let folder = "test-suites/di-assertion-inputs/eddsa-rdfc-2022"
        let names = try FileManager.default.contentsOfDirectory(atPath: try Vectors.url(folder).path).sorted()
        #expect(names.count == 12)
        for name in names {
            let document = try #require(try JSONValue(parsing: Array(try Vectors.data(folder + "/" + name))).objectValue)
            do {
                let verified = try await DataIntegrity.verify(document, resolver: Self.resolver, expectation: ProofExpectation(now: Self.now))
                #expect(!name.contains("Fail"), "\(name) verified")
                #expect(verified.count >= 1)
            } catch {
                #expect(name.contains("Fail"), "\(name): \(error)")
                #expect(error.code == "PROOF_VERIFICATION_ERROR" && error.path == "/proof/1/previousProof", "\(name): \(error)")
            }
        }
    }

    /// An independent implementation (Python: json with sorted keys, hashlib, `cryptography`'s
    /// Ed25519) verifies every proof of our chain, chained proofs over their previous proofs.
    @Test(.vectors, .enabled(if: ReferencePython.canImport("cryptography")))
    func pythonVerifiesOurChain() async throws {
        let chain = try await Self.chain()
        let script = #"""
            import sys, json, hashlib
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
            ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
            def b58(text):
                n = 0
                for c in text: n = n * 58 + ALPHABET.index(c)
                raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
                return b"\0" * (len(text) - len(text.lstrip("1"))) + raw
            def jcs(value):
                return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            doc = json.load(sys.stdin)
            proofs = doc.pop("proof")
            for proof in proofs:
                config = {k: v for k, v in proof.items() if k != "proofValue"}
                previous = proof.get("previousProof")
                ids = [] if previous is None else ([previous] if isinstance(previous, str) else previous)
                signed = dict(doc)
                if ids: signed["proof"] = [p for i in ids for p in proofs if p.get("id") == i]
                data = hashlib.sha256(jcs(config)).digest() + hashlib.sha256(jcs(signed)).digest()
                key = b58(proof["verificationMethod"].split("#")[1][1:])[2:]
                try:
                    Ed25519PublicKey.from_public_bytes(key).verify(b58(proof["proofValue"][1:]), data)
                    print("ok")
                except Exception:
                    print("bad")
            """#
        let run = try ReferencePython.run(script, input: JSONValue.object(chain).serializedString())
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines == ["ok", "ok", "ok", "ok"])
    }

    /// The six VC 2.0 inputs through the whole verifier: their context wraps an inline context in its
    /// own `@context` entry, which the data-model checks read as that context (they were refused as
    /// `invalid_type` before); the Ok ones verify, the Fail ones fail on their proofs.
    @Test(.vectors) func diAssertionVC20InputsPassTheDataModelChecks() async throws {
        let folder = "test-suites/di-assertion-inputs/eddsa-rdfc-2022"
        let names = try FileManager.default.contentsOfDirectory(atPath: try Vectors.url(folder).path).filter { $0.hasPrefix("2.0-") }.sorted()
        #expect(names.count == 6)
        let verifier = Verifier.standard(resolver: Self.resolver, now: { Self.now })
        for name in names {
            let result = await verifier.verify(document: try JSONValue(parsing: Array(try Vectors.data(folder + "/" + name))))
            if name.contains("Ok") {
                #expect(result.verified, "\(name): \(result.failures)")
            } else {
                let codes = result.failures.map(\.code)
                #expect(!result.verified && codes.contains("PROOF_VERIFICATION_ERROR") && !codes.contains("invalid_type"), "\(name): \(codes)")
            }
        }
    }
}
