import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct DIDDocumentTests {
    let did = "did:web:example.com"

    /// A document with a relative method id, an embedded authentication method, a JWK method,
    /// an unknown property and time-bounded methods.
    func sample() throws -> (DIDDocument, ed25519: PublicKey, p256: PublicKey) {
        let ed25519 = SoftwareSigner.generate(.ed25519).verificationKey
        let p256 = SoftwareSigner.generate(.p256).verificationKey
        let json: JSONValue = [
            "@context": ["https://www.w3.org/ns/did/v1.1"],
            "id": .string(did),
            "service": [["id": "#passports", "type": "LinkedDomains", "serviceEndpoint": "https://example.com"]],
            "verificationMethod": [
                ["id": "#key-1", "type": "Multikey", "controller": .string(did), "publicKeyMultibase": .string(ed25519.multikey)],
                ["id": .string(did + "#jwk"), "type": "JsonWebKey", "controller": .string(did), "publicKeyJwk": .object(p256.jwk)],
                [
                    "id": "#expiring", "type": "Multikey", "controller": .string(did), "publicKeyMultibase": .string(ed25519.multikey),
                    "expires": "2030-01-01T00:00:00Z", "validFrom": "2020-01-01T00:00:00+01:00",
                ],
                ["id": "#broken", "type": "Multikey", "controller": .string(did), "publicKeyMultibase": .string(ed25519.multikey), "revoked": "yesterday"],
                ["id": "#nokey", "type": "Multikey", "controller": .string(did)],
                ["type": "Multikey"],
            ],
            "authentication": [["id": "#embedded", "type": "Multikey", "controller": .string(did), "publicKeyMultibase": .string(p256.multikey)]],
            "assertionMethod": ["#key-1", .string(did + "#jwk"), "#expiring", "#broken", "#undefined", 42],
        ]
        return (try DIDDocument(json), ed25519, p256)
    }

    @Test func findsMethodsByAbsoluteOrRelativeId() throws {
        let (document, ed25519, p256) = try sample()
        #expect(document.verificationMethods.map(\.id) == [
            did + "#key-1", did + "#jwk", did + "#expiring", did + "#broken", did + "#nokey", did + "#embedded",
        ])
        #expect(try document.verificationMethod(id: "#key-1")?.publicKey() == ed25519)
        #expect(try document.verificationMethod(id: did + "#key-1")?.publicKey() == ed25519)
        #expect(try document.verificationMethod(id: "#jwk")?.publicKey() == p256)
        #expect(try document.verificationMethod(id: "#embedded")?.publicKey() == p256)
        #expect(document.verificationMethod(id: "#key-1")?.type == "Multikey")
        #expect(document.verificationMethod(id: "#key-1")?.controller == did)
        #expect(document.verificationMethod(id: "#undefined") == nil)
        #expect(document.verificationMethod(id: "did:web:other.example#key-1") == nil)
        expectIdentityError(.unsupportedPublicKeyType) { try document.verificationMethod(id: "#nokey")?.publicKey() }
        #expect(document.json["service"] != nil, "unknown properties survive")
    }

    /// The legacy method types VC 1.1 issuers publish: Ed25519VerificationKey2018 with
    /// `publicKeyBase58`, JsonWebKey2020 with `publicKeyJwk` (Ed25519, P-256, P-384).
    @Test func legacyVerificationMethodTypesResolveToKeys() throws {
        let ed25519 = SoftwareSigner.generate(.ed25519).verificationKey
        let p256 = SoftwareSigner.generate(.p256).verificationKey
        let p384 = SoftwareSigner.generate(.p384).verificationKey
        let base58 = JSONValue.string(Base58BTC.encode(ed25519.rawRepresentation))
        let document = try DIDDocument([
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/ed25519-2018/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": .string(did),
            "verificationMethod": [
                ["id": "#ed-2018", "type": "Ed25519VerificationKey2018", "controller": .string(did), "publicKeyBase58": base58],
                ["id": "#ed-jwk", "type": "JsonWebKey2020", "controller": .string(did), "publicKeyJwk": .object(ed25519.jwk)],
                ["id": "#p256-jwk", "type": "JsonWebKey2020", "controller": .string(did), "publicKeyJwk": .object(p256.jwk)],
                ["id": "#p384-jwk", "type": "JsonWebKey2020", "controller": .string(did), "publicKeyJwk": .object(p384.jwk)],
                ["id": "#base58-other", "type": "EcdsaSecp256k1VerificationKey2019", "controller": .string(did), "publicKeyBase58": base58],
                ["id": "#base58-bad", "type": "Ed25519VerificationKey2018", "controller": .string(did), "publicKeyBase58": "0OIl"],
                ["id": "#base58-short", "type": "Ed25519VerificationKey2018", "controller": .string(did), "publicKeyBase58": "3mJr7AoUXx2Wqd"],
            ],
        ])
        #expect(try document.verificationMethod(id: "#ed-2018")?.publicKey() == ed25519)
        #expect(try document.verificationMethod(id: "#ed-jwk")?.publicKey() == ed25519)
        #expect(try document.verificationMethod(id: "#p256-jwk")?.publicKey() == p256)
        #expect(try document.verificationMethod(id: "#p384-jwk")?.publicKey() == p384)
        expectIdentityError(.unsupportedPublicKeyType) { try document.verificationMethod(id: "#base58-other")?.publicKey() }
        expectIdentityError(.invalidPublicKey) { try document.verificationMethod(id: "#base58-bad")?.publicKey() }
        expectIdentityError(.invalidPublicKeyLength) { try document.verificationMethod(id: "#base58-short")?.publicKey() }
    }

    @Test func authorizesByRelationshipAndTime() throws {
        let (document, _, _) = try sample()
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        #expect(document.isAuthorized(methodID: "#key-1", for: .assertionMethod, at: now))
        #expect(document.isAuthorized(methodID: did + "#key-1", for: .assertionMethod, at: nil))
        #expect(!document.isAuthorized(methodID: "#key-1", for: .authentication, at: now))
        #expect(document.isAuthorized(methodID: "#jwk", for: .assertionMethod, at: now))
        #expect(document.isAuthorized(methodID: "#embedded", for: .authentication, at: now))
        #expect(!document.isAuthorized(methodID: "#embedded", for: .assertionMethod, at: now))
        #expect(!document.isAuthorized(methodID: "#undefined", for: .assertionMethod, at: now), "listed but not defined")
        #expect(!document.isAuthorized(methodID: "#nokey", for: .assertionMethod, at: now), "defined but not listed")
        #expect(!document.isAuthorized(methodID: "#broken", for: .assertionMethod, at: now), "malformed revoked fails closed")

        let expiring = try #require(document.verificationMethod(id: "#expiring"))
        #expect(expiring.validFrom == Date(timeIntervalSince1970: 1_577_833_200))
        #expect(expiring.expires == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(document.isAuthorized(methodID: "#expiring", for: .assertionMethod, at: now))
        #expect(!document.isAuthorized(methodID: "#expiring", for: .assertionMethod, at: Date(timeIntervalSince1970: 1_893_456_000)))
        #expect(!document.isAuthorized(methodID: "#expiring", for: .assertionMethod, at: Date(timeIntervalSince1970: 1_577_833_199)))
        #expect(!document.isAuthorized(methodID: "#expiring", for: .assertionMethod, at: nil))
    }

    @Test func dateTimeStampsAreParsedStrictly() throws {
        let (document, _, _) = try sample()
        func validFrom(_ text: String) throws -> Date? {
            var method = try #require(document.verificationMethod(id: "#key-1")?.json)
            method["validFrom"] = .string(text)
            let json: JSONValue = ["id": .string(did), "verificationMethod": [.object(method)], "assertionMethod": ["#key-1"]]
            return try DIDDocument(json).verificationMethod(id: "#key-1")?.validFrom
        }
        #expect(try validFrom("2024-02-29T12:30:45.5Z") == Date(timeIntervalSince1970: 1_709_209_845.5))
        #expect(try validFrom("2024-02-29T12:30:45-02:30") == Date(timeIntervalSince1970: 1_709_218_845))
        #expect(try validFrom("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
        for bad in ["2023-02-29T00:00:00Z", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100", "2024-1-01T00:00:00Z", "", "now"]
        {
            #expect(try validFrom(bad) == nil, "\(bad)")
        }
    }

    @Test func invalidDocumentsAreRefused() {
        expectIdentityError(.invalidDidDocument) { try DIDDocument(["id": 1]) }
        expectIdentityError(.invalidDidDocument) { try DIDDocument(["id": "https://example.com"]) }
        expectIdentityError(.invalidDidDocument) { try DIDDocument(["id": "did:web:example.com#key-1"]) }
        expectIdentityError(.invalidDidDocument) { try DIDDocument(["@context": "https://www.w3.org/ns/did/v1.1"]) }
        expectIdentityError(.invalidDidDocument) { try DIDDocument(["did:web:example.com"]) }
        expectIdentityError(.invalidDidDocument) { try DIDDocument(parsing: Array("{\"id\":".utf8)) }
        expectIdentityError(.invalidDidDocument) { try DIDDocument(parsing: []) }
        #expect(throws: Never.self) { try DIDDocument(parsing: Array(#"{"id":"did:web:example.com"}"#.utf8)) }
    }
}

