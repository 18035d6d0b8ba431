import Credentials
import Encoding
import Foundation
import Identity
import Testing

@Suite("voltpass credential and presentation")
struct CredentialCLITests {
    static let unsigned =
        #"{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:pack-3","capacityKWh":75}}"#

    /// `unsigned` naming the server on `port` as issuer, as `POST /credentials/issue` requires.
    static func issuable(port: Int) -> String {
        unsigned.replacingOccurrences(of: #""type""#, with: #""issuer":"did:web:localhost%3A\#(port)","type""#)
    }

    /// A temporary directory, removed afterwards.
    static func withDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cred-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory)
    }

    static func write(_ text: String, to url: URL) async throws -> String {
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static func json(_ text: String) async throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func codes(_ result: [String: Any]) -> [String] {
        (result["failures"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    /// The error codes of a VC API verification result (its `problemDetails`).
    static func problemCodes(_ result: [String: Any]) -> [String] {
        (result["problemDetails"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }.compactMap { $0["code"] as? String }
    }

    static func serialized(_ object: Any) async throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// Runs `voltpass serve` on a free port with an issuer token; stops it afterwards.
    static func withServer(_ directory: URL, _ body: (ServeProcess, String) async throws -> Void) async throws {
        let server = try ServeProcess(dataDirectory: directory.appendingPathComponent("data"), port: try CLI.freePort())
        do {
            try await server.waitUntilListening()
            let admin = try #require(server.output.firstMatch(of: /vpt_[A-Za-z0-9_-]+/).map { String($0.output) })
            let created = try await server.request("POST", "/admin/tokens", body: #"{"role":"issuer","operators":["instance"]}"#, token: admin)
            try await body(server, try #require(created.body["token"] as? String))
        } catch {
            _ = try? await server.stop(signal: SIGTERM)
            throw error
        }
        _ = try await server.stop(signal: SIGTERM)
    }

    @Test("a credential issued over HTTP verifies with the CLI, and fails with 'revoked' once revoked")
    func httpToCLI() async throws {
        try await Self.withDirectory { directory in
            try await Self.withServer(directory) { server, token in
                let list = try await server.request("POST", "/status-lists", body: #"{"statusPurpose":"revocation","id":"r1"}"#, token: token)
                #expect(list.status == 201)
                let issued = try await server.request(
                    "POST", "/credentials/issue",
                    body: #"{"credential":\#(Self.issuable(port: server.port)),"options":{"credentialId":"urn:uuid:pack-3","statusLists":["r1"]}}"#,
                    token: token)
                #expect(issued.status == 201)
                let credential = try #require(issued.body["verifiableCredential"] as? [String: Any])
                #expect(credential["issuer"] as? String == "did:web:localhost%3A\(server.port)")
                let file = try await Self.write(try Self.serialized(credential), to: directory.appendingPathComponent("vc.json"))

                let verified = try await CLI.run(["credential", "verify", "--allow-http-localhost", "--json", file])
                #expect(verified.status == 0, "\(verified.output) \(verified.error)")
                let result = try await Self.json(verified.output)
                #expect(result["verified"] as? Bool == true)
                #expect((result["checks"] as? [String])?.contains("status") == true)
                let warnings = (result["warnings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(warnings == ["issuer_authority_unconfirmed"])

                let withoutHTTP = try await CLI.run(["credential", "verify", "--json", file])
                #expect(withoutHTTP.status == 1)
                await #expect(Self.codes(try Self.json(withoutHTTP.output)) == ["INVALID_VERIFICATION_METHOD", "status_unreachable"])

                let revoke = try await server.request(
                    "POST", "/credentials/status",
                    body: #"{"credentialId":"urn:uuid:pack-3","credentialStatus":{"statusPurpose":"revocation"},"status":true}"#,
                    token: token)
                #expect(revoke.status == 200)
                let revoked = try await CLI.run(["credential", "verify", "--allow-http-localhost", "--json", file])
                #expect(revoked.status == 1)
                await #expect(Self.codes(try Self.json(revoked.output)) == ["revoked"])
                let text = try await CLI.run(["credential", "verify", "--allow-http-localhost", file])
                #expect(text.output.hasPrefix("not verified"))
                #expect(text.output.contains("failure revoked at /credentialStatus"))
            }
        }
    }

    @Test("voltpass status create, suspend, reinstate and revoke change what the verifier sees")
    func statusCommands() async throws {
        try await Self.withDirectory { directory in
            try await Self.withServer(directory) { server, token in
                let service = ["--server", "http://127.0.0.1:\(server.port)", "--token", token]
                for (purpose, id) in [("revocation", "rev"), ("suspension", "sus")] {
                    let created = try await CLI.run(["status", "create", "--purpose", purpose, "--id", id, "--json"] + service)
                    #expect(created.status == 0, "\(created.error)")
                    await #expect(try Self.json(created.output)["id"] as? String == "http://localhost:\(server.port)/status-lists/\(id)")
                }
                let issued = try await server.request(
                    "POST", "/credentials/issue",
                    body: #"{"credential":\#(Self.issuable(port: server.port)),"options":{"credentialId":"urn:uuid:p-9","statusLists":["rev","sus"]}}"#,
                    token: token)
                let file = try await Self.write(
                    try Self.serialized(try #require(issued.body["verifiableCredential"])), to: directory.appendingPathComponent("vc.json"))
                func verify() async throws -> (Int32, [String]) {
                    let result = try await CLI.run(["credential", "verify", "--allow-http-localhost", "--json", file])
                    return await (result.status, Self.codes(try Self.json(result.output)))
                }
                #expect(try await CLI.run(["status", "suspend", "urn:uuid:p-9"] + service).status == 0)
                await #expect(try verify() == (1, ["suspended"]))
                #expect(try await CLI.run(["status", "reinstate", "urn:uuid:p-9"] + service).status == 0)
                await #expect(try verify() == (0, []))
                #expect(try await CLI.run(["status", "revoke", "urn:uuid:p-9"] + service).status == 0)
                await #expect(try verify() == (1, ["revoked"]))

                let refused = try await CLI.run(["status", "revoke", "urn:uuid:unknown"] + service)
                #expect(refused.status == 1)
                #expect(refused.error.contains("credential_not_found"))
                let noToken = try await CLI.run(["status", "revoke", "urn:uuid:p-9", "--server", "http://127.0.0.1:\(server.port)", "--token", "vpt_wrong"])
                #expect(noToken.status == 1)
                #expect(noToken.error.contains("unauthorized"))
            }
        }
    }

    static let keysAndSuites = [
        ("ed25519", "eddsa-jcs-2022"), ("ed25519", "eddsa-rdfc-2022"), ("p256", "ecdsa-jcs-2019"), ("p256", "ecdsa-rdfc-2019"),
        ("p384", "ecdsa-jcs-2019"), ("p384", "ecdsa-rdfc-2019"),
    ]

    @Test("credentials issued by the CLI (did:key, every cryptosuite and key type) verify over HTTP")
    func cliToHTTP() async throws {
        try await Self.withDirectory { directory in
            let input = try await Self.write(Self.unsigned, to: directory.appendingPathComponent("unsigned.json"))
            try await Self.withServer(directory) { server, _ in
                for (type, suite) in Self.keysAndSuites {
                    let key = directory.appendingPathComponent("\(type)-\(suite).json").path
                    #expect(try await CLI.run(["key", "generate", "--type", type, "--out", key]).status == 0)
                    let issued = try await CLI.run(["credential", "issue", "--key", key, "--cryptosuite", suite, input])
                    #expect(issued.status == 0, "\(issued.error)")
                    let credential = try await Self.json(issued.output)
                    #expect((credential["issuer"] as? String)?.hasPrefix("did:key:z") == true)
                    let response = try await server.request(
                        "POST", "/credentials/verify", body: #"{"verifiableCredential":\#(issued.output)}"#)
                    #expect(response.status == 200, "\(response.body)")
                    #expect(response.body["verified"] as? Bool == true)

                    #expect((credential["proof"] as? [String: Any])?["cryptosuite"] as? String == suite)
                    let file = try await Self.write(issued.output, to: directory.appendingPathComponent("\(type)-\(suite)-vc.json"))
                    #expect(try await CLI.run(["credential", "verify", file]).status == 0)
                }
                // Each verification is one audit line in the server's JSON log.
                let audits = server.log.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                }.filter { $0["audit"] as? String == "verification" }
                #expect(audits.count == Self.keysAndSuites.count)
                #expect(audits.allSatisfy { $0["verified"] as? String == "true" && $0["kind"] as? String == "credential" })
            }
        }
    }

    @Test("presentations: created by the CLI for a server challenge; a replay fails with INVALID_CHALLENGE_ERROR")
    func presentations() async throws {
        try await Self.withDirectory { directory in
            let input = try await Self.write(Self.unsigned, to: directory.appendingPathComponent("unsigned.json"))
            let issuerKey = directory.appendingPathComponent("issuer.json").path
            let holderKey = directory.appendingPathComponent("holder.json").path
            #expect(try await CLI.run(["key", "generate", "--out", issuerKey]).status == 0)
            #expect(try await CLI.run(["key", "generate", "--out", holderKey]).status == 0)
            let credential = try await Self.write(
                try await CLI.run(["credential", "issue", "--key", issuerKey, input]).output, to: directory.appendingPathComponent("vc.json"))
            try await Self.withServer(directory) { server, _ in
                let challenge = try #require(try await server.request("POST", "/challenges").body["challenge"] as? String)
                let created = try await CLI.run([
                    "presentation", "create", "--key", holderKey, "--challenge", challenge, "--domain", "verifier.example", credential,
                ])
                #expect(created.status == 0, "\(created.error)")
                let presentation = try await Self.write(created.output, to: directory.appendingPathComponent("vp.json"))

                let local = try await CLI.run(["presentation", "verify", "--challenge", challenge, "--domain", "verifier.example", presentation])
                #expect(local.status == 0, "\(local.output)")
                let wrong = try await CLI.run(["presentation", "verify", "--challenge", "other", "--domain", "verifier.example", "--json", presentation])
                #expect(wrong.status == 1)
                await #expect(Self.codes(try Self.json(wrong.output)) == ["INVALID_CHALLENGE_ERROR"])
                // Base64url challenges may begin with "-"; they are values, not options.
                let dashed = try await CLI.run([
                    "presentation", "create", "--key", holderKey, "--challenge", "-dashed", "--domain", "verifier.example", credential,
                ])
                #expect(dashed.status == 0, "\(dashed.error)")
                let dashedFile = try await Self.write(dashed.output, to: directory.appendingPathComponent("dashed.json"))
                let dashedCheck = try await CLI.run(["presentation", "verify", "--challenge", "-dashed", "--domain", "verifier.example", dashedFile])
                #expect(dashedCheck.status == 0, "\(dashedCheck.output)")

                // Enveloped (VC-JOSE-COSE) instead of a Data Integrity proof: the challenge is the nonce claim.
                for format in ["vp+jwt", "vp+cose"] {
                    let enveloped = try await CLI.run([
                        "presentation", "create", "--key", holderKey, "--challenge", challenge, "--domain", "verifier.example",
                        "--format", format, credential,
                    ])
                    #expect(enveloped.status == 0, "\(enveloped.error)")
                    #expect(try await Self.json(enveloped.output)["type"] as? String == "EnvelopedVerifiablePresentation")
                    let file = try await Self.write(enveloped.output, to: directory.appendingPathComponent("\(format).json"))
                    let checked = try await CLI.run(["presentation", "verify", "--challenge", challenge, "--domain", "verifier.example", file])
                    #expect(checked.status == 0, "\(checked.output)")
                    let other = try await CLI.run(["presentation", "verify", "--challenge", "other", "--domain", "verifier.example", file])
                    #expect(other.status == 1)
                }
                #expect(try await CLI.run(["presentation", "create", "--key", holderKey, "--challenge", "c", "--format", "vc+jwt", credential]).status == 2)

                let body = #"{"verifiablePresentation":\#(created.output),"options":{"challenge":"\#(challenge)","domain":"verifier.example"}}"#
                let first = try await server.request("POST", "/presentations/verify", body: body)
                #expect(first.body["verified"] as? Bool == true)
                let replayed = try await server.request("POST", "/presentations/verify", body: body)
                #expect(replayed.body["verified"] as? Bool == false)
                #expect(Self.problemCodes(replayed.body) == ["INVALID_CHALLENGE_ERROR"])
            }
        }
    }

    @Test("--registry: a listed issuer verifies, an unlisted one fails with issuer_not_authorized")
    func registry() async throws {
        try await Self.withDirectory { directory in
            let input = try await Self.write(Self.unsigned, to: directory.appendingPathComponent("unsigned.json"))
            let listed = SoftwareSigner.generate(.ed25519)
            let authority = try CredentialIssuer(didKeySigner: .generate(.ed25519))
            let registry = IssuerRegistry(
                id: "https://registry.example/batteries", trustFramework: "https://framework.example/eu-battery",
                authority: authority.did, issuers: [.init(issuer: DIDKey.did(for: listed.verificationKey))])
            let signed = try await registry.signed(signer: authority.signer, verificationMethod: authority.verificationMethod, now: Date())
            let registryFile = try await Self.write(JSONValue.object(signed).serializedString(), to: directory.appendingPathComponent("registry.json"))

            let listedKey = directory.appendingPathComponent("listed.json")
            try KeyFile.write(listed, to: listedKey)
            let otherKey = directory.appendingPathComponent("other.json").path
            #expect(try await CLI.run(["key", "generate", "--out", otherKey]).status == 0)
            for (key, expected) in [(listedKey.path, [String]()), (otherKey, ["issuer_not_authorized"])] {
                let file = try await Self.write(
                    try await CLI.run(["credential", "issue", "--key", key, input]).output, to: directory.appendingPathComponent("vc.json"))
                let result = try await CLI.run(["credential", "verify", "--registry", registryFile, "--json", file])
                #expect(result.status == (expected.isEmpty ? 0 : 1))
                await #expect(Self.codes(try Self.json(result.output)) == expected)
            }
        }
    }

    @Test("usage errors exit 2; a bad key or input is reported with its code")
    func usageErrors() async throws {
        try await Self.withDirectory { directory in
            let input = try await Self.write(Self.unsigned, to: directory.appendingPathComponent("unsigned.json"))
            let key = directory.appendingPathComponent("key.json").path
            #expect(try await CLI.run(["key", "generate", "--out", key]).status == 0)

            #expect(try await CLI.run(["credential", "verify", directory.appendingPathComponent("missing.json").path]).status == 2)
            #expect(try await CLI.run(["credential", "issue", "--key", directory.appendingPathComponent("none.json").path, input]).status == 2)
            #expect(try await CLI.run(["credential", "issue", "--key", key, "--cryptosuite", "bbs-2023", input]).status == 2)
            let notJSON = try await Self.write("{nope", to: directory.appendingPathComponent("bad.json"))
            #expect(try await CLI.run(["credential", "issue", "--key", key, notJSON]).status == 2)
            #expect(try await CLI.run(["credential", "verify", "--registry", notJSON, input]).status == 2)
            let unknownOption = try await CLI.run(["credential", "verify", "--no-such-option", input])
            #expect(unknownOption.status == 2, "argument parsing errors are usage errors too")
            #expect(unknownOption.error.contains("no-such-option"))

            let mismatch = try await CLI.run(["credential", "issue", "--key", key, "--cryptosuite", "ecdsa-jcs-2019", input])
            #expect(mismatch.status == 1)
            #expect(mismatch.error.contains("PROOF_GENERATION_ERROR"))

            let malformed = try await CLI.run(["credential", "verify", "--json", notJSON])
            #expect(malformed.status == 1)
            await #expect(Self.codes(try Self.json(malformed.output)) == ["malformed_credential"])
            let unsigned = try await CLI.run(["credential", "verify", "--json", input])
            #expect(unsigned.status == 1)
            await #expect(Self.codes(try Self.json(unsigned.output)).contains("PROOF_VERIFICATION_ERROR"))
        }
    }
}
