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
/// (warranty void, firmware advisory, an expired warranty by the verifier's clock), and forgeries an
/// insider holding the operator's key could make (a leaf naming other credentials, a broken ownership
/// chain, a credential by another issuer, a second-life origin the original operator never anchored).
@Suite struct PassportVerdictCodeTests {
    static let operatorID = "did:web:localhost%3A8080:operators:packmaker"

    /// A provisioned, handed-off, anchored pack and its bundle.
    private func withPassport(
        _ body: @Sendable (_ client: any TestClientProtocol, _ server: VoltpassServer, _ issuer: String, _ bundle: PassportBundle) async throws -> Void
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

    static func anchoredBundle(_ client: some TestClientProtocol, _ issuer: String) async throws -> PassportBundle {
        #expect(try await client.post("/operators/packmaker/anchor", [:], token: issuer).status == .ok)
        let response = try await client.execute(uri: "/passports/V-1/bundle", method: .get)
        return try PassportBundle(json: try JSONValue(parsing: Array(buffer: response.body)))
    }

    /// `credential` re-signed by the operator after `change`, keeping its id.
    static func resigned(_ credential: Credential, server: VoltpassServer, _ change: (inout JSONObject) -> Void) async throws -> Credential {
        let keys = OperatorKeys(did: operatorID, store: server.store, dataDirectory: server.configuration.dataDirectory)
        let (method, signer) = try await keys.currentSigner()
        var document = credential.json
        document["proof"] = nil
        change(&document)
        return try await CredentialIssuer(signer: signer, verificationMethod: method).issue(document)
    }

    /// The bundle with `leaf` in a trie of its own whose root is anchored, as a forger would make it.
    static func withForgedLeaf(_ bundle: PassportBundle, _ leaf: BatteryLeaf) async throws -> PassportBundle {
        let trie = try await MerkleTrie()
        try await trie.insert(key: leaf.key, value: leaf.cbor())
        let proof = try await trie.proof(for: leaf.key)
        var forged = bundle
        forged.leaf = leaf.cbor()
        forged.proof = proof.proof
        forged.trieRoot = proof.root
        forged.anchor?.root = proof.root
        return forged
    }

    @Test func genuineIsGreenWithEveryCheck() async throws {
        try await withPassport { _, _, _, bundle in
            let result = await PassportVerifier(operatorAuthorized: true).verify(bundle)
            #expect(result.verdict == .green, "\(result.failureCodes)")
            #expect(result.checks == ["credentials", "issuer_authority", "ownership_chain", "leaf", "trie_proof", "anchor", "lifecycle"])
        }
    }

    @Test func leafNamingOtherCredentialsIsLeafMismatch() async throws {
        try await withPassport { _, _, _, bundle in
            var leaf = try BatteryLeaf(cbor: bundle.leaf)
            leaf.credentials.bom = "urn:uuid:another-bom"
            let result = await PassportVerifier(operatorAuthorized: true).verify(try await Self.withForgedLeaf(bundle, leaf))
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
            let result = await PassportVerifier(operatorAuthorized: true).verify(forged)
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
            let result = await PassportVerifier(operatorAuthorized: true).verify(forged)
            #expect(result.failureCodes == ["issuer_mismatch"])
            #expect(result.verdict == .red)
        }
    }

    @Test func warrantyPastItsEndIsWarrantyExpiredAmber() async throws {
        try await withPassport { _, _, _, bundle in
            let leaf = try BatteryLeaf(cbor: bundle.leaf)
            let end = Date(timeIntervalSince1970: Double(try #require(leaf.warranty).endMilliseconds) / 1000)
            let result = await PassportVerifier(operatorAuthorized: true, now: { end.addingTimeInterval(86_400) }).verify(bundle)
            #expect(result.failureCodes == ["warranty_expired"])
            #expect(result.verdict == .amber)
        }
    }

    @Test func voidedWarrantyAndFirmwareAdvisoryAreAmber() async throws {
        try await withPassport { client, _, issuer, _ in
            #expect(try await client.post("/passports/V-1/lifecycle", ["action": "voidWarranty"], token: issuer).status == .ok)
            let voided = await PassportVerifier(operatorAuthorized: true).verify(try await Self.anchoredBundle(client, issuer))
            #expect(voided.failureCodes == ["warranty_voided"])
            #expect(voided.verdict == .amber)

            let firmware: JSONObject = [
                "action": "firmware", "version": "1.4.3", "sha256": .string(String(repeating: "cd", count: 32)),
                "advisory": "update before charging above 80 %",
            ]
            #expect(try await client.post("/passports/V-1/lifecycle", firmware, token: issuer).status == .ok)
            let advised = await PassportVerifier(operatorAuthorized: true).verify(try await Self.anchoredBundle(client, issuer))
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
}
