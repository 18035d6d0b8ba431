import Credentials
import Encoding
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Testing

/// SD-JWT secured credentials over the VC API: `/credentials/issue` with `format: vc+sd-jwt` answers
/// an EnvelopedVerifiableCredential, `/credentials/verify` verifies it, and `/presentations/verify`
/// verifies a holder's presentation of some of its claims with a KB-JWT, once per challenge.
@Suite("HTTP SD-JWT credentials and presentations (vc+sd-jwt)")
struct SDJWTRoutesTests {
    typealias Routes = CredentialRoutesTests

    /// A credential issued by the test instance to `holder` (a did:key subject, so bound by `cnf`).
    static func issuable(id: String, holder: String) -> String {
        #"{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"\#(id)","type":["VerifiableCredential"],"issuer":"\#(Routes.instanceDID)","credentialSubject":{"id":"\#(holder)","stateOfHealth":98,"cycles":412,"chemistry":"LFP prismatic"}}"#
    }

    static func post(_ client: LoopbackClient, _ uri: String, _ body: JSONValue, token: String? = nil) async throws -> LoopbackResponse {
        try await Routes.post(client, uri, body.serializedString(), token: token)
    }

    static func body(_ response: LoopbackResponse) throws -> JSONValue {
        try JSONValue(parsing: response.body.readableBytesView)
    }

    @Test("issued as vc+sd-jwt, a credential is stored, verifies, and lists its disclosures; a tampered disclosure fails")
    func issueAndVerify() async throws {
        try await withLiveServer { client, server, admin in
            let issuer = try await Routes.token(client, role: "issuer", admin: admin)
            let holder = DIDKey.did(for: SoftwareSigner.generate(.p256).verificationKey)
            let request = #"{"credential":\#(Self.issuable(id: "urn:uuid:sd-1", holder: holder)),"options":{"format":"vc+sd-jwt","disclosable":["/credentialSubject/cycles","/credentialSubject/chemistry"]}}"#
            let issued = try await Routes.post(client, "/credentials/issue", request, token: issuer)
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            let enveloped = try #require(try Self.body(issued)["verifiableCredential"]?.objectValue)
            #expect(enveloped["type"] == "EnvelopedVerifiableCredential")
            let sdJWT = try SDJWTCredential(enveloped: enveloped)
            #expect(sdJWT.sdJWT.payload["credentialSubject"]?["stateOfHealth"] == 98, "not named disclosable, so in the clear")
            #expect(sdJWT.sdJWT.payload["credentialSubject"]?["cycles"] == nil)
            #expect(sdJWT.keyID?.hasPrefix(Routes.instanceDID + "#") == true)
            let stored = try #require(try await server.store.credential(id: "urn:uuid:sd-1"))
            #expect(stored.types == ["VerifiableCredential"] && stored.subject == holder)

            let options: JSONValue = ["returnResults": true, "returnCredential": true]
            let verified = try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(enveloped), "options": options])
            let result = try Self.body(verified)
            #expect(verified.status == .ok && result["verified"] == true, "\(String(buffer: verified.body))")
            #expect(result["credential"]?["credentialSubject"]?["cycles"] == 412)
            #expect(result["results"]?["proof"]?[0]?["input"]?["disclosed"] == ["/credentialSubject/chemistry", "/credentialSubject/cycles"])