@Suite struct DIDURLTests {
    @Test func parsesDIDURLs() throws {
        let url = try DIDURL("did:web:example.com%3A8443:user:alice/path/x?service=files&v=1#key-1")
        #expect(url.did == "did:web:example.com%3A8443:user:alice")
        #expect(url.method == "web")
        #expect(url.methodSpecificID == "example.com%3A8443:user:alice")
        #expect(url.path == "/path/x")
        #expect(url.query == "service=files&v=1")
        #expect(url.fragment == "key-1")
        #expect(!url.isBareDID)
        #expect(url.description == "did:web:example.com%3A8443:user:alice/path/x?service=files&v=1#key-1")
        #expect(try DIDURL.parseDID("did:example:123").isBareDID)
        #expect(try DIDURL("did:example:a::b").methodSpecificID == "a::b")
    }

    @Test(arguments: [
        "", "did", "did:", "did::x", "did:example", "did:example:", "did:example:a:", "did:Example:123", "did:ex-ample:1",
        "DID:example:123", "did:example:12 3", "did:example:%2", "did:example:%zz", "did:example:ä", "urn:example:1",
    ])
    func rejectsMalformedDIDs(text: String) {
        expectIdentityError(.invalidDid, "\(text)") { try DIDURL(text) }
    }

    @Test func rejectsMalformedURLParts() {
        expectIdentityError(.invalidDidUrl) { try DIDURL("did:example:123#a b") }
        expectIdentityError(.invalidDidUrl) { try DIDURL("did:example:123#%g0") }
        expectIdentityError(.invalidDidUrl) { try DIDURL("did:example:123/a<b") }
        expectIdentityError(.invalidDidUrl) { try DIDURL("did:example:123?x=\"") }
        expectIdentityError(.invalidDid) { try DIDURL.parseDID("did:example:123#key-1") }
    }
}

