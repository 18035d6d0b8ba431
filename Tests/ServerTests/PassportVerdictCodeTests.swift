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

/// Each verdict code of the passport verifier, from a real passport: changes made through the API
/// (warranty void, firmware advisory, an expired warranty by the verifier's clock), forgeries an
/// insider holding the operator's key could make (a leaf naming other credentials, a broken ownership
/// chain, a credential by another issuer, a second-life origin the original operator never anchored),
/// and what an outsider without it could do to the anchor checkpoint and the keys (see the codes of
/// `issuer_keys` and `anchor`).
@Suite struct PassportVerdictCodeTests {
    static let operatorID = "did:web:localhost%3A8080:operators:packmaker"

    /// The operator's keys as a verifier pins them: from its DID document as the bundle carries it.
    static func pinned(_ bundle: PassportBundle) throws -> PinnedKeys {
        try PinnedKeys(document: try #require(bundle.didDocuments.first { $0.id == operatorID }))
    }

    /// A verifier pinning the operator's keys.
    static func verifier(_ bundle: PassportBundle, now: @escaping @Sendable () -> Date = Date.init) throws -> PassportVerifier {
        PassportVerifier(trustedKeys: try pinned(bundle), now: now)
    }

    /// The operator's key as an insider holds it.
    static func operatorSigner(_ server: VoltpassServer) async throws -> (method: String, signer: any Signer) {
        let keys = OperatorKeys(did: operatorID, store: server.store, dataDirectory: server.configuration.dataDirectory)
        let (method, signer) = try await keys.currentSigner()
        return (method, signer)
    }

    /// A provisioned, handed-off, anchored pack and its bundle.
    private func withPassport(
        _ body: @Sendable (_ client: LoopbackClient, _ server: VoltpassServer, _ issuer: String, _ bundle: PassportBundle) async throws -> Void
    ) async throws {
        try await withLiveServer(configure: { $0.anchorInterval = nil }) { client, server, adminToken in
            _ = try await client.registerOperator("packmaker", companyPrefixes: ["4012345"], admin: adminToken)
            _ = try await client.registerOperator("secondlife", companyPrefixes: ["4012346"], admin: adminToken)
            let issuer = try await client.createToken(operators: ["packmaker", "secondlife"], admin: adminToken)
            var device = PassportFixtures.device(serial: "V-1", lot: "L1", key: SoftwareSigner.generate(.ed25519))
            device["owner"] = .string(DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey))
            #expect(try await client.post("/manufacturing/device/issue", ["operator": "packmaker", "device": .object(device)], token: issuer).status == .created)
            let owner = DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey)
            #expect(try await client.post("/passports/V-1/ownership", ["owner": .string(owner)], token: issuer).status == .created)
            try await body(client, server, issuer, try await Self.anchoredBundle(client, issuer))
        }
    }

    static func anchoredBundle(_ client: LoopbackClient, _ issuer: String) async throws -> PassportBundle {
        #expect(try await client.post("/operators/packmaker/anchor", [:], token: issuer).status == .ok)
        // The operator's token reads the whole bundle, Ownership credentials included.
        let response = try await client.execute(uri: "/passports/V-1/bundle", method: .get, headers: .bearer(issuer))
        return try PassportBundle(json: try JSONValue(parsing: Array(buffer: response.body)))
    }

    /// `credential` re-signed by the operator after `change`, keeping its id.
    static func resigned(_ credential: Credential, server: VoltpassServer, _ change: (inout JSONObject) -> Void) async throws -> Credential {
        let (method, signer) = try await operatorSigner(server)
        var document = credential.json
        document["proof"] = nil
        change(&document)
        return try await CredentialIssuer(signer: signer, verificationMethod: method).issue(document)
    }

    /// The bundle with `leaf` in a trie of its own whose root is anchored in a checkpoint signed by
    /// `signer` (the operator's key for an insider) under `method`, as a forger would make it.
    static func withForgedLeaf(
        _ bundle: PassportBundle, _ leaf: BatteryLeaf, checkpointSigner signer: any Signer, method: String
    ) async throws -> PassportBundle {
        let trie = try await MerkleTrie()
        try await trie.insert(key: leaf.key, value: leaf.cbor())
        let proof = try await trie.proof(for: leaf.key)
        var forged = bundle
        forged.leaf = leaf.cbor()
        forged.proof = proof.proof
        forged.trieRoot = proof.root
        var checkpoint = try #require(bundle.anchor)
        checkpoint.root = proof.root
        checkpoint.verificationMethod = method
        forged.anchor = try await checkpoint.signed(by: signer)
        return forged
    }

    @Test func genuineIsGreenWithEveryCheck() async throws {
        try await withPassport { _, _, _, bundle in
            let result = try await Self.verifier(bundle).verify(bundle)
            #expect(result.verdict == .green, "\(result.failureCodes)")
            #expect(result.checks == [
                "credentials", "issuer_authority", "issuer_keys", "ownership_chain", "leaf", "trie_proof", "anchor", "lifecycle",
            ])
            #expect(result.unverified == [])
            #expect(result.warnings == [])
        }
    }

    @Test func leafNamingOtherCredentialsIsLeafMismatch() async throws {
        try await withPassport { _, server, _, bundle in
            var leaf = try BatteryLeaf(cbor: bundle.leaf)
            leaf.credentials.bom = "urn:uuid:another-bom"
            let (method, signer) = try await Self.operatorSigner(server)
            let forged = try await Self.withForgedLeaf(bundle, leaf, checkpointSigner: signer, method: method)
            let result = try await Self.verifier(bundle).verify(forged)
            #expect(result.failureCodes == ["leaf_mismatch"])
            #expect(result.verdict == .red)
        }
    }

    @Test func handOffNotNamingItsPredecessorIsOwnershipChainBroken() async throws {
        try await withPassport { _, server, _, bundle in
            var forged = bundle
            let last = try #require(bundle.ownership.last)
            forged.ownership[forged.ownership.count - 1] = try await Self.resigned(last, server: server) { document in
                var subject = document["credentialSubject"]?.objectValue ?? [:]
                subject["previousOwnership"] = "urn:uuid:not-the-previous-one"
                document["credentialSubject"] = .object(subject)
            }
            let result = try await Self.verifier(bundle).verify(forged)
            #expect(result.failureCodes == ["ownership_chain_broken"])
            #expect(result.verdict == .red)
        }
    }

    @Test func credentialByAnotherIssuerIsIssuerMismatch() async throws {
        try await withPassport { _, _, _, bundle in
            let stranger = SoftwareSigner.generate(.ed25519)
            var document = bundle.bom.json
            document["proof"] = nil
            document["issuer"] = .string(DIDKey.did(for: stranger.verificationKey))
            var forged = bundle
            forged.bom = try await CredentialIssuer(didKeySigner: stranger).issue(document)
            let result = try await Self.verifier(bundle).verify(forged)
            #expect(result.failureCodes == ["issuer_mismatch"])
            #expect(result.verdict == .red)
        }
    }

    @Test func warrantyPastItsEndIsWarrantyExpiredAmber() async throws {
        try await withPassport { _, _, _, bundle in
            let leaf = try BatteryLeaf(cbor: bundle.leaf)
            let end = Date(timeIntervalSince1970: Double(try #require(leaf.warranty).endMilliseconds) / 1000)
            let result = try await Self.verifier(bundle, now: { end.addingTimeInterval(86_400) }).verify(bundle)
            #expect(result.failureCodes == ["warranty_expired"])
            #expect(result.verdict == .amber)
        }
    }

    @Test func voidedWarrantyAndFirmwareAdvisoryAreAmber() async throws {
        try await withPassport { client, _, issuer, _ in
            #expect(try await client.post("/passports/V-1/lifecycle", ["action": "voidWarranty"], token: issuer).status == .ok)
            let voidedBundle = try await Self.anchoredBundle(client, issuer)
            let voided = try await Self.verifier(voidedBundle).verify(voidedBundle)
            #expect(voided.failureCodes == ["warranty_voided"])
            #expect(voided.verdict == .amber)

            let firmware: JSONObject = [
                "action": "firmware", "version": "1.4.3", "sha256": .string(String(repeating: "cd", count: 32)),
                "advisory": "update before charging above 80 %",
            ]
            #expect(try await client.post("/passports/V-1/lifecycle", firmware, token: issuer).status == .ok)
            let advisedBundle = try await Self.anchoredBundle(client, issuer)
            let advised = try await Self.verifier(advisedBundle).verify(advisedBundle)
            #expect(advised.failureCodes == ["warranty_voided", "firmware_advisory"])
            #expect(advised.verdict == .amber)
        }
    }

    @Test func originRootNeverAnchoredIsOriginNotAnchored() async throws {
        try await withPassport { client, server, issuer, _ in
            let passports = server.passports
            let original = "https://id.gs1.org/01/04012345000009/21/V-1"
            // The original leaf turns Repurposed, but that root is never anchored.
            try await passports.change(original, by: .operator(Self.operatorID), .repurpose, feed: .lifecycle)
            let proof = try await passports.tries.proof(for: Array(original.utf8), operator: Self.operatorID)
            let origin = BatteryLeaf.Origin(operatorID: Self.operatorID, batteryID: original, anchoredRoot: proof.root, proof: proof.proof)
            let leaf = try BatteryLeaf(cbor: try #require(proof.value))
            let spec = DeviceSpec(
                gtin: "04012346000015", serial: "SL-1", model: "LFP-280Ah-Pack", chemistry: "LFP", ratedCapacityAh: 280,
                manufacturingDate: "2026-12-01",
                publicKey: try PublicKey(algorithm: .ed25519, rawRepresentation: leaf.bmsPublicKey), firmwareVersion: "1.4.2",
                firmwareHash: [UInt8](repeating: 0x0f, count: 32), bomHash: "sha256:" + String(repeating: "1e", count: 32))
            let secondLife = "did:web:localhost%3A8080:operators:secondlife"
            _ = try await passports.provision([spec], operator: secondLife, origin: origin)
            #expect(try await client.post("/operators/secondlife/anchor", [:], token: issuer).status == .ok)
            let result = try await passports.verify("SL-1")
            #expect(result.failureCodes == ["origin_not_anchored"])
            #expect(result.verdict == .red)
        }
    }

    // MARK: Pinned keys and the anchor checkpoint

    @Test func theServiceChecksAgainstTheOperatorsKeyHistory() async throws {
        try await withPassport { _, server, _, _ in
            let result = try await server.passports.verify("V-1")
            #expect(result.verdict == .green, "\(result.failureCodes)")
            #expect(result.checks.contains("issuer_keys") && result.checks.contains("anchor"))
            #expect(result.unverified == [])
        }
    }

    @Test func withoutPinnedKeysItIsIssuerKeyUnpinnedAndAnchorUnverifiedAmber() async throws {
        try await withPassport { _, _, _, bundle in
            let result = await PassportVerifier(trustedKeys: try PinnedKeys()).verify(bundle)
            #expect(result.failureCodes == ["issuer_key_unpinned", "anchor_unverified"])
            #expect(result.verdict == .amber)
            #expect(result.unverified == ["issuer_keys", "anchor"])
            #expect(result.warnings.map(\.code) == ["issuer_authority_unconfirmed"])
            // Keys of another operator only are no keys of this one.
            let stranger = "did:web:stranger.example"
            let others = try PinnedKeys([
                try PinnedKeys.Key(id: stranger + "#key-1", controller: stranger, publicKey: SoftwareSigner.generate(.ed25519).verificationKey)
            ])
            #expect(await PassportVerifier(trustedKeys: others).verify(bundle).failureCodes == ["issuer_key_unpinned", "anchor_unverified"])
        }
    }

    @Test func aBundleWithoutCheckpointIsNotAnchoredAmber() async throws {
        try await withPassport { _, _, _, bundle in
            var stripped = bundle
            stripped.anchor = nil
            let result = try await Self.verifier(bundle).verify(stripped)
            #expect(result.failureCodes == ["not_anchored"])
            #expect(result.verdict == .amber)
            #expect(result.unverified == ["anchor"])
        }
    }

    @Test func aCheckpointNotSignedByAPinnedKeyIsAnchorSignatureInvalid() async throws {
        try await withPassport { _, server, _, bundle in
            let genuine = try #require(bundle.anchor)
            let stranger = SoftwareSigner.generate(.p256)
            var forgeries: [String: AnchorCheckpoint] = [:]
            forgeries["another key under the operator's method"] = try await genuine.signed(by: stranger)
            var ownMethod = genuine
            ownMethod.verificationMethod = Self.operatorID + "#key-9"
            forgeries["another key under a method of its own"] = try await ownMethod.signed(by: stranger)
            var stripped = genuine
            stripped.signature = [UInt8](repeating: 0, count: 64)
            forgeries["no signature"] = stripped
            var otherOperator = genuine
            otherOperator.operatorID = "did:web:localhost%3A8080:operators:other"
            forgeries["the operator's key, for another operator"] = try await otherOperator.signed(by: try await Self.operatorSigner(server).signer)
            var early = genuine
            early.issuedAt = Date(timeIntervalSince1970: 1_000_000_000)
            forgeries["the operator's key, before it was valid"] = try await early.signed(by: try await Self.operatorSigner(server).signer)
            for (name, checkpoint) in forgeries {
                var forged = bundle
                forged.anchor = checkpoint
                let result = try await Self.verifier(bundle).verify(forged)
                #expect(result.failureCodes == ["anchor_signature_invalid"], "\(name)")
                #expect(result.verdict == .red, "\(name)")
            }
        }
    }

    @Test func aCheckpointOfAnotherRootIsRootMismatch() async throws {
        try await withPassport { _, server, _, bundle in
            var other = try #require(bundle.anchor)
            other.root = Hash32(hashing: [7])
            var forged = bundle
            // Signed by the operator (an old checkpoint, say): the signature holds, the root does not.
            forged.anchor = try await other.signed(by: try await Self.operatorSigner(server).signer)
            #expect(try await Self.verifier(bundle).verify(forged).failureCodes == ["root_mismatch"])
            // Edited by anyone else: neither holds.
            forged.anchor = other
            let result = try await Self.verifier(bundle).verify(forged)
            #expect(result.failureCodes == ["anchor_signature_invalid", "root_mismatch"])
            #expect(result.verdict == .red)
        }
    }

    @Test func aSwappedDIDDocumentIsDIDDocumentMismatch() async throws {
        try await withPassport { _, _, _, bundle in
            let carried = try #require(bundle.didDocuments.first)
            let stranger = SoftwareSigner.generate(.ed25519)
            var json = carried.json
            json["verificationMethod"] = .array((carried.json["verificationMethod"]?.arrayValue ?? []).map { method in
                var method = method.objectValue ?? [:]
                method["publicKeyMultibase"] = .string(stranger.verificationKey.multikey)
                return .object(method)
            })
            var forged = bundle
            forged.didDocuments = [try DIDDocument(.object(json))]
            let result = try await Self.verifier(bundle).verify(forged)
            #expect(result.failureCodes == ["did_document_mismatch"])
            #expect(result.verdict == .red)
            // Without pinned keys the swapped document is all there is, and the genuine signatures fail against it.
            #expect(await PassportVerifier(trustedKeys: try PinnedKeys()).verify(forged).verdict == .red)
        }
    }

    @Test func signaturesByAKeyTheVerifierDoesNotPinAreKeyNotPinned() async throws {
        try await withPassport { _, _, _, bundle in
            // The verifier pins another key for the operator (as after a rotation it has not heard of).
            let pinned = try PinnedKeys([
                try PinnedKeys.Key(
                    id: Self.operatorID + "#key-9", controller: Self.operatorID, publicKey: SoftwareSigner.generate(.ed25519).verificationKey)
            ])
            let result = await PassportVerifier(trustedKeys: pinned).verify(bundle)
            #expect(result.failureCodes.contains("key_not_pinned"))
            #expect(result.failureCodes.contains("anchor_signature_invalid"))
            #expect(!result.failureCodes.contains("did_document_mismatch"))
            #expect(result.verdict == .red)
        }
    }

    @Test func aCheckpointOlderThanTheVerifierAcceptsIsAnchorOutdatedAmber() async throws {
        try await withPassport { _, _, _, bundle in
            let signed = try #require(bundle.anchor).issuedAt
            let verifier = PassportVerifier(
                trustedKeys: try Self.pinned(bundle), maxCheckpointAge: 3_600, now: { signed.addingTimeInterval(7_200) })
            let result = await verifier.verify(bundle)
            #expect(result.failureCodes == ["anchor_outdated"])
            #expect(result.verdict == .amber)
            let fresh = PassportVerifier(trustedKeys: try Self.pinned(bundle), maxCheckpointAge: 3_600, now: { signed.addingTimeInterval(60) })
            #expect(await fresh.verify(bundle).verdict == .green)
        }
    }
}
