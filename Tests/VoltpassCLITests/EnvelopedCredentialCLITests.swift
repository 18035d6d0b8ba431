import Foundation
import Testing

/// `voltpass credential issue --format vc+jwt|vc+cose` and `credential verify` of what it prints,
/// of the bare compact JWS and of the data: URL.
@Suite("voltpass credential, enveloped (VC-JOSE-COSE)")
struct EnvelopedCredentialCLITests {
    @Test(arguments: ["ed25519", "p256", "p384"])
    func issueAndVerify(type: String) async throws {
        try await CredentialCLITests.withDirectory { directory in
            let key = directory.appendingPathComponent("key.json").path
            #expect(try await CLI.run(["key", "generate", "--type", type, "--out", key]).status == 0)
            let input = try await CredentialCLITests.write(CredentialCLITests.unsigned, to: directory.appendingPathComponent("vc.json"))
            for format in ["vc+jwt", "vc+cose"] {
                let issued = try await CLI.run(["credential", "issue", "--key", key, "--format", format, input])
                #expect(issued.status == 0, "\(issued.error)")
                let enveloped = try await CredentialCLITests.json(issued.output)
                #expect(enveloped["type"] as? String == "EnvelopedVerifiableCredential")
                let dataURL = try #require(enveloped["id"] as? String)
                var files = [
                    try await CredentialCLITests.write(issued.output, to: directory.appendingPathComponent("\(format).json")),
                    try await CredentialCLITests.write(dataURL, to: directory.appendingPathComponent("\(format).url")),
                ]
                if format == "vc+jwt" {
                    let token = String(dataURL.dropFirst("data:application/vc+jwt,".count))
                    files.append(try await CredentialCLITests.write(token + "\n", to: directory.appendingPathComponent("vc.jwt")))
                }
                for file in files {
                    let verified = try await CLI.run(["credential", "verify", "--json", file])
                    #expect(verified.status == 0, "\(file): \(verified.output) \(verified.error)")
                }
                // One character of the signature, ten from the end (before any base64 padding), changed.
                var tampered = Array(dataURL)
                tampered[tampered.count - 10] = tampered[tampered.count - 10] == "A" ? "B" : "A"
                let file = try await CredentialCLITests.write(String(tampered), to: directory.appendingPathComponent("bad.url"))
                let rejected = try await CLI.run(["credential", "verify", "--json", file])
                #expect(rejected.status == 1)
                #expect(
                    CredentialCLITests.codes(try await CredentialCLITests.json(rejected.output)).first
                        == (format == "vc+jwt" ? "jose_invalid_signature" : "cose_signature_invalid"))
            }
            let refused = try await CLI.run(["credential", "issue", "--key", key, "--format", "vp+jwt", input])
            #expect(refused.status == 2)
            #expect(refused.error.contains("vc+jwt, vc+cose or sd-jwt"))
        }
    }
}
