import Foundation
import Testing

@Suite("voltpass command line", .serialized)
struct CLITests {
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cli-\(UUID().uuidString)")

    @Test("serve: first start prints the admin token once, serves health and its DID, stops on SIGTERM and SIGINT")
    func serve() async throws {
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let port = try CLI.freePort()
        let first = try ServeProcess(dataDirectory: dataDirectory, port: port)
        try await first.waitUntilListening()
        let tokenLine = try #require(first.output.split(separator: "\n").first { $0.contains("admin token") })
        let token = try #require(tokenLine.split(separator: " ").last.map(String.init))
        #expect(token.hasPrefix("vpt_"))

        let health = try await first.request("GET", "/health")
        #expect(health.status == 200)
        #expect(health.body["status"] as? String == "ok")
        let unauthorized = try await first.request("POST", "/admin/tokens", body: #"{"role":"issuer"}"#)
        #expect(unauthorized.status == 401)
        #expect(unauthorized.body["code"] as? String == "unauthorized")
        let created = try await first.request("POST", "/admin/tokens", body: #"{"role":"issuer","operators":["instance"]}"#, token: token)
        #expect(created.status == 201)

        // Another process resolves the server's did:web DID over HTTP.
        let did = "did:web:localhost%3A\(port)"
        let resolved = try await CLI.run(["did", "resolve", did, "--json", "--allow-http-localhost"])
        #expect(resolved.status == 0, "\(resolved.error)")
        let document = try JSONSerialization.jsonObject(with: Data(resolved.output.utf8)) as? [String: Any]
        #expect(document?["id"] as? String == did)

        #expect(try await first.stop(signal: SIGTERM) == 0)
        // --log-format json: every log line is one JSON object with time, level and message.
        let logLines = first.log.split(separator: "\n")
        #expect(logLines.count >= 2)
        for line in logLines {
            let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(entry?["message"] is String && entry?["level"] is String && entry?["time"] is String, "\(line)")
        }
        #expect(logLines.contains { $0.contains("/health") })

        let second = try ServeProcess(dataDirectory: dataDirectory, port: port)
        try await second.waitUntilListening()
        #expect(!second.output.contains("admin token"), "the token is shown only on the first start")
        let again = try await second.request("GET", "/admin/tokens", token: token)
        #expect(again.status == 200, "the token from the first start still works")
        #expect(try await second.stop(signal: SIGINT) == 0)
    }

    @Test("key generate writes a 0600 Multikey file whose did:key resolves", arguments: ["ed25519", "p256"])
    func keyGenerate(type: String) async throws {
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let file = dataDirectory.appendingPathComponent("key.json")
        let generated = try await CLI.run(["key", "generate", "--type", type, "--out", file.path, "--json"])
        #expect(generated.status == 0, "\(generated.error)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(generated.output.utf8)) as? [String: Any])
        let did = try #require(summary["did"] as? String)
        #expect(did.hasPrefix(type == "ed25519" ? "did:key:z6Mk" : "did:key:zDn"))

        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let keyFile = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(keyFile["type"] as? String == "Multikey")
        #expect(keyFile["publicKeyMultibase"] as? String == summary["publicKeyMultibase"] as? String)
        #expect((keyFile["secretKeyMultibase"] as? String)?.hasPrefix("z") == true)

        let resolved = try await CLI.run(["did", "resolve", did])
        #expect(resolved.status == 0)
        #expect(resolved.output.contains(did))
        #expect(resolved.output.contains("assertionMethod"))
    }

    @Test("bad input exits non-zero with the error code", arguments: [
        (["did", "resolve", "did:example:123"], "methodNotSupported"),
        (["did", "resolve", "did:key:z6MkhaX"], "unsupportedPublicKeyType"),
        // An Ed25519 header with a 31-byte key.
        (["did", "resolve", "did:key:z2DQUyFVAEfvDjYRPtvHSJtztMsCSrYpntBE51RxhhkqQhb"], "invalidPublicKeyLength"),
        (["did", "resolve", "not-a-did"], "invalidDid"),
        (["key", "generate", "--type", "rsa"], "rsa"),
    ])
    func badInput(arguments: [String], expected: String) async throws {
        let result = try await CLI.run(arguments)
        #expect(result.status != 0)
        #expect(result.error.contains(expected), "\(result.error)")
    }
}
