import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The passport and reading commands against a running `voltpass serve`: a BMS emulator's key is
/// provisioned, a user submits a signed reading with `voltpass reading submit`, the operator's batch
/// incorporates it, the offline bundle verifies with `voltpass passport verify` (and a tampered one
/// does not), and a software secure element answers field diagnostics with `voltpass device respond`.
@Suite struct PassportCLITests {
    static let gtin = "04012345000009"

    @Test func readingSubmitBundleVerifyAndDeviceRespond() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cli-passport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeProcess(dataDirectory: directory.appendingPathComponent("data"), port: try CLI.freePort())
        do {
            try await server.waitUntilListening()
            let admin = try #require(server.output.firstMatch(of: /vpt_[A-Za-z0-9_-]+/).map { String($0.output) })
            try await run(server, admin: admin, directory: directory)
        } catch {
            _ = try? await server.stop(signal: SIGTERM)
            throw error
        }
        _ = try await server.stop(signal: SIGTERM)
    }

    private func run(_ server: ServeProcess, admin: String, directory: URL) async throws {
        let base = "http://127.0.0.1:\(server.port)"
        #expect(try await server.request("POST", "/operators", body: #"{"name":"cli","companyPrefixes":["4012345"]}"#, token: admin).status == 201)
        let created = try await server.request("POST", "/admin/tokens", body: #"{"role":"issuer","operators":["cli"]}"#, token: admin)
        let issuer = try #require(created.body["token"] as? String)

        // The pack's BMS and a spare secure element, keys generated inside.
        let bms = directory.appendingPathComponent("bms").path
        let initialized = try await CLI.run(["bms", "init", "--dir", bms, "--battery-id", "https://id.gs1.org/01/\(Self.gtin)/21/CLI-1", "--json"])
        #expect(initialized.status == 0, "\(initialized.error)")
        let bmsKey = try #require(try Self.json(initialized.output)["publicKeyMultibase"] as? String)
        let element = directory.appendingPathComponent("element.json").path
        let device = try await CLI.run(["device", "init", "--element", element, "--json"])
        #expect(device.status == 0, "\(device.error)")
        let elementKey = try #require(try Self.json(device.output)["publicKeyMultibase"] as? String)
        let permissions = try FileManager.default.attributesOfItem(atPath: element)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        let devices = [Self.device("CLI-1", key: bmsKey), Self.device("CLI-2", key: elementKey)].joined(separator: ",")
        let issued = try await server.request(
            "POST", "/manufacturing/device/issue", body: #"{"operator":"cli","devices":[\#(devices)]}"#, token: issuer)
        #expect(issued.status == 201, "\(issued.body)")

        // A user's signed reading, then the operator's batch.
        let userKey = directory.appendingPathComponent("user.json").path
        #expect(try await CLI.run(["key", "generate", "--type", "ed25519", "--out", userKey]).status == 0)
        let submitted = try await CLI.run(["reading", "submit", "--server", base, "--key", userKey, "--bms", bms, "--json"])
        #expect(submitted.status == 0, "\(submitted.error)")
        #expect(try Self.json(submitted.output)["status"] as? String == "pending")
        let batch = try await server.request("POST", "/operators/cli/incorporate", token: issuer)
        #expect(batch.body["incorporated"] as? Double == 1)
        // The same reading again: its commitment is used up.
        let replayed = try await CLI.run(["bms", "misbehave", "replay", "--dir", bms])
        #expect(replayed.status == 0, "\(replayed.error)")
        let refused = try await CLI.run(["reading", "submit", "--server", base, "--key", userKey, "--bms", bms])
        #expect(refused.status == 1)
        #expect(refused.error.contains("commitment_consumed"))

        // The offline bundle (its anchor the checkpoint the batch's settlement got) verifies with no
        // network and the operator's keys pinned; a tampered one does not.
        let bundleURL = try #require(URL(string: "\(base)/passports/CLI-1/bundle"))
        let (bundle, _) = try await URLSession.shared.data(from: bundleURL)
        let bundleFile = directory.appendingPathComponent("bundle.json")
        try bundle.write(to: bundleFile)
        let operatorDID = try #require(try Self.json(String(decoding: bundle, as: UTF8.self))["operator"] as? String)
        let trust = directory.appendingPathComponent("trust.json").path
        let exported = try await CLI.run(["passport", "trust", "export", "--did", operatorDID, "--allow-http-localhost", "--out", trust])
        #expect(exported.status == 0, "\(exported.error)")
        let verified = try await CLI.run(["passport", "verify", bundleFile.path, "--trust", trust, "--json"])
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(try Self.json(verified.output)["verdict"] as? String == "green", "\(verified.output)")
        let tampered = directory.appendingPathComponent("tampered.json")
        try Data(String(decoding: bundle, as: UTF8.self).replacingOccurrences(of: "\"LFP\"", with: "\"NMC\"").utf8).write(to: tampered)
        let refusedBundle = try await CLI.run(["passport", "verify", tampered.path, "--trust", trust, "--json"])
        #expect(refusedBundle.status == 1)
        #expect(refusedBundle.output.contains("PROOF_VERIFICATION_ERROR"))

        // Field diagnostics answered by the secure element.
        let challenge = try #require(try await server.request("POST", "/diagnostics/challenges").body["challenge"] as? String)
        let answer = try await CLI.run(["device", "respond", "--element", element, "--challenge", challenge])
        #expect(answer.status == 0, "\(answer.error)")
        let response = answer.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let checked = try await server.request(
            "POST", "/diagnostics/responses", body: #"{"device":"https://id.gs1.org/01/\#(Self.gtin)/21/CLI-2","challenge":"\#(challenge)","response":"\#(response)"}"#)
        #expect(checked.body["genuine"] as? Bool == true)
    }

    static func device(_ serial: String, key: String) -> String {
        #"{"gtin":"\#(gtin)","serial":"\#(serial)","model":"M1","chemistry":"LFP","ratedCapacityAh":100,"publicKeyMultibase":"\#(key)","firmware":{"version":"1.0","sha256":"\#(String(repeating: "ab", count: 32))"},"bom":{"hash":"sha256:\#(String(repeating: "cd", count: 32))"}}"#
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}