@Suite struct DispatchTests {
    @Test func dispatchesOnTheMethod() async throws {
        let resolver = MethodDispatchResolver(web: DIDWebResolver(configuration: DIDWebResolverTests.local))
        let key = SoftwareSigner.generate(.p256).verificationKey
        let did = DIDKey.did(for: key)
        #expect(try await resolver.resolve(did).id == did)
        #expect(try await resolver.verificationMethod(did + "#" + key.multikey).publicKey() == key)
        await expectIdentityError(.notFound) { try await resolver.verificationMethod(did + "#other") }
        try await DIDTestServer.run { server async throws in
            #expect(try await resolver.resolve(server.did("ok")).id == server.did("ok"))
            #expect(try await resolver.verificationMethod(server.did("ok") + "#key-1").publicKey() == server.key)
        }
    }

    @Test(arguments: ["did:example:123", "did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w", "did:peer:0z6Mk", "did:webs:example.com"])
    func unknownMethodsAreNotSupported(did: String) async {
        await expectIdentityError(.methodNotSupported) { try await MethodDispatchResolver(web: DIDWebResolver()).resolve(did) }
    }

    @Test(arguments: ["", "example:123", "did:EXAMPLE:123", "did:key", "did:web:", "http://example.com"])
    func malformedInputIsInvalid(did: String) async {
        await expectIdentityError(.invalidDid) { try await MethodDispatchResolver(web: DIDWebResolver()).resolve(did) }
    }
}
