import Encoding
import Foundation
import Identity
import Testing

/// The keys a verifier pins: from a key history or a DID document, as a trust file and back, and as
/// the DID document a verifier resolves a pinned DID to.
@Suite struct PinnedKeysTests {
    let did = "did:web:passports.example.com:operators:acme"
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let t1 = Date(timeIntervalSince1970: 1_700_086_400)

    /// Two keys, the first retired at t1 by a rotation to the second.
    func history() throws -> (records: [KeyRecord], first: SoftwareSigner, second: SoftwareSigner) {
        let first = SoftwareSigner.generate(.ed25519)
        let second = SoftwareSigner.generate(.p256)
        var records = try KeyRotation.rotate([], controller: did, to: first, at: t0)
        records = try KeyRotation.rotate(records, controller: did, to: second, at: t1)
        return (records, first, second)
    }

    @Test func aKeyHistoryAndItsDIDDocumentPinTheSameKeysWithTheirValidity() throws {
        let (records, first, second) = try history()
        let fromHistory = try PinnedKeys(history: records)
        let fromDocument = try PinnedKeys(document: try DIDWeb.document(did: did, keys: records))
        #expect(fromHistory == fromDocument)
        let keys = fromHistory.keys(of: did)
        #expect(keys.map(\.id) == [did + "#key-1", did + "#key-2"])
        #expect(keys.map(\.publicKey) == [first.verificationKey, second.verificationKey])
        #expect(keys[0].validFrom == t0 && keys[0].validUntil == t1)
        #expect(keys[1].validFrom == t1 && keys[1].validUntil == nil)
        #expect(keys[0].isValid(at: t0) && !keys[0].isValid(at: t1) && !keys[0].isValid(at: t0.addingTimeInterval(-1)))
        #expect(keys[1].isValid(at: t1) && !keys[1].isValid(at: t0))
        #expect(fromHistory.pins(did) && !fromHistory.pins("did:web:other.example"))
        #expect(fromHistory.key(id: did + "#key-2")?.publicKey == second.verificationKey)
    }

    @Test func theTrustFileRoundTripsAndReadsAsDocumented() throws {
        let (records, _, second) = try history()
        let pinned = try PinnedKeys(history: records)
        #expect(try PinnedKeys(json: .object(pinned.json)) == pinned)
        // The documented shape, written by hand.
        let text = """
            {"type": "VoltpassTrustFile", "keys": [{"id": "\(did)#key-2", "controller": "\(did)", "type": "Multikey",
              "publicKeyMultibase": "\(second.verificationKey.multikey)", "validFrom": "2023-11-15T22:13:20Z"}]}
            """
        let read = try PinnedKeys(json: try JSONValue(parsing: Array(text.utf8)))
        #expect(read.keys.count == 1)
        #expect(read.keys[0].validFrom == t1)
        #expect(read.keys[0].validUntil == nil)
        #expect(read.keys[0].publicKey == second.verificationKey)
    }

    @Test(arguments: [
        (#"[]"#, "/ "),
        (#"{"type": "Other", "keys": []}"#, "/type"),
        (#"{"type": "VoltpassTrustFile"}"#, "/keys"),
        (#"{"type": "VoltpassTrustFile", "keys": [1]}"#, "/keys/0"),
        (#"{"type": "VoltpassTrustFile", "keys": [{"id": "did:web:a.example#k", "controller": "did:web:a.example", "type": "JsonWebKey", "publicKeyMultibase": "z6Mk"}]}"#, "/keys/0/type"),
        (#"{"type": "VoltpassTrustFile", "keys": [{"id": "did:web:a.example#k", "controller": "did:web:a.example", "type": "Multikey", "publicKeyMultibase": "zNotAKey"}]}"#, "/keys/0/publicKeyMultibase"),
        (#"{"type": "VoltpassTrustFile", "keys": [{"id": "did:web:b.example#k", "controller": "did:web:a.example", "type": "Multikey", "publicKeyMultibase": "KEY"}]}"#, "/keys/0 "),
        (#"{"type": "VoltpassTrustFile", "keys": [{"id": "did:web:a.example#k", "controller": "did:web:a.example", "type": "Multikey", "publicKeyMultibase": "KEY", "validFrom": "yesterday"}]}"#, "/keys/0/validFrom"),
        (#"{"type": "VoltpassTrustFile", "keys": [{"id": "did:web:a.example#k", "controller": "did:web:a.example", "type": "Multikey", "publicKeyMultibase": "KEY", "validFrom": "2025-01-02T00:00:00Z", "validUntil": "2025-01-01T00:00:00Z"}]}"#, "/keys/0 "),
    ])
    func aMalformedTrustFileIsRefusedNamingTheMember(text: String, pointer: String) throws {
        let key = SoftwareSigner.generate(.ed25519).verificationKey.multikey
        let value = try JSONValue(parsing: Array(text.replacingOccurrences(of: "\"KEY\"", with: "\"\(key)\"").utf8))
        do {
            _ = try PinnedKeys(json: value)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.kind == .invalidTrustFile)
            #expect(error.message.hasPrefix(pointer), "\(error.message)")
        }
    }

    @Test func aKeyIdPinnedTwiceWithDifferentKeysIsRefused() throws {
        let first = try PinnedKeys([try PinnedKeys.Key(id: did + "#key-1", controller: did, publicKey: SoftwareSigner.generate(.ed25519).verificationKey)])
        let second = try PinnedKeys([try PinnedKeys.Key(id: did + "#key-1", controller: did, publicKey: SoftwareSigner.generate(.ed25519).verificationKey)])
        expectIdentityError(.invalidTrustFile) { try first.merging(second) }
        #expect(try first.merging(first) == first, "the same key twice is one key")
    }

    @Test func aDocumentWithoutAssertionKeysPinsNothingAndSaysSo() throws {
        let key = SoftwareSigner.generate(.ed25519).verificationKey
        let document = try DIDDocument(.object([
            "id": .string(did),
            "verificationMethod": [["id": .string(did + "#auth"), "type": "Multikey", "controller": .string(did), "publicKeyMultibase": .string(key.multikey)]],
            "authentication": [.string(did + "#auth")],
        ]))
        expectIdentityError(.invalidTrustFile) { try PinnedKeys(document: document) }
    }

    /// The document a pinned DID resolves to: only the pinned keys, for assertionMethod, within their validity.
    @Test func thePinnedDocumentAuthorizesThePinnedKeysOnly() throws {
        let (records, _, _) = try history()
        let pinned = try PinnedKeys(history: records)
        let document = try #require(pinned.document(for: did))
        #expect(document.id == did)
        #expect(document.verificationMethods.map(\.id) == [did + "#key-1", did + "#key-2"])
        #expect(document.isAuthorized(methodID: did + "#key-1", for: .assertionMethod, at: t0))
        #expect(!document.isAuthorized(methodID: did + "#key-1", for: .assertionMethod, at: t1))
        #expect(document.isAuthorized(methodID: did + "#key-2", for: .assertionMethod, at: t1))
        #expect(!document.isAuthorized(methodID: did + "#key-2", for: .authentication, at: t1))
        #expect(try document.verificationMethod(id: did + "#key-2")?.publicKey() == pinned.keys[1].publicKey)
        #expect(pinned.document(for: "did:web:other.example") == nil)
    }
}
