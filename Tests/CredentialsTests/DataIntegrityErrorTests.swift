import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// Bad proofs get the Data Integrity error code and the JSON Pointer of what was wrong, never a crash.
@Suite struct DataIntegrityErrorTests {
    let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    let now = XSDDateTime.parse("2025-07-01T00:00:00Z")!
    let issuer = TestIssuer()

    func signed(_ options: (inout ProofOptions) -> Void = { _ in }) async throws -> JSONObject {
        var proofOptions = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: issuer.method, created: XSDDateTime.parse("2025-06-01T00:00:00Z"))
        options(&proofOptions)
        return try await DataIntegrity.sign(issuer.credential(), options: proofOptions, signer: issuer.signer)
    }

    func verify(_ document: JSONObject, _ expectation: ProofExpectation? = nil) async throws {
        _ = try await DataIntegrity.verify(document, resolver: resolver, expectation: expectation ?? ProofExpectation(now: now))
    }

    func withProof(_ document: JSONObject, _ change: (inout JSONObject) -> Void) -> JSONObject {
        var proof = document["proof"]!.objectValue!
        change(&proof)
        return document.replacing("proof", with: .object(proof))
    }

    @Test func proofsThatAreNotObjects() async throws {
        let document = try await signed()
        await expectError("PARSING_ERROR", path: "/proof") { try await verify(document.replacing("proof", with: "z123")) }
        await expectError("PARSING_ERROR", path: "/proof/1") {
            try await verify(document.replacing("proof", with: [document["proof"]!, 7]))
        }
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof") { try await verify(document.replacing("proof", with: [])) }
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof") { try await verify(document.removing("proof")) }
    }

    @Test func malformedProofValues() async throws {
        let document = try await signed()
        for value: JSONValue in ["", "z", "z0OIl", "mAAAA", 42, "z2HnFSSPPBzR36zdDgK8"] {
            await expectError("MALFORMED_PROOF_ERROR", path: "/proof/proofValue") {
                try await verify(withProof(document) { $0["proofValue"] = value })
            }
        }
        // A well-formed signature by another key simply does not verify.
        let other = Multibase.encode(try await TestIssuer().signer.sign([1, 2, 3]), as: .base58btc)
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/proofValue") {
            try await verify(withProof(document) { $0["proofValue"] = .string(other) })
        }
    }

    @Test func unresolvableVerificationMethods() async throws {
        let document = try await signed()
        for method in ["not-a-did", "did:example:issuer#key-1", "did:key:z6MkBroken#z6MkBroken", issuer.did + "#other"] {
            await expectError("INVALID_VERIFICATION_METHOD", path: "/proof/verificationMethod") {
                try await verify(withProof(document) { $0["verificationMethod"] = .string(method) })
            }
        }
    }

    @Test func wrongTypeOrSuite() async throws {
        let document = try await signed()
        await expectError("unsupported_cryptosuite", path: "/proof/type") {
            try await verify(withProof(document) { $0["type"] = "EcdsaSecp256k1Signature2019" })
        }
        // Ed25519Signature2020 is read (verify only); its proofs name no cryptosuite.
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/cryptosuite") {
            try await verify(withProof(document) { $0["type"] = "Ed25519Signature2020" })
        }
        await expectError("unsupported_cryptosuite", path: "/proof/cryptosuite") {
            try await verify(withProof(document) { $0["cryptosuite"] = "eddsa-future-2099" })
        }
        // A JCS signature read as RDFC (another canonical form) does not verify.
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof") {
            try await verify(withProof(document) { $0["cryptosuite"] = "eddsa-rdfc-2022" })
        }
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/verificationMethod") {
            try await verify(withProof(document) { $0["cryptosuite"] = "ecdsa-jcs-2019" })
        }
    }

    @Test func expiredProofs() async throws {
        let document = try await signed { $0.expires = XSDDateTime.parse("2025-06-30T00:00:00Z") }
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/expires") { try await verify(document) }
        _ = try await DataIntegrity.verify(
            document, resolver: resolver, expectation: ProofExpectation(now: XSDDateTime.parse("2025-06-29T00:00:00Z")!))
    }

    @Test func domainsAreMatchedExactly() async throws {
        let document = try await signed {
            $0.proofPurpose = .authentication
            $0.domain = ["https://a.example", "https://b.example"]
            $0.challenge = "xyz"
        }
        #expect(document["proof"]?["domain"] == ["https://a.example", "https://b.example"])
        try await verify(document, ProofExpectation(proofPurpose: .authentication, domain: "https://b.example", challenge: "xyz", now: now))
        await expectError("INVALID_DOMAIN_ERROR", path: "/proof/domain") {
            try await verify(document, ProofExpectation(proofPurpose: .authentication, domain: "https://a.example/", now: now))
        }
        let noChallenge = withProof(document) { $0.removeValue(forKey: "challenge") }
        await expectError("INVALID_CHALLENGE_ERROR", path: "/proof/challenge") {
            try await verify(noChallenge, ProofExpectation(proofPurpose: .authentication, challenge: "xyz", now: now))
        }
    }

    @Test func dateTimeStamps() {
        #expect(XSDDateTime.parse("2023-02-25T19:10:39-06:00") == XSDDateTime.parse("2023-02-26T01:10:39Z"))
        #expect(XSDDateTime.parse("2023-02-26T01:02:58.447Z")!.timeIntervalSince1970 == 1_677_373_378.447)
        #expect(XSDDateTime.parse("4023-02-26T01:02:58Z") != nil)
        #expect(XSDDateTime.parse("2024-02-29T00:00:00Z") != nil)
        for bad in [
            "2023-02-29T00:00:00Z", "2023-02-26T01:02:58", "2023-02-26 01:02:58Z", "2023-02-26T24:00:00Z",
            "2023-02-26T01:02:58+15:00", "2023-02-26T01:02:58.Z", "02023-02-26T01:02:58Z", "Sat 25 Feb 2023", "",
        ] {
            #expect(XSDDateTime.parse(bad) == nil, "\(bad)")
        }
        #expect(XSDDateTime.format(XSDDateTime.parse("2023-02-26T01:02:58Z")!) == "2023-02-26T01:02:58Z")
    }
}
