import Credentials
import Encoding
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Testing

/// VC-JOSE-COSE over HTTP: `/credentials/issue` with `format` answers an EnvelopedVerifiableCredential,
/// `/credentials/verify` opens one, and `/presentations/verify` verifies the enveloped credentials inside.
@Suite("HTTP enveloped credentials (VC-JOSE-COSE)")
struct EnvelopedCredentialRoutesTests {
    typealias Routes = CredentialRoutesTests

    @Test("issued as vc+jwt and vc+cose, an enveloped credential is stored and verifies; tampered, it fails")
    func issueAndVerify() async throws {
        try await withLiveServer { client, server, admin in
            let issuer = try await Routes.token(client, role: "issuer", admin: admin)
            for (format, code) in [("vc+jwt", "jose_invalid_signature"), ("vc+cose", "cose_signature_invalid")] {
                let id = "urn:uuid:enveloped-\(format.dropFirst(3))"
                let body = #"{"credential":\#(Routes.issuable(id: id)),"options":{"format":"\#(format)"}}"#
                let issued = try await Routes.post(client, "/credentials/issue", body, token: issuer)
                #expect(issued.status == .created)
                let object = try #require(try issued.json["verifiableCredential"] as? [String: Any])
                #expect(object["type"] as? String == "EnvelopedVerifiableCredential")
                let dataURL = try #require(object["id"] as? String)
                #expect(dataURL.hasPrefix("data:application/\(format)"))
                let envelope = try Envelope(dataURL: dataURL)
                #expect(envelope.document["issuer"] == .string(Routes.instanceDID))
                let stored = try #require(try await server.store.credential(id: id))
                #expect(stored.types == ["VerifiableCredential"])

                let credential = try Routes.credential(issued)
                let verified = try await Routes.post(client, "/credentials/verify", #"{"verifiableCredential":\#(credential)}"#)
                #expect(verified.status == .ok)
                #expect(try verified.json["verified"] as? Bool == true, "\(String(buffer: verified.body))")

                // Another key's signature under the instance's kid.
                let forged = try await Envelope.sign(
                    envelope.document, as: envelope.mediaType, verificationMethod: try #require(envelope.keyID),
                    signer: SoftwareSigner.generate(.ed25519))
                let rejected = try await Routes.post(
                    client, "/credentials/verify", JSONValue.object(["verifiableCredential": .object(forged.enveloped)]).serializedString())
                #expect(rejected.status == .ok)
                #expect(try rejected.json["verified"] as? Bool == false)
                #expect(try Routes.codes(rejected) == [code])
            }
        }
    }

    @Test("unreadable enveloped credentials and bad formats are refused with their codes")
    func refusals() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await Routes.token(client, role: "issuer", admin: admin)
            for (options, code) in [(#"{"format":"vp+jwt"}"#, "unsupported_format"), (#"{"format":"vc+jwt","cryptosuite":"eddsa-jcs-2022"}"#, "unsupported_format")] {
                let refused = try await Routes.post(client, "/credentials/issue", #"{"credential":\#(Routes.issuable()),"options":\#(options)}"#, token: issuer)
                #expect(refused.status == .badRequest)
                #expect(try refused.json["code"] as? String == code)
            }
            for (id, code) in [
                ("data:application/vc+jwt,garbage", "jose_malformed"), ("data:text/plain,hello", "envelope_unsupported_media_type"),
                ("https://example.com/vc", "envelope_malformed"),
            ] {
                let body = #"{"verifiableCredential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"EnvelopedVerifiableCredential","id":"\#(id)"}}"#
                let refused = try await Routes.post(client, "/credentials/verify", body)
                #expect(refused.status == .badRequest)
                #expect(try refused.json["code"] as? String == code)
            }
        }
    }

    @Test("a presentation carrying enveloped credentials verifies over HTTP")
    func presentation() async throws {
        try await withLiveServer { client, _, _ in
            let challenge = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let holder = SoftwareSigner.generate(.ed25519)
            let holderDID = DIDKey.did(for: holder.verificationKey)
            let unsigned = try #require(try JSONValue(parsing: Array(Routes.unsigned().utf8)).objectValue)
            let issuer = try CredentialIssuer(didKeySigner: .generate(.p384))
            let jose = try await issuer.envelop(unsigned, as: .vcJWT)
            let cose = try await issuer.envelop(unsigned, as: .vcCOSE)
            var unsecured = Presentation.unsecured(holder: holderDID, credentials: [])
            unsecured["verifiableCredential"] = [.object(jose.enveloped), .object(cose.enveloped)]
            let presentation = try await DataIntegrity.sign(
                unsecured,
                options: ProofOptions(
                    cryptosuite: .eddsaJcs2022, verificationMethod: holderDID + "#" + holder.verificationKey.multikey,
                    proofPurpose: .authentication, created: Date(), challenge: challenge),
                signer: holder)
            let body: JSONValue = ["verifiablePresentation": .object(presentation), "options": ["challenge": .string(challenge)]]
            let response = try await Routes.post(client, "/presentations/verify", body.serializedString())
            #expect(response.status == .ok)
            #expect(try response.json["verified"] as? Bool == true, "\(String(buffer: response.body))")
            let results = try #require(try response.json["results"] as? [String: Any])
            #expect((results["credentials"] as? [[String: Any]])?.compactMap { $0["verified"] as? Bool } == [true, true])
        }
    }

    @Test("a presentation enveloped as vp+jwt or vp+cose verifies over HTTP once per challenge; a garbled one is refused with 400")
    func envelopedPresentation() async throws {
        try await withLiveServer { client, _, _ in
            let holder = SoftwareSigner.generate(.p256)
            let holderDID = DIDKey.did(for: holder.verificationKey)
            let unsigned = try #require(try JSONValue(parsing: Array(Routes.unsigned().utf8)).objectValue)
            let credential = try await CredentialIssuer(didKeySigner: .generate(.ed25519)).envelop(unsigned, as: .vcJWT)
            var unsecured = Presentation.unsecured(holder: holderDID, credentials: [])
            unsecured["verifiableCredential"] = [.object(credential.enveloped)]
            for mediaType in [EnvelopeMediaType.vpJWT, .vpCOSE] {
                let challenge = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
                let envelope = try await Envelope.present(
                    unsecured, as: mediaType, challenge: challenge, domain: "verifier.example", issuedAt: Date(),
                    verificationMethod: holderDID + "#" + holder.verificationKey.multikey, signer: holder)
                let body: JSONValue = [
                    "verifiablePresentation": .object(envelope.enveloped), "options": ["challenge": .string(challenge), "domain": "verifier.example"],
                ]
                let response = try await Routes.post(client, "/presentations/verify", body.serializedString())
                #expect(response.status == .ok)
                #expect(try response.json["verified"] as? Bool == true, "\(String(buffer: response.body))")
                let replayed = try await Routes.post(client, "/presentations/verify", body.serializedString())
                #expect(try replayed.json["verified"] as? Bool == false)
            }
            let garbled = #"{"verifiablePresentation":{"type":"EnvelopedVerifiablePresentation","id":"data:application/vp+jwt,garbage"},"options":{"challenge":"c"}}"#
            let refused = try await Routes.post(client, "/presentations/verify", garbled)
            #expect(refused.status == .badRequest)
            #expect(try refused.json["code"] as? String == "jose_malformed")
        }
    }
}
