import Encoding
import Foundation
import HSMTestSupport
import Identity
import Testing

@testable import Credentials

/// Credentials signed by keys that never leave a PKCS#11 token (SoftHSM2) verify like any other.
@Suite(.serialized, .enabled(if: SoftHSM.shouldRun, "SoftHSM2 is not installed (Debian package softhsm2)"))
struct PKCS11CredentialTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func issuesWithAnHSMKeyAndVerifies(algorithm: KeyAlgorithm) async throws {
        let token = try PKCS11Token.open(try SoftHSM.configuration(.credentials))
        let signer = try token.generateKeyPair(algorithm, label: "issuer-\(UUID().uuidString)", id: Array(UUID().uuidString.utf8))
        let key = try PublicKey(algorithm: signer.algorithm, rawRepresentation: signer.publicKey)
        let did = DIDKey.did(for: key)
        let issuer = try CredentialIssuer(signer: signer, verificationMethod: did + "#" + key.multikey, now: at("2025-05-05T05:05:05Z"))
        let credential = try await issuer.issue([
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": ["id": "did:example:pack-0042", "cellCount": 96],
        ])
        #expect(credential.proofs.first?["cryptosuite"] == .string(algorithm == .ed25519 ? "eddsa-jcs-2022" : "ecdsa-jcs-2019"))
        let verifier = Verifier.standard(resolver: MethodDispatchResolver(["key": DIDKeyResolver()]), now: at("2025-06-01T00:00:00Z"))
        let result = await verifier.verify(credential)
        #expect(result.verified, "\(result.failures)")

        // A changed subject no longer verifies: the proof covers what the HSM signed.
        var tampered = credential.json
        tampered["credentialSubject"] = ["id": "did:example:pack-0042", "cellCount": 97]
        #expect(await !verifier.verify(Credential(tampered)).verified)
    }
}