            let original = sdJWT.sdJWT.disclosures[0]
            let forged = SDJWTDisclosure(salt: original.salt, claimName: original.claimName, value: 1)
            let tampered = try SDJWTCredential(compact: sdJWT.serialization.replacingOccurrences(of: original.encoded, with: forged.encoded))
            let rejected = try await Self.post(client, "/credentials/verify", ["verifiableCredential": .object(tampered.envelopedCredential)])
            #expect(rejected.status == .ok)
            #expect(try Self.body(rejected)["verified"] == false)
            #expect(try Routes.codes(rejected) == ["sd_jwt_disclosure_unreferenced"])
            #expect(try Self.body(rejected)["problemDetails"]?[0]?["type"] == "https://w3id.org/security#PROOF_VERIFICATION_ERROR")
        }
    }

    @Test("a holder's presentation of some claims verifies once per challenge; a wrong nonce or aud fails by its type")
    func presentation() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await Routes.token(client, role: "issuer", admin: admin)
            let holder = SoftwareSigner.generate(.ed25519)
            let request = #"{"credential":\#(Self.issuable(id: "urn:uuid:sd-2", holder: DIDKey.did(for: holder.verificationKey))),"options":{"format":"vc+sd-jwt"}}"#
            let issued = try await Routes.post(client, "/credentials/issue", request, token: issuer)
            let sdJWT = try SDJWTCredential(enveloped: try #require(try Self.body(issued)["verifiableCredential"]?.objectValue))

            func challenge() async throws -> String {
                try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            }
            func verify(_ presented: SDJWTCredential, challenge: String) async throws -> LoopbackResponse {
                let options: JSONValue = ["challenge": .string(challenge), "domain": "verifier.example", "returnPresentation": true]
                return try await Self.post(
                    client, "/presentations/verify", ["verifiablePresentation": .object(presented.envelopedPresentation), "options": options])
            }
            let issuedChallenge = try await challenge()
            let presented = try await sdJWT.present(
                disclosing: ["/credentialSubject/stateOfHealth"], challenge: issuedChallenge, domain: "verifier.example", signer: holder)
            let first = try await verify(presented, challenge: issuedChallenge)
            let result = try Self.body(first)
            #expect(first.status == .ok && result["verified"] == true, "\(String(buffer: first.body))")
            #expect(result["results"]?["presentation"]?["challenge"]?["verified"] == true)
            #expect(result["results"]?["presentation"]?["proof"]?[0]?["input"]?["payload"]?["nonce"] == .string(issuedChallenge))
            let disclosed = result["results"]?["credentials"]?[0]
            #expect(disclosed?["results"]?["proof"]?[0]?["input"]?["disclosed"] == ["/credentialSubject/stateOfHealth"])
            #expect(disclosed?["credential"]?["credentialSubject"]?["stateOfHealth"] == 98)
            #expect(disclosed?["credential"]?["credentialSubject"]?["chemistry"] == nil)
            #expect(!String(buffer: first.body).contains("LFP prismatic"), "an undisclosed claim reached the answer")

            let replayed = try Self.body(try await verify(presented, challenge: issuedChallenge))
            #expect(replayed["verified"] == false && replayed["results"]?["presentation"]?["challenge"]?["verified"] == false)
            #expect(replayed["problemDetails"]?[0]?["code"] == "INVALID_CHALLENGE_ERROR")

            // Made for another challenge or another verifier.
            let otherNonce = try await sdJWT.present(disclosing: [], challenge: "made-up", domain: "verifier.example", signer: holder)
            let wrongNonce = try Self.body(try await verify(otherNonce, challenge: try await challenge()))
            #expect(wrongNonce["problemDetails"]?[0]?["code"] == "sd_jwt_nonce_mismatch")
            #expect(wrongNonce["problemDetails"]?[0]?["type"] == "https://w3id.org/security#INVALID_CHALLENGE_ERROR")
            #expect(wrongNonce["results"]?["presentation"]?["challenge"]?["verified"] == false)
            let fresh = try await challenge()
            let otherAudience = try await sdJWT.present(disclosing: [], challenge: fresh, domain: "other.example", signer: holder)
            let wrongAudience = try Self.body(try await verify(otherAudience, challenge: fresh))
            #expect(wrongAudience["problemDetails"]?[0]?["type"] == "https://w3id.org/security#INVALID_DOMAIN_ERROR")
            #expect(wrongAudience["results"]?["presentation"]?["domain"]?["verified"] == false)
        }
    }

    @Test("garbled SD-JWTs and bad issue options are refused with 400 and their codes")
    func refusals() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await Routes.token(client, role: "issuer", admin: admin)
            let holder = DIDKey.did(for: SoftwareSigner.generate(.ed25519).verificationKey)
            for (options, code) in [
                (#"{"format":"vc+sd-jwt","disclosable":["/credentialSubject/id"]}"#, "sd_jwt_claim_not_disclosable"),
                (#"{"format":"vc+sd-jwt","disclosable":["/credentialSubject/serial"]}"#, "sd_jwt_pointer_invalid"),
                (#"{"format":"vc+jwt","disclosable":["/credentialSubject/cycles"]}"#, "invalid_request"),
                (#"{"format":"vc+sd-jwt","selectivelyDisclosable":[]}"#, "unknown_option"),
            ] {
                let credential = Self.issuable(id: "urn:uuid:\(UUID())", holder: holder)
                let body = #"{"credential":\#(credential),"options":\#(options)}"#
                let refused = try await Routes.post(client, "/credentials/issue", body, token: issuer)
                #expect(refused.status == .badRequest, "\(options)")
                #expect(try refused.json["code"] as? String == code, "\(options): \(String(buffer: refused.body))")
            }
            for (id, code) in [("data:application/vc+sd-jwt,garbage", "sd_jwt_malformed"), ("data:application/vc+sd-jwt,a.b~", "jose_malformed")] {
                let credential: JSONValue = ["@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": .string(id)]
                let refused = try await Self.post(client, "/credentials/verify", ["verifiableCredential": credential])
                #expect(refused.status == .badRequest, "\(id)")
                #expect(try refused.json["code"] as? String == code, "\(id)")
                let presentation: JSONValue = ["type": "EnvelopedVerifiablePresentation", "id": .string(id)]
                let refusedPresentation = try await Self.post(
                    client, "/presentations/verify", ["verifiablePresentation": presentation, "options": ["challenge": "c"]])
                #expect(refusedPresentation.status == .badRequest, "\(id)")
                #expect(try refusedPresentation.json["code"] as? String == code, "\(id)")
            }
        }
    }
}
