import Foundation
import Testing

@Suite("voltpass bms and reading", .serialized)
struct BMSCLITests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-bms-cli-\(UUID().uuidString)")
    var bms: String { directory.appendingPathComponent("bms").path }
    static let challenge = String(repeating: "5b", count: 32)

    func run(_ arguments: [String]) async throws -> CLI.Result { try await CLI.run(arguments) }

    func json(_ result: CLI.Result) async throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output) \(result.error)")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @Test("init, cycle, read, status and verify by key and by did:key", arguments: ["ed25519", "p256"])
    func honestReadings(type: String) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let created = try await json(try run(["bms", "init", "--dir", bms, "--battery-id", "urn:test:cli", "--type", type, "--json"]))
        let key = try #require(created["publicKeyMultibase"] as? String)
        let did = try #require(created["did"] as? String)
        #expect(created["counter"] as? Int == 0)
        let secret = try FileManager.default.attributesOfItem(atPath: bms + "/secure-element.json")
        #expect((secret[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let cycled = try await json(try run(["bms", "cycle", "1000", "--dir", bms, "--json"]))
        let soh = try #require((cycled["state"] as? [String: Any])?["stateOfHealthPerMille"] as? Int)
        #expect((850..<950).contains(soh))

        let hex = try await run(["bms", "read", "--dir", bms, "--challenge", Self.challenge])
        #expect(hex.status == 0, "\(hex.error)")
        try Data(hex.output.utf8).write(to: URL(fileURLWithPath: path("reading.hex")))
        let verified = try await json(try run(["reading", "verify", path("reading.hex"), "--key", key, "--json"]))
        #expect(verified["verified"] as? Bool == true)
        #expect(verified["counter"] as? Int == 1)
        #expect(verified["challenge"] as? String == Self.challenge)
        #expect(verified["algorithm"] as? String == (type == "p256" ? "ES256" : "EdDSA"))
        #expect((verified["state"] as? [String: Any])?["stateOfHealthPerMille"] as? Int == soh)

        let written = try await run(["bms", "read", "--dir", bms, "--challenge", Self.challenge, "--out", path("reading.cbor")])
        #expect(written.output.contains("reading 2 written"))
        let byDID = try await run(["reading", "verify", path("reading.cbor"), "--did", did])
        #expect(byDID.status == 0, "\(byDID.output) \(byDID.error)")
        #expect(byDID.output.contains("verified: reading 2 of urn:test:cli"))

        let status = try await json(try run(["bms", "status", "--dir", bms, "--json"]))
        #expect(status["counter"] as? Int == 2)
        await #expect(try run(["bms", "status", "--dir", bms]).output.contains("counter 2"))
    }

    @Test("misbehaviours are signed and show what the gates must catch")
    func misbehaviours() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try await #require(try json(try run(["bms", "init", "--dir", bms, "--battery-id", "urn:test:bad", "--json"]))["publicKeyMultibase"] as? String)
        func read(_ challenge: String = Self.challenge) async throws -> [String: Any] {
            try await json(try run(["bms", "read", "--dir", bms, "--challenge", challenge, "--json"]))
        }
        func soh(_ reading: [String: Any]) -> Int? { (reading["state"] as? [String: Any])?["stateOfHealthPerMille"] as? Int }
        _ = try await read()
        let honest = try await read()
        #expect(honest["counter"] as? Int == 2)

        await #expect(try run(["bms", "misbehave", "replay", "--dir", bms]).status == 0)
        let replayed = try await read(String(repeating: "77", count: 32))
        #expect(replayed["cose"] as? String == honest["cose"] as? String)

        await #expect(try run(["bms", "misbehave", "reset-counter", "--dir", bms]).status == 0)
        await #expect(try read()["counter"] as? Int == 1)

        await #expect(try run(["bms", "misbehave", "rising-soh", "--dir", bms]).status == 0)
        let rising = try await read()
        #expect(soh(rising) == (soh(honest) ?? 0) + 10)
        try Data((rising["cose"] as? String ?? "").utf8).write(to: URL(fileURLWithPath: path("rising.hex")))
        // Still a well-signed, in-range reading on its own; its trend is for the gates.
        await #expect(try run(["reading", "verify", path("rising.hex"), "--key", key]).status == 0)
        await #expect(try run(["bms", "misbehave", "bogus", "--dir", bms]).status == 2)
    }

    @Test("not verified exits 1 with the code; wrong usage exits 2")
    func failures() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let uninitialized = try await run(["bms", "status", "--dir", bms])
        #expect(uninitialized.status == 1)
        #expect(uninitialized.error.contains("bms_not_initialized"))
        _ = try await run(["bms", "init", "--dir", bms, "--battery-id", "urn:test:fail"])
        let exists = try await run(["bms", "init", "--dir", bms, "--battery-id", "urn:test:fail"])
        #expect(exists.status == 1)
        #expect(exists.error.contains("bms_exists"))
        await #expect(try run(["bms", "read", "--dir", bms, "--challenge", "abcd"]).status == 2)
        await #expect(try run(["bms", "read", "--dir", bms, "--challenge", String(repeating: "zz", count: 32)]).status == 2)

        let hex = try await run(["bms", "read", "--dir", bms, "--challenge", Self.challenge]).output
        try Data(hex.utf8).write(to: URL(fileURLWithPath: path("r.hex")))
        let otherKey = try await #require(
            try json(try run(["key", "generate", "--type", "ed25519", "--out", path("other.json"), "--json"]))["publicKeyMultibase"] as? String)
        let wrongKey = try await json(try run(["reading", "verify", path("r.hex"), "--key", otherKey, "--json"]))
        #expect(wrongKey["verified"] as? Bool == false)
        #expect(wrongKey["code"] as? String == "cose_signature_invalid")
        let p256Key = try await #require(
            try json(try run(["key", "generate", "--type", "p256", "--out", path("p256.json"), "--json"]))["publicKeyMultibase"] as? String)
        let mismatch = try await run(["reading", "verify", path("r.hex"), "--key", p256Key])
        #expect(mismatch.status == 1)
        #expect(mismatch.output.contains("cose_algorithm_mismatch"))

        // One changed hex digit inside the payload.
        var tampered = Array(hex.trimmingCharacters(in: .whitespacesAndNewlines))
        tampered[40] = tampered[40] == "0" ? "1" : "0"
        try Data(String(tampered).utf8).write(to: URL(fileURLWithPath: path("t.hex")))
        let status = try await json(try run(["bms", "status", "--dir", bms, "--json"]))
        let key = try #require(status["publicKeyMultibase"] as? String)
        await #expect(try run(["reading", "verify", path("t.hex"), "--key", key]).status == 1)
        try Data("not a reading".utf8).write(to: URL(fileURLWithPath: path("junk")))
        let junk = try await run(["reading", "verify", path("junk"), "--key", key, "--json"])
        #expect(junk.status == 1)
        await #expect(try json(junk)["code"] as? String == "cose_malformed")

        await #expect(try run(["reading", "verify", path("r.hex")]).status == 2)
        await #expect(try run(["reading", "verify", path("r.hex"), "--key", key, "--did", "did:key:x"]).status == 2)
        await #expect(try run(["reading", "verify", path("r.hex"), "--key", "zNotAKey"]).status == 2)
        await #expect(try run(["reading", "verify", path("missing"), "--key", key]).status == 2)
    }
}
