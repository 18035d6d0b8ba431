import Credentials
import Encoding
import Foundation
import Identity
import Testing

/// `voltpass credential issue --format sd-jwt`, `presentation create --disclose` and the verify
/// commands over what they print.
@Suite("voltpass credential and presentation, SD-JWT (vc+sd-jwt)")
struct SDJWTCLITests {
    typealias C = CredentialCLITests

    @Test func issuePresentAndVerify() async throws {
        try await C.withDirectory { directory in
            let issuerKey = directory.appendingPathComponent("issuer.json").path
            #expect(try await CLI.run(["key", "generate", "--type", "p256", "--out", issuerKey]).status == 0)
            let holder = SoftwareSigner.generate(.ed25519)
            let holderKey = directory.appendingPathComponent("holder.json")
            try KeyFile.write(holder, to: holderKey)
            let unsigned: JSONValue = [
                "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                "credentialSubject": [
                    "id": .string(DIDKey.did(for: holder.verificationKey)), "capacityKWh": 75, "chemistry": "LFP prismatic", "cycles": 412,
                ],
            ]
            let input = try await C.write(unsigned.serializedString(), to: directory.appendingPathComponent("unsigned.json"))

            let issued = try await CLI.run([
                "credential", "issue", "--key", issuerKey, "--format", "sd-jwt", "--disclosable", "/credentialSubject/capacityKWh",
                "--disclosable", "/credentialSubject/chemistry", input,
            ])
            #expect(issued.status == 0, "\(issued.error)")
            let enveloped = try await C.json(issued.output)
            #expect(enveloped["type"] as? String == "EnvelopedVerifiableCredential")
            let dataURL = try #require(enveloped["id"] as? String)
            #expect(dataURL.hasPrefix("data:application/vc+sd-jwt,"))
            let credential = try await C.write(issued.output, to: directory.appendingPathComponent("vc.json"))
            let compact = try await C.write(
                String(dataURL.dropFirst("data:application/vc+sd-jwt,".count)) + "\n", to: directory.appendingPathComponent("vc.sd-jwt"))
            for file in [credential, compact] {
                let verified = try await CLI.run(["credential", "verify", "--json", file])
                #expect(verified.status == 0, "\(file): \(verified.output) \(verified.error)")
            }

            let created = try await CLI.run([
                "presentation", "create", "--key", holderKey.path, "--challenge", "-c1", "--domain", "verifier.example", "--disclose",
                "/credentialSubject/capacityKWh", credential,
            ])
            #expect(created.status == 0, "\(created.error)")
            let presented = try await C.json(created.output)
            #expect(presented["type"] as? String == "EnvelopedVerifiablePresentation")
            let disclosed = try SDJWTCredential(dataURL: try #require(presented["id"] as? String))
            #expect(disclosed.disclosedPaths == ["/credentialSubject/capacityKWh"])
            #expect(disclosed.document["credentialSubject"]?["cycles"] == 412, "not disclosable: in the clear")
            #expect(!created.output.contains("LFP") && disclosed.document["credentialSubject"]?["chemistry"] == nil)
            let presentation = try await C.write(created.output, to: directory.appendingPathComponent("vp.json"))
            let checked = try await CLI.run(["presentation", "verify", "--challenge", "-c1", "--domain", "verifier.example", presentation])
            #expect(checked.status == 0, "\(checked.output)")
            let replayed = try await CLI.run(["presentation", "verify", "--challenge", "other", "--domain", "verifier.example", "--json", presentation])
            #expect(replayed.status == 1)
            #expect(C.codes(try await C.json(replayed.output)) == ["sd_jwt_nonce_mismatch"])

            // Usage errors: exit status 2 and what was wrong.
            let present = ["presentation", "create", "--key", holderKey.path, "--challenge", "c"]
            for (arguments, message) in [
                (present + ["--disclose", "/credentialSubject/capacityKWh", credential], "--domain"),
                (present + ["--domain", "d", "--disclose", "/credentialSubject/serial", credential], "sd_jwt_pointer_invalid"),
                (present + ["--domain", "d", "--disclose", "/credentialSubject/cycles", credential, credential], "exactly one"),
                (present + ["--domain", "d", credential], "--disclose"),
                (["presentation", "create", "--key", issuerKey, "--challenge", "c", "--domain", "d", "--disclose", "/credentialSubject/capacityKWh", credential], "sd_jwt_key_binding_invalid"),
                (["credential", "issue", "--key", issuerKey, "--disclosable", "/credentialSubject/cycles", input], "--format sd-jwt"),
                (["credential", "issue", "--key", issuerKey, "--format", "sd-jwt", "--disclosable", "/validFrom", input], "sd_jwt_claim_not_disclosable"),
            ] {
                let refused = try await CLI.run(arguments)
                #expect(refused.status == 2, "\(arguments)")
                #expect(refused.error.contains(message), "\(arguments): \(refused.error)")
            }
        }
    }
}
