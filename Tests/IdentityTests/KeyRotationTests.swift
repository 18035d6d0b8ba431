import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct KeyRotationTests {
    let did = "did:web:passports.example.com:operators:acme"

    /// REQ-NF05: sign with key 1 at t0, rotate at t1, sign with key 2 at t2. At t3 the published
    /// document still verifies the t0 signature with key 1, refuses key 1 for t2, and accepts key 2 for t2.
    @Test func credentialsSignedBeforeARotationStillVerify() async throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let t1 = t0.addingTimeInterval(86_400)
        let t2 = t1.addingTimeInterval(3_600)
        let start = t0.addingTimeInterval(-60)
        let key1 = SoftwareSigner.generate(.ed25519)
        let key2 = SoftwareSigner.generate(.p256)

        var records = try KeyRotation.rotate([], controller: did, to: key1, at: start, secretLocation: "keys/key-1.json")
        let credential1 = Array("credential issued at t0".utf8)
        let signature1 = try await key1.sign(credential1)

        records = try KeyRotation.rotate(records, controller: did, to: key2, at: t1)
        let credential2 = Array("credential issued at t2".utf8)
        let signature2 = try await key2.sign(credential2)

        #expect(records.map(\.id) == [did + "#key-1", did + "#key-2"])
        #expect(records[0].validUntil == t1)
        #expect(records[0].secretLocation == "keys/key-1.json")
        #expect(records[1].validFrom == t1 && records[1].validUntil == nil)
        #expect(records[1].algorithm == .p256)

        // At t3 a verifier fetches the document as published (JSON text) and checks both credentials.
        let published = try DIDWeb.document(did: did, keys: records).serialized
        let document = try DIDDocument(parsing: published)
        let method1 = did + "#key-1"
        let method2 = did + "#key-2"

        #expect(document.isAuthorized(methodID: method1, for: .assertionMethod, at: t0))
        #expect(try document.verificationMethod(id: method1)?.publicKey().verify(signature: signature1, message: credential1) == true)
        #expect(!document.isAuthorized(methodID: method1, for: .assertionMethod, at: t2))
        #expect(!document.isAuthorized(methodID: method1, for: .assertionMethod, at: t1), "revoked at t1 means invalid at t1")
        #expect(document.isAuthorized(methodID: method2, for: .assertionMethod, at: t2))
        #expect(try document.verificationMethod(id: "#key-2")?.publicKey().verify(signature: signature2, message: credential2) == true)
        #expect(!document.isAuthorized(methodID: method2, for: .assertionMethod, at: t0), "key 2 was not valid yet")
        #expect(!document.isAuthorized(methodID: method1, for: .authentication, at: t0), "a retired key no longer authenticates")
        #expect(document.isAuthorized(methodID: method2, for: .authentication, at: t2))
        #expect(!document.isAuthorized(methodID: method1, for: .assertionMethod, at: nil), "no signing time, no retired key")
    }

    /// The document's shape: Multikey methods with `validFrom`/`revoked` as dateTimeStamps, the
    /// defining context, current keys in every relationship and retired ones in assertionMethod only.
    @Test func documentShape() throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let t1 = Date(timeIntervalSince1970: 1_700_086_400.25)
        let key1 = SoftwareSigner.generate(.ed25519)
        let key2 = SoftwareSigner.generate(.ed25519)
        var records = try KeyRotation.rotate([], controller: did, to: key1, at: t0)
        records = try KeyRotation.rotate(records, controller: did, to: key2, at: t1)
        // Input order does not matter: methods are ordered by validFrom.
        let document = try DIDWeb.document(did: did, keys: records.reversed())
        let json = try foundationJSON(document.serialized)
        let expected: NSDictionary = [
            "@context": [
                "https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                [
                    "validFrom": ["@id": "https://www.w3.org/2018/credentials#validFrom", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"],
                    "CardanoPaymentAddress": "https://voltpass.dev/ns/did#CardanoPaymentAddress",
                ],
            ],
            "id": did,
            "verificationMethod": [
                [
                    "id": did + "#key-1", "type": "Multikey", "controller": did,
                    "publicKeyMultibase": key1.verificationKey.multikey,
                    "validFrom": "2023-11-14T22:13:20Z", "revoked": "2023-11-15T22:13:20.250Z",
                ],
                [
                    "id": did + "#key-2", "type": "Multikey", "controller": did,
                    "publicKeyMultibase": key2.verificationKey.multikey, "validFrom": "2023-11-15T22:13:20.250Z",
                ],
            ],
            "authentication": [did + "#key-2"],
            "assertionMethod": [did + "#key-1", did + "#key-2"],
            "capabilityInvocation": [did + "#key-2"],
            "capabilityDelegation": [did + "#key-2"],
        ]
        #expect(json == expected)
        #expect(document.verificationMethod(id: "#key-1")?.revoked == t1)
        #expect(document.verificationMethod(id: "#key-2")?.validFrom == t1)
    }

    /// Ids continue after the highest existing number, whatever the gaps.
    @Test func idsStayStable() throws {
        let t0 = Date(timeIntervalSince1970: 1_000)
        let records = [
            KeyRecord(id: did + "#key-3", controller: did, algorithm: .ed25519,
                publicKeyMultibase: SoftwareSigner.generate(.ed25519).verificationKey.multikey, validFrom: t0,
                validUntil: t0.addingTimeInterval(10)),
            KeyRecord(id: did + "#key-7", controller: did, algorithm: .ed25519,
                publicKeyMultibase: SoftwareSigner.generate(.ed25519).verificationKey.multikey, validFrom: t0.addingTimeInterval(10)),
        ]
        let rotated = try KeyRotation.rotate(records, controller: did, to: SoftwareSigner.generate(.p256), at: t0.addingTimeInterval(20))
        #expect(rotated.map(\.id) == [did + "#key-3", did + "#key-7", did + "#key-8"])
        #expect(rotated[0] == records[0], "already retired keys are untouched")
        #expect(rotated[1].validUntil == t0.addingTimeInterval(20))
    }

    @Test func inconsistentHistoriesAreRefused() throws {
        let t0 = Date(timeIntervalSince1970: 1_000)
        let key = SoftwareSigner.generate(.ed25519)
        let records = try KeyRotation.rotate([], controller: did, to: key, at: t0)
        expectIdentityError(.invalidKeyHistory, "rotating before the current key became valid") {
            try KeyRotation.rotate(records, controller: did, to: SoftwareSigner.generate(.ed25519), at: t0)
        }
        expectIdentityError(.invalidKeyHistory, "the same key again") {
            try KeyRotation.rotate(records, controller: did, to: key, at: t0.addingTimeInterval(1))
        }
        expectIdentityError(.invalidKeyHistory, "another controller's records") {
            try KeyRotation.rotate(records, controller: "did:web:other.example", to: SoftwareSigner.generate(.ed25519), at: t0.addingTimeInterval(1))
        }

        var foreign = records[0]
        foreign.controller = "did:web:other.example"
        expectIdentityError(.invalidKeyHistory) { try DIDWeb.document(did: did, keys: [foreign]) }
        var outside = records[0]
        outside.id = "did:web:other.example#key-1"
        expectIdentityError(.invalidKeyHistory) { try DIDWeb.document(did: did, keys: [outside]) }
        var empty = records[0]
        empty.id = did + "#"
        expectIdentityError(.invalidKeyHistory) { try DIDWeb.document(did: did, keys: [empty]) }
        expectIdentityError(.invalidKeyHistory, "duplicate ids") { try DIDWeb.document(did: did, keys: [records[0], records[0]]) }
        var mislabelled = records[0]
        mislabelled.algorithm = .p256
        expectIdentityError(.invalidKeyHistory) { try DIDWeb.document(did: did, keys: [mislabelled]) }
        var garbage = records[0]
        garbage.publicKeyMultibase = "zzz"
        expectIdentityError(.invalidKeyHistory) { try DIDWeb.document(did: did, keys: [garbage]) }
        var backwards = records[0]
        backwards.validUntil = t0.addingTimeInterval(-1)
        expectIdentityError(.invalidKeyHistory) { try DIDWeb.document(did: did, keys: [backwards]) }
        expectIdentityError(.invalidDid) { try DIDWeb.document(did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", keys: []) }
    }
}
