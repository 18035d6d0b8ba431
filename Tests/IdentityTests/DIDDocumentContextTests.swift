import Encoding
import Foundation
import Identity
import RDF
import Testing

/// The DID documents Voltpass serves name the DID v1 Recommendation's context (not the v1.1 draft)
/// and define every term they use: JSON-LD expansion in safe mode, with the bundled contexts only,
/// drops nothing (a term it would drop is an error).
@Suite struct DIDDocumentContextTests {
    static let did = "did:web:maker.example"

    @Test func servedDocumentsExpandWithoutDroppingATerm() throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        var records = try KeyRotation.rotate([], controller: Self.did, to: SoftwareSigner.generate(.ed25519), at: t0)
        records = try KeyRotation.rotate(records, controller: Self.did, to: SoftwareSigner.generate(.p256), at: t0 + 60)
        let document = try DIDWeb.document(
            did: Self.did, keys: records,
            services: [.cardanoPaymentAddress("addr_test1vqgn0kenrj4d9cpdtsww65qp7xdfu2x04j7vhzm34kfcmmgyuvwak")])
        #expect(document.json["@context"]?[0] == "https://www.w3.org/ns/did/v1")
        #expect(document.json["verificationMethod"]?[0]?["revoked"] != nil, "the retired key says so")
        let quads = try JSONLD(loader: BundledContexts()).toRDF(.object(document.json))
        let predicates = Set(quads.map(\.predicate))
        for term in [
            "https://w3id.org/security#publicKeyMultibase", "https://w3id.org/security#revoked",
            "https://www.w3.org/2018/credentials#validFrom", "https://www.w3.org/ns/did#serviceEndpoint",
            "https://w3id.org/security#assertionMethod",
        ] {
            #expect(predicates.contains(.iri(term)), "\(term) missing")
        }
        #expect(quads.contains { $0.object == .iri("https://voltpass.dev/ns/did#CardanoPaymentAddress") })
    }

    @Test func anUndefinedTermIsAnErrorNotASilentDrop() throws {
        var json = try DIDWeb.document(did: Self.did, keys: []).json
        json["colour"] = "blue"
        #expect(throws: JSONLDError.self) { try JSONLD(loader: BundledContexts()).toRDF(.object(json)) }
    }
}
