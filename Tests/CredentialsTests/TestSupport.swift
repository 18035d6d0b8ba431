import Encoding
import Foundation
import Identity

@testable import Credentials

/// A DID resolver over fixed documents: the real `DIDResolver` protocol serving documents built in
/// the test (e.g. a did:web document with a rotated key), with did:key resolved as usual.
struct FixedDIDResolver: DIDResolver {
    let documents: [String: DIDDocument]

    func resolve(_ did: String) async throws -> DIDDocument {
        let url = try DIDURL(did)
        if url.method == "key" { return try await DIDKeyResolver().resolve(url.did) }
        guard let document = documents[url.did] else {
            throw IdentityError(.notFound, "no document for \(url.did)")
        }
        return document
    }
}

/// A fixed clock.
func at(_ text: String) -> @Sendable () -> Date {
    let date = XSDDateTime.parse(text)!
    return { date }
}

/// An issuer with a did:key Ed25519 key.
struct TestIssuer {
    let signer = SoftwareSigner.generate(.ed25519)
    var did: String { DIDKey.did(for: signer.verificationKey) }
    var method: String { did + "#" + signer.verificationKey.multikey }

    func credential(id: String = "urn:uuid:\(UUID().uuidString.lowercased())", extra: JSONObject = [:]) -> JSONObject {
        var credential: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": .string(id),
            "type": ["VerifiableCredential"],
            "issuer": .string(did),
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": ["id": "did:example:cell-1", "capacityAh": 52.3],
        ]
        for (key, value) in extra { credential[key] = value }
        return credential
    }

    func issue(_ document: JSONObject, created: String = "2025-06-01T12:00:00Z") async throws -> Credential {
        Credential(
            try await DataIntegrity.sign(
                document,
                options: ProofOptions(cryptosuite: .eddsaJcs2022, verificationMethod: method, created: XSDDateTime.parse(created)),
                signer: signer))
    }
}
