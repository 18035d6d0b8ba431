import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// ecdsa-sd-2023 with our own issuer (REQ-F05): every subset of the selective pointers derives a
/// credential the standard Verifier accepts and that shows nothing else; each tampering a holder or
/// a man in the middle could try is refused with its code.
@Suite struct EcdsaSDTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let issued = XSDDateTime.parse("2025-03-01T12:00:00Z")!
    static let now = XSDDateTime.parse("2025-06-01T00:00:00Z")!
    static let mandatory = ["/issuer", "/validFrom", "/credentialSubject/id"]
    /// The selective pointers and the values each reveals (long enough not to turn up by chance).
    static let disclosable: [(pointer: String, values: [String])] = [
        ("/credentialSubject/chemistry", ["lithium-iron-phosphate"]),
        ("/credentialSubject/manufacturer/name", ["Voltcell Manufacturing AG"]),
        ("/credentialSubject/cells/1", ["cell-serial-A2-7781", "3.29"]),
        ("/credentialSubject/carbonFootprint", ["61.2 kgCO2e/kWh"]),
    ]

    /// A battery credential whose credential, manufacturer and cells are blank nodes.
    static func credential(issuer: String) -> JSONObject {
        [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "BatteryPassCredential"],
            "issuer": .string(issuer),
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": [
                "id": "urn:uuid:5b1e8c2a-4f0d-4a7e-9a51-2f3c7d9e0b11",
                "chemistry": "lithium-iron-phosphate",
                "manufacturer": ["name": "Voltcell Manufacturing AG", "country": "DE-BY"],
                "carbonFootprint": "61.2 kgCO2e/kWh",
                "cells": [["serial": "cell-serial-A1-7780", "voltage": 3.21], ["serial": "cell-serial-A2-7781", "voltage": 3.29]],
            ],
        ]
    }

    /// A base-proofed credential from a fresh P-256 did:key issuer.
    static func issue(mandatory: [String] = mandatory) async throws -> JSONObject {
        let issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p256), cryptosuite: .ecdsaSd2023, now: { issued })
        return try await issuer.issueSelective(credential(issuer: issuer.did), mandatoryPointers: mandatory).json
    }

    static func verify(_ document: JSONObject) async throws(CredentialError) {
        _ = try await DataIntegrity.verify(document, resolver: resolver, expectation: ProofExpectation(now: now))
    }

    static func derivedProof(_ document: JSONObject) throws -> EcdsaSDDerivedProof {
        let value = try #require(document["proof"]?["proofValue"]?.stringValue)
        guard case .derived(let proof) = try EcdsaSDProofValue(parsing: value, path: "") else { throw CredentialError("test", "not derived") }
        return proof
    }

    static func replacingProof(_ document: JSONObject, with proof: EcdsaSDDerivedProof) throws -> JSONObject {
        document.replacing("proof", with: .object(try #require(document["proof"]?.objectValue).replacing("proofValue", with: .string(proof.proofValue))))
    }

    @Test func everySubsetOfTheSelectivePointersVerifiesAndShowsNothingElse() async throws {
        let base = try await Self.issue()
        let verifier = Verifier.standard(resolver: Self.resolver, now: { Self.now })
        for mask in 0..<(1 << Self.disclosable.count) {
            let chosen = Self.disclosable.indices.filter { mask >> $0 & 1 == 1 }
            let derived = try DataIntegrity.deriveSelective(base, selectivePointers: chosen.map { Self.disclosable[$0].pointer })
            let result = await verifier.verify(Credential(derived))
            #expect(result.verified, "\(chosen): \(result.failures)")

            // What was chosen is there, what was not is nowhere: not in the JSON, not in the proof.
            let text = JSONValue.object(derived.replacing("proof", with: .null)).serializedString()
            let proofBytes = try Multibase.decode(try #require(derived["proof"]?["proofValue"]?.stringValue)).bytes
            for (index, item) in Self.disclosable.enumerated() {
                for value in item.values {
                    #expect(text.contains(value) == chosen.contains(index), "\(value) with \(chosen)")
                    #expect(!proofBytes.containsSubsequence(Array(value.utf8)))
                }
            }
            for hidden in ["DE-BY", "cell-serial-A1-7780", "3.21"] { #expect(!text.contains(hidden)) }
            // Signatures for the revealed non-mandatory statements only.
            let proof = try Self.derivedProof(derived)
            // (a cell: its link, serial and voltage; the manufacturer's name: its link and name)
            let statements = chosen.map { [1, 2, 3, 1][$0] }.reduce(0, +)
            #expect(proof.signatures.count == statements, "\(chosen)")
        }
    }

    @Test func aSuiteChoiceOfEcdsaSD2023IssuesABaseProofWithoutMandatoryPointers() async throws {
        let signer = SoftwareSigner.generate(.p256)
        let issuer = try CredentialIssuer(didKeySigner: signer, cryptosuite: .ecdsaSd2023, now: { Self.issued })
        let base = try await issuer.issue(Self.credential(issuer: issuer.did)).json
        await expectError("selective_disclosure_base_proof", path: "/proof/proofValue") { try await Self.verify(base) }
        let derived = try DataIntegrity.deriveSelective(base, selectivePointers: ["/issuer", "/validFrom", "/credentialSubject"])
        try await Self.verify(derived)
        #expect(derived.removing("proof") == Self.credential(issuer: issuer.did))
        #expect(try Self.derivedProof(derived).mandatoryIndexes.isEmpty)
    }

    @Test func tamperingIsRefusedWithItsCode() async throws {
        let base = try await Self.issue()
        let derived = try DataIntegrity.deriveSelective(
            base, selectivePointers: ["/credentialSubject/chemistry", "/credentialSubject/manufacturer/name", "/credentialSubject/cells/1"])
        try await Self.verify(derived)
        let proof = try Self.derivedProof(derived)
        let subject = try #require(derived["credentialSubject"]?.objectValue)

        // A revealed value changed, a mandatory statement dropped, a statement added that was not revealed.
        let changed = derived.replacing("credentialSubject", with: .object(subject.replacing("chemistry", with: "sodium-ion")))
        let dropped = derived.removing("validFrom")
        let added = derived.replacing("credentialSubject", with: .object(subject.replacing("carbonFootprint", with: "61.2 kgCO2e/kWh")))
        // The proof itself: two signatures swapped, two labels swapped, a label missing, a signature
        // dropped, the mandatory indexes moved, another issuer's key named, the options changed.
        var swapped = proof
        swapped.signatures.swapAt(0, 1)
        var relabelled = proof
        let keys = relabelled.labelMap.keys.sorted()
        (relabelled.labelMap[keys[0]], relabelled.labelMap[keys[1]]) = (relabelled.labelMap[keys[1]], relabelled.labelMap[keys[0]])
        var unlabelled = proof
        unlabelled.labelMap[keys[0]] = nil
        var fewer = proof
        fewer.signatures.removeLast()
        var moved = proof
        moved.mandatoryIndexes = moved.mandatoryIndexes.map { $0 + 1 }
        let otherKey = SoftwareSigner.generate(.p256).verificationKey.multikey
        let otherMethod = "did:key:\(otherKey)#\(otherKey)"
        let proofObject = try #require(derived["proof"]?.objectValue)
        let cases: [(String, JSONObject)] = [
            ("changed value", changed), ("dropped mandatory statement", dropped), ("added statement", added),
            ("swapped signatures", try Self.replacingProof(derived, with: swapped)),
            ("swapped labels", try Self.replacingProof(derived, with: relabelled)),
            ("missing label", try Self.replacingProof(derived, with: unlabelled)),
            ("signature dropped", try Self.replacingProof(derived, with: fewer)),
            ("mandatory indexes moved", try Self.replacingProof(derived, with: moved)),
            ("another key", derived.replacing("proof", with: .object(proofObject.replacing("verificationMethod", with: .string(otherMethod))))),
            ("options changed", derived.replacing("proof", with: .object(proofObject.replacing("created", with: "2025-03-02T12:00:00Z")))),
        ]
        for (name, document) in cases {
            await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/proofValue") { try await Self.verify(document) }
            let result = await Verifier.standard(resolver: Self.resolver, now: { Self.now }).verify(Credential(document))
            #expect(!result.verified, "\(name)")
        }

        // A label map giving one label twice is malformed; the base proof is the holder's only.
        var merged = proof
        merged.labelMap[keys[1]] = merged.labelMap[keys[0]]
        await expectError("MALFORMED_PROOF_ERROR", path: "/proof/proofValue") { try await Self.verify(try Self.replacingProof(derived, with: merged)) }
        await expectError("selective_disclosure_base_proof", path: "/proof/proofValue") { try await Self.verify(base) }
        await expectError("selective_disclosure_base_proof", path: "/proof/proofValue") {
            try await Self.verify(derived.replacing("proof", with: .object(proofObject.replacing("proofValue", with: base["proof"]!["proofValue"]!))))
        }
    }

    @Test func pointersThatNameNothingAreRefused() async throws {
        let signer = SoftwareSigner.generate(.p256)
        let issuer = try CredentialIssuer(didKeySigner: signer, cryptosuite: .ecdsaSd2023, now: { Self.issued })
        let document = Self.credential(issuer: issuer.did)
        for pointer in ["issuer", "/credentialSubject/nope", "/credentialSubject/cells/2", "/credentialSubject/cells/01", "/credentialSubject/cells/-",
            "/credentialSubject/chemistry/0", "/a~2b"]
        {
            await expectError("selective_disclosure_pointer_invalid", path: nil) { _ = try await issuer.issueSelective(document, mandatoryPointers: [pointer]) }
        }
        let base = try await Self.issue()
        await expectError("selective_disclosure_pointer_invalid", path: nil) {
            _ = try DataIntegrity.deriveSelective(base, selectivePointers: ["/credentialSubject/cells/5"])
        }
    }

    @Test func documentsAndKeysTheSuiteCannotSignAreGenerationErrors() async throws {
        let p256 = SoftwareSigner.generate(.p256)
        let method = "did:key:\(p256.verificationKey.multikey)#\(p256.verificationKey.multikey)"
        let options = ProofOptions(cryptosuite: .ecdsaSd2023, verificationMethod: method, created: Self.issued)
        let document = Self.credential(issuer: "did:key:\(p256.verificationKey.multikey)")
        for algorithm in [KeyAlgorithm.ed25519, .p384] {
            await expectError("PROOF_GENERATION_ERROR", path: nil) {
                _ = try await DataIntegrity.signSelective(document, options: options, mandatoryPointers: [], signer: SoftwareSigner.generate(algorithm))
            }
        }
        var other = options
        other.cryptosuite = .ecdsaRdfc2019
        await expectError("PROOF_GENERATION_ERROR", path: nil) {
            _ = try await DataIntegrity.signSelective(document, options: other, mandatoryPointers: [], signer: p256)
        }
        #expect(throws: CredentialError.self) { try EcdsaSDSecrets(hmacKey: Array(repeating: 1, count: 31), proofKey: p256) }

        // An @list has blank nodes without a JSON object of their own: refused, not signed wrongly.
        var listed = document
        listed["@context"] = [
            "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2",
            ["steps": ["@id": "https://example.org/steps", "@container": "@list"]],
        ]
        listed["credentialSubject"] = .object(try #require(document["credentialSubject"]?.objectValue).replacing("steps", with: ["mined", "refined"]))
        await expectError("PROOF_GENERATION_ERROR", path: nil) {
            _ = try await DataIntegrity.signSelective(listed, options: options, mandatoryPointers: [], signer: p256)
        }

        // A JSON literal is signed whole: it can be revealed, not a part of it.
        var literal = document
        literal["@context"] = [
            "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2",
            ["report": ["@id": "https://example.org/report", "@type": "@json"]],
        ]
        literal["credentialSubject"] = .object(
            try #require(document["credentialSubject"]?.objectValue).replacing("report", with: ["cycles": 1200, "lab": ["name": "TÜV"]]))
        let base = try await DataIntegrity.signSelective(literal, options: options, mandatoryPointers: ["/issuer"], signer: p256)
        try await Self.verify(try DataIntegrity.deriveSelective(base, selectivePointers: ["/validFrom", "/credentialSubject/report"]))
        await expectError("selective_disclosure_pointer_invalid", path: nil) {
            _ = try DataIntegrity.deriveSelective(base, selectivePointers: ["/credentialSubject/report/cycles"])
        }
    }

    @Test func derivingNeedsOneBaseProofMadeForTheDocument() async throws {
        let base = try await Self.issue()
        let derived = try DataIntegrity.deriveSelective(base, selectivePointers: [])
        try await Self.verify(derived)
        await expectError("PROOF_GENERATION_ERROR", path: "/proof/proofValue") { _ = try DataIntegrity.deriveSelective(derived, selectivePointers: []) }
        await expectError("PROOF_GENERATION_ERROR", path: "/proof") {
            _ = try DataIntegrity.deriveSelective(base.removing("proof"), selectivePointers: ["/validFrom"])
        }
        // The base proof of another credential (one statement more) does not fit.
        var longer = base
        longer["name"] = "Battery passport"
        await expectError("PROOF_GENERATION_ERROR", path: "/proof/proofValue") { _ = try DataIntegrity.deriveSelective(longer, selectivePointers: []) }
        // No pointers at all: nothing to reveal.
        let bare = try await Self.issue(mandatory: [])
        await expectError("PROOF_GENERATION_ERROR", path: nil) { _ = try DataIntegrity.deriveSelective(bare, selectivePointers: []) }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
