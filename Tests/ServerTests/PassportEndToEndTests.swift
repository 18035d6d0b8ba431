import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Passport
import Server
import ServerTestSupport
import Storage
import Testing
import Trie
import VectorSupport

/// The passport product over real HTTP on loopback: operators, provisioning, ownership, anchoring,
/// and one-scan verification of genuine, counterfeit, recalled, repurposed and recycled batteries,
/// each with its own result. Runs on SQLite, and on PostgreSQL when `VOLTPASS_POSTGRES_URL` is set.
@Suite struct PassportEndToEndTests {
    @Test(arguments: testedStores)
    func genuineCounterfeitRecalledRepurposedAndRecycled(store: String) async throws {
        // Anchored only when the test says so (the 10 s cadence would anchor a slow run by itself).
        try await withLiveServer(storeKind: store, configure: { $0.anchorInterval = nil }) { client, _, admin in
            let adminAuth = HTTPFields.bearer(admin)
            for (name, prefix) in [("packmaker", "4012345"), ("secondlife", "4012346")] {
                let registration: JSONObject = ["name": .string(name), "gln": "4012345000009", "companyPrefixes": [.string(prefix)]]
                let registered = try await client.execute(uri: "/operators", method: .post, headers: adminAuth, body: jsonBody(registration))
                #expect(registered.status == .created)
            }
            // The repurpose writes into both operators' tries, so this token acts for both.
            let auth = HTTPFields.bearer(try await client.createToken(operators: ["packmaker", "secondlife"], admin: admin))
            let duplicate = try await client.execute(
                uri: "/operators", method: .post, headers: adminAuth, body: jsonBody(["name": "packmaker"]))
            #expect(duplicate.status == .conflict)
            #expect(try duplicate.json["code"] as? String == "operator_exists")

            // End-of-line: three packs, keys generated in their secure elements; one with a first owner.
            let keys = (0..<3).map { _ in SoftwareSigner.generate(.ed25519) }
            let integrator = DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey)
            let devices: [JSONValue] = (0..<3).map { index in
                var device = PassportFixtures.device(serial: "PK-\(index)", lot: index == 1 ? "LOT-RECALL" : "LOT-OK", key: keys[index])
                if index == 0 { device["owner"] = .string(integrator) }
                return .object(device)
            }
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth,
                body: jsonBody(["operator": "packmaker", "devices": .array(devices)]))
            #expect(issued.status == .created)
            let provisioned = try #require(try issued.json["devices"] as? [[String: Any]])
            #expect(provisioned.count == 3)
            let plates = provisioned.map { $0["plateUrl"] as! String }
            let again = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth,
                body: jsonBody(["operator": "packmaker", "device": devices[0]]))
            #expect(again.status == .conflict)
            #expect(try again.json["code"] as? String == "device_exists")
            let paths = plates.map { String($0[$0.range(of: "/01/")!.lowerBound...]) }

            // A hand-off to a new owner supersedes the first Ownership credential.
            let newOwner = DIDKey.did(for: SoftwareSigner.generate(.p256).verificationKey)
            let transfer = try await client.execute(
                uri: "/passports/PK-0/ownership", method: .post, headers: auth, body: jsonBody(["owner": .string(newOwner)]))
            #expect(transfer.status == .created)

            // Before anchoring the passport is genuine but not anchored: amber.
            let unanchored = try await verifyOverHTTP(client, paths[0])
            #expect(unanchored.verdict == "amber")
            #expect(unanchored.codes == ["not_anchored"])

            let anchored = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            #expect(anchored.status == .ok)

            let anchors = try await client.execute(uri: "/operators/packmaker/anchors", method: .get).json
            #expect((anchors["anchors"] as? [[String: Any]])?.count == 1)

            // Genuine: the scanned plate (Digital Link path with its token), by serial, and by the verify endpoint.
            let genuine = try await verifyOverHTTP(client, paths[0], token: auth)
            #expect(genuine.verdict == "green", "\(genuine.codes)")
            #expect(genuine.owner == newOwner)
            // Who owns a battery is for those with a legitimate interest, not for every scan.
            #expect(try await verifyOverHTTP(client, paths[0]).owner == nil)
            let bySerial = try await client.execute(uri: "/verify/device/PK-0", method: .get, headers: [.accept: "application/json"])
            #expect(try bySerial.json["verdict"] as? String == "green")

            // Counterfeits: an unknown serial, a cloned plate token, a forged token.
            #expect(try await verifyOverHTTP(client, "/verify/device/PK-404").codes == ["unknown_device"])
            // Under the operator's company prefix, the unknown number is provably absent from its trie.
            let unissued = try await client.execute(uri: "/01/04012345000009/21/PK-404", method: .get, headers: [.accept: "application/json"]).json
            #expect(unissued["verdict"] as? String == "red" && (unissued["checks"] as? [String])?.contains("non_membership") == true)
            let absent = try #require(unissued["nonMembership"] as? [String: Any])
            let absentRoot = try #require((absent["root"] as? String).flatMap { Hash32(hex: $0) })
            let absentProof = try Proof(cbor: try Hex.decode(try #require(absent["proof"] as? String)))
            #expect(MPF.miss(root: absentRoot, key: Array("https://id.gs1.org/01/04012345000009/21/PK-404".utf8), proof: absentProof))
            #expect(absent["chain"] is NSNull)
            let cloned = paths[1].split(separator: "?")[0] + "?" + paths[0].split(separator: "?")[1]
            let clonedResult = try await verifyOverHTTP(client, String(cloned))
            #expect(clonedResult.verdict == "red")
            #expect(clonedResult.codes == ["token_mismatch"])
            var forgedToken = Array(try Base64URL.decode(String(paths[0].split(separator: "=")[1])))
            forgedToken[forgedToken.count - 1] ^= 0x01
            let forged = try await verifyOverHTTP(client, String(paths[0].split(separator: "?")[0]) + "?t=" + Base64URL.encode(forgedToken))
            #expect(forged.codes == ["token_invalid"])

            // Recalled: a recall by lot turns the battery red at once.
            let recall = try await client.execute(
                uri: "/operators/packmaker/recalls", method: .post, headers: auth,
                body: jsonBody(["selector": "lot", "value": "LOT-RECALL", "reason": "separator defect"]))
            #expect(try recall.json["affected"] as? Double == 1)
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let recalled = try await verifyOverHTTP(client, paths[1])
            #expect(recalled.verdict == "red")
            #expect(recalled.codes == ["recalled"])

            // Stale: a change after the last anchor is a failure of its own until the next anchor.
            let firmware = try await client.execute(
                uri: "/passports/PK-2/lifecycle", method: .post, headers: auth,
                body: jsonBody(["action": "firmware", "version": "2.0.1", "sha256": .string(String(repeating: "ab", count: 32))]))
            #expect(firmware.status == .ok)
            #expect(try await verifyOverHTTP(client, paths[2]).codes == ["anchor_stale"])
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            #expect(try await verifyOverHTTP(client, paths[2]).verdict == "green")
            // A scan shows the firmware now installed, not the one the Device credential names.
            let updated = try await client.execute(uri: paths[2], method: .get, headers: [.accept: "application/json"]).json
            let shownFirmware = (updated["passport"] as? [String: Any])?["firmware"] as? [String: Any]
            #expect(shownFirmware?["version"] as? String == "2.0.1" && shownFirmware?["sha256"] as? String == String(repeating: "ab", count: 32))

            // Recycled: red, and the leaf is final.
            let recycle = try await client.execute(
                uri: "/passports/PK-2/lifecycle", method: .post, headers: auth, body: jsonBody(["action": "recycle"]))
            #expect(recycle.status == .ok)
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let recycled = try await verifyOverHTTP(client, paths[2])
            #expect(recycled.verdict == "red")
            #expect(recycled.codes == ["recycled"])
            let afterRecycling = try await client.execute(
                uri: "/passports/PK-2/lifecycle", method: .post, headers: auth, body: jsonBody(["action": "voidWarranty"]))
            #expect(afterRecycling.status == .unprocessableContent)
            #expect(try afterRecycling.json["code"] as? String == "transition_not_allowed")

            // Repurposed: the original turns amber, the second-life passport links back and is green.
            let repurpose = try await client.execute(
                uri: "/passports/PK-0/lifecycle", method: .post, headers: auth,
                body: jsonBody(["action": "repurpose", "operator": "secondlife", "gtin": "04012346000015", "serial": "SL-0"]))
            #expect(repurpose.status == .created, "\(String(buffer: repurpose.body))")
            let successor = try #require(try repurpose.json["successor"] as? [String: Any])
            let successorPlate = successor["plateUrl"] as! String
            _ = try await client.execute(uri: "/operators/secondlife/anchor", method: .post, headers: auth)
            let original = try await verifyOverHTTP(client, paths[0])
            #expect(original.verdict == "amber")
            #expect(original.codes == ["repurposed"])
            let secondLife = try await verifyOverHTTP(client, String(successorPlate[successorPlate.range(of: "/01/")!.lowerBound...]))
            #expect(secondLife.verdict == "green", "\(secondLife.codes)")
            // The second-life bundle carries the original leaf its origin proof starts from.
            let successorBundle = try await client.execute(uri: "/passports/SL-0/bundle", method: .get)
            var bundle = try PassportBundle(json: try JSONValue(parsing: Array(buffer: successorBundle.body)))
            #expect(bundle.originLeaf != nil)
            let pinned = try PinnedKeys(document: try #require(bundle.didDocuments.first))
            #expect(await PassportVerifier(trustedKeys: pinned).verify(bundle).failureCodes == [])
            bundle.originLeaf = nil
            #expect(await PassportVerifier(trustedKeys: pinned).verify(bundle).failureCodes == ["origin_invalid"])
        }
    }

    /// The offline bundle verifies with no network and the operator's keys pinned; a forged
    /// credential, a tampered leaf, a wrong proof and a root that is not the anchored one each fail
    /// with their own code.
    @Test func offlineBundleAndItsForgeries() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            var device = PassportFixtures.device(serial: "B-1", lot: "L1", key: SoftwareSigner.generate(.p256))
            device["owner"] = .string(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth,
                body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            #expect(issued.status == .created)
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let response = try await client.execute(uri: "/passports/B-1/bundle", method: .get, headers: auth)
            #expect(response.status == .ok)
            let json = try JSONValue(parsing: Array(buffer: response.body))
            let bundle = try PassportBundle(json: json)
            #expect(json["version"] == 2)
            #expect(json["anchor"]?["type"] == "VoltpassAnchorCheckpoint")
            let verifier = PassportVerifier(trustedKeys: try PinnedKeys(document: try #require(bundle.didDocuments.first)))

            let genuine = await verifier.verify(bundle)
            #expect(genuine.verdict == .green, "\(genuine.failureCodes)")
            #expect(genuine.warnings.map(\.code) == [])
            #expect(genuine.checks.contains("ownership_chain") && genuine.passport["owner"] != nil)

            // Anyone else gets the bundle without its Ownership credentials (who owns a battery is for
            // persons with a legitimate interest), and it verifies green offline all the same.
            let publicResponse = try await client.execute(uri: "/passports/B-1/bundle", method: .get)
            let publicJSON = try JSONValue(parsing: Array(buffer: publicResponse.body))
            let publicBundle = try PassportBundle(json: publicJSON)
            #expect(publicJSON["ownershipWithheld"] == true && publicJSON["credentials"]?["ownership"] == [])
            #expect(publicBundle.leaf == bundle.leaf && publicBundle.statusLists.count == bundle.statusLists.count - 1)
            let publicResult = await verifier.verify(publicBundle)
            #expect(publicResult.verdict == .green, "\(publicResult.failureCodes)")
            #expect(publicResult.warnings.map(\.code) == ["ownership_withheld"])
            #expect(!publicResult.checks.contains("ownership_chain") && publicResult.passport["owner"] == nil)
            // A bundle that says it withholds the Ownership credentials and carries some is not read.
            var contradictory = bundle.json
            contradictory["ownershipWithheld"] = true
            #expect(throws: PassportError.self) { try PassportBundle(json: .object(contradictory)) }
            // Through JSON and back, the bundle is the same bundle.
            #expect(try PassportBundle(json: .object(bundle.json)).json == bundle.json)
            // A bundle of the format before signed checkpoints is not read as one.
            var unversioned = json.objectValue ?? [:]
            unversioned["version"] = nil
            #expect(throws: PassportError.self) { try PassportBundle(json: .object(unversioned)) }

            var forgedCredential = bundle
            var subject = try #require(bundle.device.json["credentialSubject"]?.objectValue)
            subject["ratedCapacityAh"] = 320
            var document = bundle.device.json
            document["credentialSubject"] = .object(subject)
            forgedCredential.device = Credential(document)
            #expect(await verifier.verify(forgedCredential).failureCodes == ["PROOF_VERIFICATION_ERROR"])

            var tamperedLeaf = bundle
            var leaf = try BatteryLeaf(cbor: bundle.leaf)
            leaf.lastSoH = 990
            tamperedLeaf.leaf = leaf.cbor()
            #expect(await verifier.verify(tamperedLeaf).failureCodes == ["trie_proof_invalid"])

            var wrongProof = bundle
            wrongProof.trieRoot = Hash32(hashing: [1, 2, 3])
            #expect(await verifier.verify(wrongProof).failureCodes == ["trie_proof_invalid", "root_mismatch"])

            var notAnchored = bundle
            notAnchored.anchor?.root = Hash32(hashing: [4, 5, 6])
            let mismatch = await verifier.verify(notAnchored)
            #expect(mismatch.failureCodes == ["anchor_signature_invalid", "root_mismatch"])
            #expect(mismatch.verdict == .red)
        }
    }

    /// Field diagnostics: only the battery's secure element answers the challenge; a device with an
    /// unknown key (a counterfeit or swapped BMS) is `device_key_mismatch`.
    @Test func fieldDiagnosticsTellGenuineFromUnknownKeys() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let element = SoftwareSigner.generate(.ed25519)
            let device = PassportFixtures.device(serial: "D-1", lot: "L1", key: element)
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            for (signer, genuine) in [(element, true), (SoftwareSigner.generate(.ed25519), false)] {
                let challenge = try await client.execute(uri: "/diagnostics/challenges", method: .post)
                let text = try #require(try challenge.json["challenge"] as? String)
                let answer = try await FieldDiagnostics.respond(to: try Base64URL.decode(text), signer: signer)
                let body: JSONObject = ["device": "https://id.gs1.org/01/04012345000009/21/D-1", "challenge": .string(text), "response": .string(Base64URL.encode(answer))]
                let result = try await client.execute(uri: "/diagnostics/responses", method: .post, body: jsonBody(body))
                #expect(try result.json["genuine"] as? Bool == genuine)
                let codes = try #require(try result.json["failures"] as? [[String: Any]]).compactMap { $0["code"] as? String }
                #expect(codes == (genuine ? [] : ["device_key_mismatch"]))
                // A challenge answers once.
                let replay = try await client.execute(uri: "/diagnostics/responses", method: .post, body: jsonBody(body))
                #expect(try replay.json["code"] as? String == "challenge_invalid")
            }
        }
    }

    /// The plate's QR code, read back by an independent decoder (zbarimg), is the Digital Link URL
    /// with a token that verifies.
    @Test(.enabled(if: zbarAvailable || ProcessInfo.processInfo.environment["CI"] == "true", "zbarimg is not installed"))
    func plateQRCodeDecodesToAVerifyingURL() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let device = PassportFixtures.device(serial: "Q-1", lot: "L1", key: SoftwareSigner.generate(.ed25519))
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let png = try await client.execute(uri: "/passports/Q-1/plate.png", method: .get, headers: auth)
            #expect(png.headers[.contentType] == "image/png")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("plate-\(UUID().uuidString).png")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(buffer: png.body).write(to: file)
            let zbar = try #require(Self.which("zbarimg"))
            let decoded = try Self.run(zbar, ["--quiet", "--raw", file.path]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(decoded.hasPrefix("http://localhost:8080/01/04012345000009/21/Q-1?t="))
            let path = String(decoded[decoded.range(of: "/01/")!.lowerBound...])
            let result = try await verifyOverHTTP(client, path)
            #expect(result.verdict == "green", "\(result.codes)")
        }
    }

    /// The NFC plate, decoded by an independent NDEF codec (ndeflib), is a URI record of a plate URL
    /// that verifies; the printable label names the battery under its QR code.
    @Test(.enabled(if: ReferencePython.canImport("ndef") || Vectors.required, "pip install ndeflib"))
    func nfcPlateAndLabel() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let device = PassportFixtures.device(serial: "N-1", lot: "L1", key: SoftwareSigner.generate(.ed25519))
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let ndef = try await client.execute(uri: "/passports/N-1/plate.ndef", method: .get, headers: auth)
            #expect(ndef.status == .ok && ndef.headers[.contentDisposition] == "attachment; filename=\"N-1.ndef\"")
            #expect(["NTAG213", "NTAG215"].contains(ndef.headers[HTTPField.Name("Voltpass-Smallest-Tag")!] ?? ""))
            let memory = try await client.execute(uri: "/passports/N-1/plate.ndef?memory=ntag", method: .get, headers: auth)
            let decoded = try ReferencePython.run(
                """
                import sys, ndef
                message, memory = (bytes.fromhex(line) for line in sys.stdin.read().split())
                length, start = (memory[1], 2) if memory[1] != 0xFF else (int.from_bytes(memory[2:4], 'big'), 4)
                assert memory[0] == 0x03 and memory[-1] == 0xFE and start + length == len(memory) - 1
                inner = list(ndef.message_decoder(memory[start:start + length]))
                records = list(ndef.message_decoder(message))
                assert len(records) == 1 and records[0].type == 'urn:nfc:wkt:U' and inner[0].type == records[0].type
                print(records[0].iri)
                """,
                input: Array(buffer: ndef.body).map { String(format: "%02x", $0) }.joined() + "\n"
                    + Array(buffer: memory.body).map { String(format: "%02x", $0) }.joined())
            #expect(decoded.status == 0, "\(decoded.error)")
            let url = try #require(decoded.lines.first)
            #expect(url.hasPrefix("http://localhost:8080/01/04012345000009/21/N-1?t="))
            let result = try await verifyOverHTTP(client, String(url[url.range(of: "/01/")!.lowerBound...]))
            #expect(result.verdict == "green", "\(result.codes)")

            let label = String(buffer: try await client.execute(uri: "/passports/N-1/label.svg", method: .get, headers: auth).body)
            #expect(label.hasPrefix("<svg") && label.contains("<path fill=\"#000\""))
            for text in ["(01) 04012345000009", "(21) N-1", ">\(device["model"]?.stringValue ?? "")<"] { #expect(label.contains(text), "\(text)") }
            #expect(try await client.execute(uri: "/passports/N-1/plate.ndef", method: .get).status == .unauthorized)
        }
    }

    static let zbarAvailable = which("zbarimg") != nil

    static func which(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A replaced BMS module's key is registered by the operator: the passport stays green, only the
    /// new module answers diagnostics, and the feed keeps the history.
    @Test func bmsKeyReplacementKeepsHistory() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let original = SoftwareSigner.generate(.ed25519)
            let replacement = SoftwareSigner.generate(.p256)
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth,
                body: jsonBody(["operator": "packmaker", "device": .object(PassportFixtures.device(serial: "K-1", lot: "L", key: original))]))
            let replaced = try await client.execute(
                uri: "/passports/K-1/bms-keys", method: .post, headers: auth,
                body: jsonBody(["publicKeyMultibase": .string(replacement.verificationKey.multikey)]))
            #expect(replaced.status == .created)
            let same = try await client.execute(
                uri: "/passports/K-1/bms-keys", method: .post, headers: auth,
                body: jsonBody(["publicKeyMultibase": .string(replacement.verificationKey.multikey)]))
            #expect(try same.json["code"] as? String == "bms_key_unchanged")
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            #expect(try await verifyOverHTTP(client, "/verify/device/K-1").verdict == "green")
            for (signer, genuine) in [(replacement, true), (original, false)] {
                let challenge = try #require(try await client.execute(uri: "/diagnostics/challenges", method: .post).json["challenge"] as? String)
                let answer = try await FieldDiagnostics.respond(to: try Base64URL.decode(challenge), signer: signer)
                let body: JSONObject = ["device": "https://id.gs1.org/01/04012345000009/21/K-1", "challenge": .string(challenge), "response": .string(Base64URL.encode(answer))]
                let result = try await client.execute(uri: "/diagnostics/responses", method: .post, body: jsonBody(body))
                #expect(try result.json["genuine"] as? Bool == genuine)
            }
            let passport = try await client.execute(uri: "/passports/K-1", method: .get).json
            let kinds = try #require(passport["feed"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
            #expect(kinds == ["bmsKey", "provisioned"])
        }
    }

    /// One identifier, three representations: HTML for a browser, JSON, and an RFC 9264 linkset.
    /// Inbound QA checks many at once.
    @Test func contentNegotiationAndBatchVerification() async throws {
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth,
                body: jsonBody([
                    "operator": "packmaker",
                    "device": .object(PassportFixtures.device(serial: "N-1", lot: "L", key: SoftwareSigner.generate(.ed25519))),
                ]))
            let plate = try #require(try issued.json["devices"] as? [[String: Any]]).first?["plateUrl"] as? String
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)

            let html = try await client.execute(uri: "/verify/device/N-1", method: .get, headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            let page = String(buffer: html.body)
            #expect(page.contains("data-verdict=\"green\""))
            // Attributes with labels and units, grouped as a person reads them; the verdict has an icon besides its colour.
            for shown in [
                "<h3>Identity</h3>", "<h3>Performance and health</h3>", "<h3>Materials</h3>", "<h3>Warranty and safety</h3>",
                ">Rated capacity</th><td>280 Ah<", ">Rated energy</th><td>14.34 kWh<", ">Nominal voltage</th><td>51.2 V<",
                ">Chemistry</th><td>LFP<", ">Mass</th><td>98.5 kg<", ">Warranty period</th><td>120 months (10 years)<",
                ">Firmware</th><td>version 1.4.2<", "<span class=\"icon\" aria-hidden=\"true\">✓</span>", "<p id=\"checks\">Checked: credentials,",
            ] {
                #expect(page.contains(shown), "\(shown)")
            }
            #expect(!page.contains("State of health"), "legitimate interest only")
            // Its history and where its passport is anchored.
            #expect(page.contains("<h2>History</h2>") && page.contains("Manufactured and given its passport (signed by packmaker)"))
            #expect(page.contains(">Manufacturer</th><td><a href=\"/operators/packmaker/did.json\" title=\"did:web:localhost%3A8080:operators:packmaker\">packmaker</a>"))
            #expect(page.contains("<p id=\"anchor\">The operator’s passport trie, root <code>"))
            // German and French, by Accept-Language or by the page's switch (which keeps the rest of the URL).
            let german = try await client.execute(
                uri: "/verify/device/N-1", method: .get, headers: [.accept: "text/html", .acceptLanguage: "fr;q=0.5, de-DE, en;q=0.8"])
            let germanPage = String(buffer: german.body)
            #expect(german.headers[.contentLanguage] == "de" && germanPage.contains("<html lang=\"de\">"))
            for shown in ["Echte Batterie", ">Nennspannung</th><td>51,2 V<", ">Hergestellt</th><td>30.11.2026<", "<h2>Verlauf</h2>", "120 Monate (10 Jahre)"] {
                #expect(germanPage.contains(shown), "\(shown)")
            }
            #expect(germanPage.contains("<a href=\"/verify/device/N-1?lang=fr\" hreflang=\"fr\" lang=\"fr\">Français</a>"))
            let french = String(buffer: try await client.execute(uri: "/verify/device/N-1?lang=fr", method: .get, headers: [.accept: "text/html"]).body)
            for shown in ["<html lang=\"fr\">", "Batterie authentique", ">Tension nominale</th><td>51,2 V<", ">Fabriquée le</th><td>30/11/2026<"] {
                #expect(french.contains(shown), "\(shown)")
            }
            for localized in [page, germanPage, french] { #expect(!localized.contains("{0}") && !localized.contains("{1}")) }
            var operatorHeaders = auth
            operatorHeaders[.accept] = "text/html"
            let operatorPage = String(buffer: try await client.execute(uri: "/verify/device/N-1", method: .get, headers: operatorHeaders).body)
            #expect(operatorPage.contains(">State of health</th><td>100 %<") && operatorPage.contains(">Charge cycles</th><td>0<"))
            let linkset = try await client.execute(uri: "/verify/device/N-1", method: .get, headers: [.accept: "application/linkset+json"])
            #expect(linkset.headers[.contentType] == "application/linkset+json")
            let links = try #require(try linkset.json["linkset"] as? [[String: Any]])
            #expect(links.first?["anchor"] as? String == "https://id.gs1.org/01/04012345000009/21/N-1")
            #expect(links.first?["https://gs1.org/voc/pip"] != nil)

            let items: [JSONValue] = ["N-1", .string(try #require(plate)), "N-404", "https://example.com/01/04012345000009/21/N-1?t=%%%"]
            let batch = try await client.execute(uri: "/verify/batch", method: .post, body: jsonBody(["items": .array(items)]))
            let report = try batch.json
            #expect(report["green"] as? Double == 2)
            #expect(report["red"] as? Double == 2)
            let codes = try #require(report["results"] as? [[String: Any]]).map {
                ($0["failures"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
            }
            #expect(codes == [[], [], ["unknown_device"], ["invalid_identifier"]])
        }
    }
}

/// Device specs as an end-of-line station would send them.
enum PassportFixtures {
    static func device(serial: String, lot: String, key: SoftwareSigner, gtin: String = "04012345000009") -> JSONObject {
        [
            "gtin": .string(gtin), "serial": .string(serial), "lot": .string(lot), "model": "LFP-280Ah-Pack",
            "batteryCategory": "stationary", "chemistry": "LFP", "ratedCapacityAh": 280, "ratedEnergyWh": 14336,
            "nominalVoltage": 51.2, "massKg": 98.5, "manufacturingDate": "2026-11-30",
            "publicKeyMultibase": .string(key.verificationKey.multikey),
            "firmware": ["version": "1.4.2", "sha256": .string(String(repeating: "0f", count: 32))],
            "bom": ["hash": .string("sha256:" + String(repeating: "1e", count: 32)), "components": ["urn:uuid:cell-lot-7"]],
            "warrantyMonths": 120,
        ]
    }
}

func jsonBody(_ object: JSONObject) -> ByteBuffer {
    ByteBuffer(bytes: JSONValue.object(object).serialized())
}
