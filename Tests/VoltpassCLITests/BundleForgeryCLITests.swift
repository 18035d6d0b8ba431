import Credentials
import Encoding
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Identity
import Passport
import Testing
import Trie

/// `voltpass passport verify` against forged offline bundles of a recalled pack, as an attacker
/// without the operator's key makes them from the bundles a running `voltpass serve` hands out: each
/// is red (or amber where nothing could be verified) with a non-zero exit, and only a genuine bundle
/// checked with the operator's keys pinned (`voltpass passport trust export`) is green with exit 0.
@Suite struct BundleForgeryCLITests {
    /// What `passport verify --json` said and how it exited.
    struct Verdict {
        let status: Int32
        let verdict: String?
        let codes: [String]
        let unverified: [String]
    }

    @Test func forgedBundlesAreNeverGreen() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cli-forgery-\(UUID().uuidString)")
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
        #expect(try await server.request("POST", "/operators", body: #"{"name":"packs","companyPrefixes":["4012345"]}"#, token: admin).status == 201)
        let created = try await server.request("POST", "/admin/tokens", body: #"{"role":"issuer","operators":["packs"]}"#, token: admin)
        let issuerToken = try #require(created.body["token"] as? String)
        let devices = ["F-1", "F-2"].map { PassportCLITests.device($0, key: SoftwareSigner.generate(.ed25519).verificationKey.multikey) }
        let issued = try await server.request(
            "POST", "/manufacturing/device/issue", body: #"{"operator":"packs","devices":[\#(devices.joined(separator: ","))]}"#, token: issuerToken)
        #expect(issued.status == 201, "\(issued.body)")
        #expect(try await server.request("POST", "/operators/packs/anchor", token: issuerToken).status == 200)
        let beforeRecall = try await bundle(server, "F-1")
        let oldCheckpoint = try #require(beforeRecall.anchor)

        // F-1 is recalled; its leaf shows it and its Device credential is suspended.
        let recall = #"{"selector":"serial","value":"F-1","reason":"cell lot with separator defects"}"#
        #expect(try await server.request("POST", "/operators/packs/recalls", body: recall, token: issuerToken).status == 201)
        #expect(try await server.request("POST", "/operators/packs/anchor", token: issuerToken).status == 200)
        let recalled = try await bundle(server, "F-1")
        let genuine = try await bundle(server, "F-2")
        let operatorDID = recalled.operatorID
        let method = try #require(recalled.anchor?.verificationMethod)

        let trust = directory.appendingPathComponent("trust.json").path
        let exported = try await CLI.run(["passport", "trust", "export", "--did", operatorDID, "--allow-http-localhost", "--out", trust])
        #expect(exported.status == 0, "\(exported.error)")

        // Genuine: green with the keys pinned, amber (exit 3) without them, saying what it could not check.
        let green = try await verify(genuine, trust: trust, in: directory)
        #expect(green.status == 0 && green.verdict == "green", "\(green.codes)")
        #expect(green.unverified == [])
        let untrusted = try await verify(genuine, trust: nil, in: directory)
        #expect(untrusted.status == 3 && untrusted.verdict == "amber")
        #expect(untrusted.codes == ["issuer_key_unpinned", "anchor_unverified"])
        #expect(untrusted.unverified == ["issuer_keys", "anchor"])
        let stillRecalled = try await verify(recalled, trust: trust, in: directory)
        #expect(stillRecalled.status == 1 && stillRecalled.codes == ["recalled"])

        // The attack: the recall dropped from the leaf, the status lists of before the recall (genuinely
        // signed), a one-leaf trie around the leaf, and an anchor made up for its root.
        let attacker = SoftwareSigner.generate(.ed25519)
        var leaf = try BatteryLeaf(cbor: recalled.leaf)
        leaf.recall = .none
        var forged = try await Self.inOneLeafTrie(recalled, leaf)
        forged.statusLists = beforeRecall.statusLists
        forged.anchor = try await AnchorCheckpoint(
            operatorID: operatorDID, sequence: oldCheckpoint.sequence + 5, root: forged.trieRoot, transaction: Hash32(hashing: [1, 2, 3]),
            slot: oldCheckpoint.slot + 100, issuedAt: Date(), verificationMethod: method
        ).signed(by: attacker)
        let madeUp = try await verify(forged, trust: trust, in: directory)
        #expect(madeUp.status == 1 && madeUp.verdict == "red")
        #expect(madeUp.codes == ["anchor_signature_invalid"])
        let madeUpUntrusted = try await verify(forged, trust: nil, in: directory)
        #expect(madeUpUntrusted.status == 3 && madeUpUntrusted.codes == ["issuer_key_unpinned", "anchor_unverified"])

        // The same with the anchor deleted: nothing vouches for the root.
        var deleted = forged
        deleted.anchor = nil
        let unanchored = try await verify(deleted, trust: trust, in: directory)
        #expect(unanchored.status == 3 && unanchored.verdict == "amber")
        #expect(unanchored.codes == ["not_anchored"])
        #expect(unanchored.unverified == ["anchor"])

        // The same with the operator's genuine checkpoint, which signs another root.
        var otherRoot = forged
        otherRoot.anchor = recalled.anchor
        let mismatch = try await verify(otherRoot, trust: trust, in: directory)
        #expect(mismatch.status == 1 && mismatch.codes == ["root_mismatch"])

        // A genuine bundle whose checkpoint another key signed again.
        var resigned = genuine
        resigned.anchor = try await #require(genuine.anchor).signed(by: attacker)
        let anotherKey = try await verify(resigned, trust: trust, in: directory)
        #expect(anotherKey.status == 1 && anotherKey.codes == ["anchor_signature_invalid"])

        // An unsigned anchor is not a checkpoint: the bundle is not read (usage, exit 2).
        var unsigned = genuine.json
        var anchorObject = try #require(unsigned["anchor"]?.objectValue)
        anchorObject["signature"] = nil
        unsigned["anchor"] = .object(anchorObject)
        let unsignedFile = directory.appendingPathComponent("unsigned.json")
        try Data(JSONValue.object(unsigned).serialized()).write(to: unsignedFile)
        let refused = try await CLI.run(["passport", "verify", unsignedFile.path, "--trust", trust])
        #expect(refused.status == 2)
        #expect(refused.error.contains("bundle_invalid"), "\(refused.error)")

        // Everything re-signed with the attacker's key under the operator's method, and a DID document
        // giving that method the attacker's key: caught by the pinned keys; without them, not green.
        var swapped = forged
        let issuer = try CredentialIssuer(signer: attacker, verificationMethod: method)
        func resign(_ document: JSONObject) async throws -> JSONObject {
            var unsignedDocument = document
            unsignedDocument["proof"] = nil
            return try await issuer.issue(unsignedDocument).json
        }
        swapped.device = Credential(try await resign(forged.device.json))
        swapped.bom = Credential(try await resign(forged.bom.json))
        var lists: [JSONObject] = []
        for list in forged.statusLists { lists.append(try await resign(list)) }
        swapped.statusLists = lists
        let carried = try #require(forged.didDocuments.first)
        var document = carried.json
        document["verificationMethod"] = .array((carried.json["verificationMethod"]?.arrayValue ?? []).map { entry in
            var entry = entry.objectValue ?? [:]
            entry["publicKeyMultibase"] = .string(attacker.verificationKey.multikey)
            return .object(entry)
        })
        swapped.didDocuments = [try DIDDocument(.object(document))]
        let caught = try await verify(swapped, trust: trust, in: directory)
        #expect(caught.status == 1 && caught.verdict == "red")
        #expect(caught.codes.contains("did_document_mismatch"), "\(caught.codes)")
        #expect(caught.codes.contains("anchor_signature_invalid"), "\(caught.codes)")
        #expect(caught.codes.contains("PROOF_VERIFICATION_ERROR"), "\(caught.codes)")
        let selfConsistent = try await verify(swapped, trust: nil, in: directory)
        #expect(selfConsistent.status == 3 && selfConsistent.verdict == "amber")
        #expect(selfConsistent.codes == ["issuer_key_unpinned", "anchor_unverified"])
    }

    /// `trust export --document` pins a DID document's keys with their validity, `--into` adds to a
    /// trust file; a malformed trust file is a usage error naming the member.
    @Test func trustFilesFromDIDDocumentFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cli-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (first, second) = ("did:web:cells.example", "did:web:packs.example:operators:acme")
        let retired = Date(timeIntervalSince1970: 1_760_000_000)
        var cellKeys = try KeyRotation.rotate([], controller: first, to: SoftwareSigner.generate(.ed25519), at: Date(timeIntervalSince1970: 1_700_000_000))
        cellKeys = try KeyRotation.rotate(cellKeys, controller: first, to: SoftwareSigner.generate(.p256), at: retired)
        let packKeys = try KeyRotation.rotate([], controller: second, to: SoftwareSigner.generate(.ed25519), at: retired)
        var files: [String] = []
        for (did, keys) in [(first, cellKeys), (second, packKeys)] {
            let file = directory.appendingPathComponent("\(files.count).did.json")
            try Data(try DIDWeb.document(did: did, keys: keys).serialized).write(to: file)
            files.append(file.path)
        }
        let trust = directory.appendingPathComponent("trust.json").path
        #expect(try await CLI.run(["passport", "trust", "export", "--document", files[0], "--out", trust]).status == 0)
        let merged = try await CLI.run(["passport", "trust", "export", "--document", files[1], "--into", trust])
        #expect(merged.status == 0, "\(merged.error)")
        let pinned = try PinnedKeys(json: try JSONValue(parsing: Array(merged.output.utf8)))
        #expect(pinned.keys.map(\.id) == [first + "#key-1", first + "#key-2", second + "#key-1"])
        #expect(pinned.keys[0].validUntil == retired && pinned.keys[1].validFrom == retired && pinned.keys[1].validUntil == nil)
        #expect(try PinnedKeys(history: cellKeys + packKeys) == pinned)

        let malformed = directory.appendingPathComponent("malformed.json")
        try Data(#"{"type": "VoltpassTrustFile", "keys": [{"id": "x"}]}"#.utf8).write(to: malformed)
        let refused = try await CLI.run(["passport", "verify", directory.appendingPathComponent("bundle.json").path, "--trust", malformed.path])
        #expect(refused.status == 2)
        #expect(refused.error.contains("invalidTrustFile: /keys/0/"), "\(refused.error)")
    }

    /// The bundle of the pack with this serial, as the server hands it out.
    private func bundle(_ server: ServeProcess, _ serial: String) async throws -> PassportBundle {
        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/passports/\(serial)/bundle"))
        let (data, _) = try await URLSession.shared.data(from: url)
        return try PassportBundle(json: try JSONValue(parsing: Array(data)))
    }

    /// `bundle` with `leaf` in a trie of its own, root and proof to match.
    static func inOneLeafTrie(_ bundle: PassportBundle, _ leaf: BatteryLeaf) async throws -> PassportBundle {
        let trie = try await MerkleTrie()
        try await trie.insert(key: leaf.key, value: leaf.cbor())
        let proof = try await trie.proof(for: leaf.key)
        var forged = bundle
        forged.leaf = leaf.cbor()
        forged.proof = proof.proof
        forged.trieRoot = proof.root
        return forged
    }

    /// Writes `bundle` to a file and runs `voltpass passport verify FILE [--trust FILE] --json`.
    private func verify(_ bundle: PassportBundle, trust: String?, in directory: URL) async throws -> Verdict {
        let file = directory.appendingPathComponent("bundle-\(UUID().uuidString).json")
        try Data(JSONValue.object(bundle.json).serialized()).write(to: file)
        let result = try await CLI.run(["passport", "verify", file.path, "--json"] + (trust.map { ["--trust", $0] } ?? []))
        let json = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]) ?? [:]
        let failures = json["failures"] as? [[String: Any]] ?? []
        return Verdict(
            status: result.status, verdict: json["verdict"] as? String, codes: failures.compactMap { $0["code"] as? String },
            unverified: json["unverified"] as? [String] ?? [])
    }
}
