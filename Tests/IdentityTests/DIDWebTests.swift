import Foundation
import Identity
import Testing
import VectorSupport

@Suite struct DIDWebTests {
    /// The three examples of the did:web spec, both ways.
    @Test(.vectors) func mapsTheSpecExamplesBothWays() throws {
        let vectors = try VectorJSON.object("did-key/did-web-resolution.json")
        let examples = try #require(vectors["examples"] as? [[String: String]])
        #expect(examples.count == 3)
        for example in examples {
            let did = try #require(example["did"])
            let url = try #require(example["url"])
            #expect(try DIDWeb.documentURL(for: did).absoluteString == url)
            #expect(try DIDWeb.did(forDocumentURL: try #require(URL(string: url))) == did)
        }
    }

    @Test func loopbackHTTPOnlyWhenEnabled() throws {
        #expect(try DIDWeb.documentURL(for: "did:web:localhost%3A8080").absoluteString == "https://localhost:8080/.well-known/did.json")
        #expect(
            try DIDWeb.documentURL(for: "did:web:localhost%3A8080", allowLoopbackHTTP: true).absoluteString
                == "http://localhost:8080/.well-known/did.json")
        #expect(
            try DIDWeb.documentURL(for: "did:web:example.com:ops", allowLoopbackHTTP: true).absoluteString
                == "https://example.com/ops/did.json")
        let local = try #require(URL(string: "http://localhost:8080/operators/acme/did.json"))
        #expect(try DIDWeb.did(forDocumentURL: local, allowLoopbackHTTP: true) == "did:web:localhost%3A8080:operators:acme")
        expectIdentityError(.invalidDid, "http needs the opt-in") { try DIDWeb.did(forDocumentURL: local) }
        expectIdentityError(.invalidDid, "http is for localhost only") {
            try DIDWeb.did(forDocumentURL: try #require(URL(string: "http://example.com/did.json")), allowLoopbackHTTP: true)
        }
    }

    @Test func percentEncodedPathSegmentsSurvive() throws {
        let did = "did:web:example.com:user%20name:x_y-z.1"
        let url = try DIDWeb.documentURL(for: did)
        #expect(url.absoluteString == "https://example.com/user%20name/x_y-z.1/did.json")
        #expect(try DIDWeb.did(forDocumentURL: url) == did)
        #expect(try DIDWeb.documentURL(for: "did:web:example.com%3a443").absoluteString == "https://example.com:443/.well-known/did.json")
    }

    @Test(arguments: [
        "did:web:127.0.0.1", "did:web:10.0.0.1%3A8080", "did:web:192.168.1.1:user", "did:web:0x7f000001",
        "did:web:2130706433", "did:WEB:example.com", "DID:web:example.com", "did:Web:example.com", "did:web:",
        "did:web", "did:web::user", "did:web:example.com::alice", "did:web:example.com:", "did:web:example.com%3",
        "did:web:example.com%3A", "did:web:exa%zzmple.com", "did:web:example.com%2Fevil", "did:web:example.com%3A0",
        "did:web:example.com%3A65536", "did:web:example.com%3A80%3A81", "did:web:example.com%3Ahttp",
        "did:web:-example.com", "did:web:example-.com", "did:web:example..com", "did:web:.example.com",
        "did:web:exam_ple.com", "did:web:example.com:..", "did:web:example.com:.:x", "did:web:example.com#key-1",
        "did:web:example.com/path", "did:web:ex ample.com", "did:web:exämple.com", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ])
    func rejectsInvalidDIDs(did: String) {
        expectIdentityError(.invalidDid, "\(did)") { try DIDWeb.documentURL(for: did) }
    }

    @Test(arguments: [
        "https://127.0.0.1/.well-known/did.json", "https://[::1]/.well-known/did.json", "https://example.com/did.json",
        "https://example.com/user/alice", "https://example.com/user/alice/did.json?x=1",
        "https://example.com/user/alice/did.json#frag", "https://user:pw@example.com/.well-known/did.json",
        "ftp://example.com/.well-known/did.json", "https://example.com//did.json", "https://example.com/a~b/did.json",
    ])
    func rejectsURLsWithoutADID(url: String) throws {
        let parsed = try #require(URL(string: url))
        expectIdentityError(.invalidDid, "\(url)") { try DIDWeb.did(forDocumentURL: parsed) }
    }
}
