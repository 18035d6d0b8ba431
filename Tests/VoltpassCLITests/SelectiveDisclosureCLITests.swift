import Encoding
import Foundation
import Testing

/// `voltpass credential issue --mandatory-pointer …` (ecdsa-sd-2023), `credential derive
/// --selective-pointer …` and `credential verify` of the derived credential.
@Suite("voltpass credential, ecdsa-sd-2023")
struct SelectiveDisclosureCLITests {
    typealias C = CredentialCLITests

    @Test func issueDeriveAndVerify() async throws {
        try await C.withDirectory { directory in
            let issuerKey = directory.appendingPathComponent("issuer.json").path
            #expect(try await CLI.run(["key", "generate", "--type", "p256", "--out", issuerKey]).status == 0)
            let unsigned: JSONValue = [
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
                "type": ["VerifiableCredential"], "validFrom": "2025-01-01T00:00:00Z",
                "credentialSubject": ["id": "did:example:pack-1", "tariffCode": "8507.60", "supplier": "Confidential Cells Ltd"],
            ]
            let input = try await C.write(unsigned.serializedString(), to: directory.appendingPathComponent("unsigned.json"))
            let issued = try await CLI.run([
                "credential", "issue", "--key", issuerKey, "--mandatory-pointer", "/issuer", "--mandatory-pointer", "/validFrom",
                "--mandatory-pointer", "/credentialSubject/id", input,
            ])
            #expect(issued.status == 0, "\(issued.error)")
            #expect(issued.output.contains("ecdsa-sd-2023"))
            let base = try await C.write(issued.output, to: directory.appendingPathComponent("base.json"))
            // Verifiers check derived proofs only.
            #expect(try await CLI.run(["credential", "verify", base]).status == 1)

            let derived = try await CLI.run(["credential", "derive", "--selective-pointer", "/credentialSubject/tariffCode", base])
            #expect(derived.status == 0, "\(derived.error)")
            #expect(derived.output.contains("8507.60") && !derived.output.contains("Confidential Cells"))
            let file = try await C.write(derived.output, to: directory.appendingPathComponent("derived.json"))
            let verified = try await CLI.run(["credential", "verify", file])
            #expect(verified.status == 0, "\(verified.output)")

            let unknown = try await CLI.run(["credential", "derive", "--selective-pointer", "/credentialSubject/missing", base])
            #expect(unknown.status == 2)
            #expect(unknown.error.contains("selective_disclosure_pointer_invalid"))
            let misplaced = try await CLI.run(["credential", "issue", "--key", issuerKey, "--format", "vc+jwt", "--mandatory-pointer", "/issuer", input])
            #expect(misplaced.status == 2)
        }
    }
}
