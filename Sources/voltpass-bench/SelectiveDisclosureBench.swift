import Credentials
import Encoding
import Foundation
import Identity

/// Selective disclosure: an SD-JWT (vc+sd-jwt) passport with 40 disclosable attributes, issued and
/// verified; ecdsa-sd-2023 derive and verify of the battery credential.
extension Suite {
    static let selectiveDisclosure: [Suite] = [
        Suite(name: "sdjwt.issue-passport-40") { seconds in
            let bench = try SDJWTPassportBench()
            return try await measure("issue an SD-JWT passport, 40 disclosures (1 task)", minimumSeconds: seconds) {
                try await bench.issuer.issueSDJWT(bench.document).serialization.utf8.count
            }
        },
        Suite(name: "sdjwt.verify-passport-40") { seconds in
            let bench = try SDJWTPassportBench()
            let issued = try await bench.issuer.issueSDJWT(bench.document)
            let verifier = bench.verifier
            return await measure("verify an SD-JWT passport, all 40 disclosed (1 task)", minimumSeconds: seconds) {
                await verifier.verify(issued).verified ? 1 : 0
            }
        },
        Suite(name: "ecdsa-sd.derive") { seconds in
            let bench = try await EcdsaSDBench()
            return try await measure("derive an ecdsa-sd-2023 credential, 2 of 6 attributes (1 task)", minimumSeconds: seconds) {
                try DataIntegrity.deriveSelective(bench.base, selectivePointers: EcdsaSDBench.selective).count
            }
        },
        Suite(name: "ecdsa-sd.verify") { seconds in
            let bench = try await EcdsaSDBench()
            let derived = Credential(try DataIntegrity.deriveSelective(bench.base, selectivePointers: EcdsaSDBench.selective))
            let verifier = bench.verifier
            return await measure("verify a derived ecdsa-sd-2023 credential (1 task)", minimumSeconds: seconds) {
                await verifier.verify(derived).verified ? 1 : 0
            }
        },
    ]
}

/// A did:key issuer and a verifier resolving did:key, at a fixed time.
private func benchVerifier() -> Verifier {
    let now = XSDDateTime.parse("2027-01-01T00:00:00Z")!
    return Verifier.standard(resolver: CachingDIDResolver(MethodDispatchResolver(["key": DIDKeyResolver()]), now: { now }), now: { now })
}

/// A passport credential whose subject has 40 attributes, each disclosable.
private struct SDJWTPassportBench: Sendable {
    let issuer: CredentialIssuer
    let verifier = benchVerifier()

    init() throws {
        issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.ed25519))
    }

    var document: JSONObject {
        var subject: JSONObject = ["id": "https://id.gs1.org/01/04012345000009/21/PK-1"]
        for index in 0..<40 { subject["attribute\(index)"] = .string("value of attribute \(index)") }
        return [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "issuer": .string(issuer.did), "validFrom": "2026-01-01T00:00:00Z", "credentialSubject": .object(subject),
        ]
    }
}

/// The battery credential with an ecdsa-sd-2023 base proof (P-256 issuer).
private struct EcdsaSDBench: Sendable {
    static let selective = ["/credentialSubject/stateOfHealth", "/credentialSubject/chemistry"]
    let base: JSONObject
    let verifier = benchVerifier()

    init() async throws {
        let issuer = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p256))
        let document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"], "issuer": .string(issuer.did), "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": [
                "id": "did:example:pack-1", "stateOfHealth": 97, "chemistry": "LFP", "capacityKWh": 75, "cycles": 412,
                "supplier": "Cells Ltd", "unitPrice": "EUR 3120",
            ],
        ]
        base = try await issuer.issueSelective(document, mandatoryPointers: ["/issuer", "/validFrom", "/credentialSubject/id"]).json
    }
}
