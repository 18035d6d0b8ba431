import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Testing

@Suite("HTTP credential, presentation and status routes (W3C VC API)")
struct CredentialRoutesTests {
    static func unsigned(id: String = "urn:uuid:\(UUID().uuidString.lowercased())") -> String {
        #"{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"\#(id)","type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:cell-7","stateOfHealth":98}}"#
    }

    /// The test instance's DID, which the credentials it issues must name as `issuer`.
    static let instanceDID = "did:web:localhost%3A8080"

    /// An unsigned credential for `POST /credentials/issue`: issued by the test instance.
    static func issuable(id: String = "urn:uuid:\(UUID().uuidString.lowercased())") -> String {
        #"{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"\#(id)","type":["VerifiableCredential"],"issuer":"\#(instanceDID)","credentialSubject":{"id":"did:example:cell-7","stateOfHealth":98}}"#
    }

    static func post(
        _ client: LoopbackClient, _ uri: String, _ body: String, token: String? = nil
    ) async throws -> LoopbackResponse {
        try await client.execute(uri: uri, method: .post, headers: token.map { .bearer($0) } ?? [:], body: ByteBuffer(string: body))
    }

    /// A token acting for the instance itself (its own credentials, status lists and EPCIS events).
    static func token(_ client: LoopbackClient, role: String, admin: String) async throws -> String {
        try await client.createToken(role: role, operators: ["instance"], admin: admin)
    }

    /// The `verifiableCredential` of an issue response, re-serialized for the next request.
    static func credential(_ response: LoopbackResponse) throws -> String {
        let object = try #require(try response.json["verifiableCredential"])
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// The codes of the error entries of a VC API verification result's `problemDetails`.
    static func codes(_ response: LoopbackResponse, severity: String = "error") throws -> [String] {
        (try response.json["problemDetails"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == severity }
            .compactMap { $0["code"] as? String }
    }

    @Test("an issued credential is stored, verifies, and fails with PROOF_VERIFICATION_ERROR once tampered")
    func issueAndVerify() async throws {
        try await withLiveServer { client, server, admin in
            let issuer = try await Self.token(client, role: "issuer", admin: admin)
            let issued = try await Self.post(client, "/credentials/issue", #"{"credential":\#(Self.issuable(id: "urn:uuid:c-1"))}"#, token: issuer)
            #expect(issued.status == .created)
            let credential = try Self.credential(issued)
            let parsed = try Credential(parsing: Array(credential.utf8))
            #expect(parsed.issuerID == Self.instanceDID)
            #expect(parsed.proofs.first?["cryptosuite"] == "eddsa-jcs-2022")
            let stored = try #require(try await server.store.credential(id: "urn:uuid:c-1"))
            #expect(try Credential(parsing: stored.document) == parsed)

            let verified = try await Self.post(client, "/credentials/verify", #"{"verifiableCredential":\#(credential)}"#)
            #expect(verified.status == .ok)
            #expect(try verified.json["verified"] as? Bool == true)
            #expect(try Self.codes(verified) == [])
            #expect(try Self.codes(verified, severity: "warning") == ["issuer_authority_unconfirmed"])

            let tampered = credential.replacingOccurrences(of: #""stateOfHealth":98"#, with: #""stateOfHealth":99"#)
            let rejected = try await Self.post(client, "/credentials/verify", #"{"verifiableCredential":\#(tampered)}"#)
            #expect(rejected.status == .ok, "the verification ran: 200 with verified false")
            #expect(rejected.headers[.contentType] == "application/json")
            #expect(try rejected.json["verified"] as? Bool == false)
            #expect(try Self.codes(rejected) == ["PROOF_VERIFICATION_ERROR"])
            let problem = try #require((try rejected.json["problemDetails"] as? [[String: Any]])?.first)
            #expect(problem["type"] as? String == "https://w3id.org/security#PROOF_VERIFICATION_ERROR")
            #expect(problem["title"] as? String == "PROOF_VERIFICATION_ERROR")
            #expect(problem["check"] as? String == "proof")
        }
    }

    @Test("a did:key credential issued elsewhere verifies over HTTP")
    func verifiesDIDKeyCredential() async throws {
        try await withLiveServer { client, _, _ in
            let issuer = try CredentialIssuer(didKeySigner: .generate(.p256))
            let credential = try await issuer.issue(try #require(try JSONValue(parsing: Array(Self.unsigned().utf8)).objectValue))
            let body = JSONValue.object(["verifiableCredential": .object(credential.json)]).serializedString()
            let response = try await Self.post(client, "/credentials/verify", body)
            #expect(response.status == .ok)
            #expect(try response.json["verified"] as? Bool == true)
        }
    }

    @Test("ecdsa-jcs-2019 needs a P-256 operator key: refused before, issued after rotation")
    func ecdsaAfterRotation() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await Self.token(client, role: "issuer", admin: admin)
            let body = #"{"credential":\#(Self.issuable()),"options":{"cryptosuite":"ecdsa-jcs-2019"}}"#
            let refused = try await Self.post(client, "/credentials/issue", body, token: issuer)
            #expect(refused.status == .badRequest)
            #expect(try refused.json["code"] as? String == "unsupported_cryptosuite")

            _ = try await Self.post(client, "/admin/keys/rotate", #"{"type":"p256"}"#, token: admin)
            let issued = try await Self.post(client, "/credentials/issue", body, token: issuer)
            #expect(issued.status == .created)
            let credential = try Self.credential(issued)
            #expect(credential.contains(#""cryptosuite":"ecdsa-jcs-2019""#))
            let verified = try await Self.post(client, "/credentials/verify", #"{"verifiableCredential":\#(credential)}"#)
            #expect(try verified.json["verified"] as? Bool == true)
        }
    }

    @Test("issuing needs the issuer role")
    func issueNeedsRole() async throws {
        try await withLiveServer { client, _, admin in
            let body = #"{"credential":\#(Self.issuable())}"#
            let anonymous = try await Self.post(client, "/credentials/issue", body)
            #expect(anonymous.status == .unauthorized)
            let reader = try await Self.token(client, role: "reader", admin: admin)
            let forbidden = try await Self.post(client, "/credentials/issue", body, token: reader)
            #expect(forbidden.status == .forbidden)
            #expect(try forbidden.json["code"] as? String == "forbidden")
        }
    }

    @Test("bad issue and verify requests get problem documents with their codes")
    func badRequests() async throws {
        try await withLiveServer { client, _, adminToken in
            let issuer = try await Self.token(client, role: "issuer", admin: adminToken)
            let cases: [(uri: String, body: String, status: HTTPResponse.Status, code: String)] = [
                ("/credentials/issue", "[]", .badRequest, "invalid_request"),
                ("/credentials/issue", "{}", .badRequest, "invalid_request"),
                ("/credentials/issue", #"{"credential":"text"}"#, .badRequest, "invalid_request"),
                ("/credentials/issue", #"{"credential":{},"options":[]}"#, .badRequest, "invalid_request"),
                ("/credentials/issue", #"{"credential":\#(Self.issuable()),"options":{"cryptosuite":"bbs-2023"}}"#, .badRequest,
                 "unsupported_cryptosuite"),
                ("/credentials/issue",
                 #"{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"\#(Self.instanceDID)"}}"#,
                 .badRequest, "missing_subject"),
                ("/credentials/issue", #"{"credential":\#(Self.unsigned())}"#, .badRequest, "missing_issuer"),
                ("/credentials/issue", #"{"credential":\#(Self.unsigned().replacingOccurrences(of: #""type""#, with: #""issuer":{"name":"Cell Co"},"type""#))}"#,
                 .badRequest, "missing_issuer"),
                // ecdsa-sd-2023 signs with P-256; this instance's key is Ed25519.
                ("/credentials/issue", #"{"credential":\#(Self.issuable()),"options":{"mandatoryPointers":["/issuer"]}}"#, .badRequest,
                 "unsupported_cryptosuite"),
                ("/credentials/issue", #"{"credential":\#(Self.issuable()),"options":{"mandatoryPointers":["/issuer"],"format":"vc+jwt"}}"#,
                 .badRequest, "invalid_request"),
                ("/credentials/derive", #"{"verifiableCredential":{},"options":{"selectivePointers":["/a"],"extra":1}}"#, .badRequest,
                 "unknown_option"),
                ("/credentials/issue", #"{"credential":\#(Self.issuable()),"options":{"proofPurpose":"authentication"}}"#, .badRequest,
                 "unknown_option"),
                ("/credentials/issue",
                 #"{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:other","credentialSubject":{"a":1}}}"#,
                 .badRequest, "issuer_key_mismatch"),
                ("/credentials/issue", #"{"credential":\#(Self.issuable()),"options":{"statusLists":["missing"]}}"#, .notFound,
                 "status_list_not_found"),
                ("/credentials/verify", "{}", .badRequest, "invalid_request"),
                ("/credentials/verify", #"{"verifiableCredential":[1]}"#, .badRequest, "invalid_request"),
                ("/credentials/verify", #"{"verifiableCredential":{"a":1,"a":2}}"#, .badRequest, "json_duplicate_key"),
                ("/presentations/verify", #"{"verifiablePresentation":{}}"#, .badRequest, "invalid_request"),
                ("/presentations/verify", #"{"verifiablePresentation":{},"options":{"challenge":7}}"#, .badRequest, "invalid_request"),
                ("/credentials/verify", #"{"verifiableCredential":{},"options":{"returnCredential":"yes"}}"#, .badRequest, "invalid_request"),
                ("/credentials/verify", #"{"verifiableCredential":{},"options":{"expectedIssuer":"did:example:a"}}"#, .badRequest,
                 "unknown_option"),
                ("/credentials/verify", #"{"verifiableCredential":{},"options":{"checks":["proof","schema"]}}"#, .badRequest, "unknown_option"),
                ("/presentations/verify", #"{"verifiablePresentation":{},"options":{"challenge":"c","checks":["proof"]}}"#, .badRequest,
                 "unknown_option"),
                ("/credentials/verify", #"{"verifiableCredential":{"type":["VerifiableCredential"]}}"#, .badRequest, "missing_context"),
                ("/presentations/verify", #"{"verifiablePresentation":{"type":["VerifiablePresentation"]},"options":{"challenge":"c"}}"#,
                 .badRequest, "missing_context"),
            ]
            for (uri, body, status, code) in cases {
                let response = try await Self.post(client, uri, body, token: issuer)
                #expect(response.status == status, "\(body)")
                #expect(try response.json["code"] as? String == code, "\(body)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            let body = #"{"credential":\#(Self.issuable(id: "urn:uuid:twice"))}"#
            #expect(try await Self.post(client, "/credentials/issue", body, token: issuer).status == .created)
            let again = try await Self.post(client, "/credentials/issue", body, token: issuer)
            #expect(again.status == .conflict)
            #expect(try again.json["code"] as? String == "credential_exists")
        }
    }

    @Test("revoke, suspend and reinstate through POST /credentials/status; lists are published at a stable URL")
    func status() async throws {
        try await withLiveServer { client, _, admin in
            let issuer = try await Self.token(client, role: "issuer", admin: admin)
            let revocation = try await Self.post(client, "/status-lists", #"{"statusPurpose":"revocation","id":"rev-1"}"#, token: issuer)
            #expect(revocation.status == .created)
            #expect(revocation.headers[.location] == "http://localhost:8080/status-lists/rev-1")
            #expect(try revocation.json["id"] as? String == "http://localhost:8080/status-lists/rev-1")
            let created = try await Self.post(client, "/status-lists", #"{"statusPurpose":"suspension","id":"sus-1"}"#, token: issuer)
            #expect(created.status == .created)

            let issued = try await Self.post(
                client, "/credentials/issue", #"{"credential":\#(Self.issuable(id: "urn:uuid:s-1")),"options":{"statusLists":["rev-1","sus-1"]}}"#,
                token: issuer)
            let credential = try Self.credential(issued)
            let verify = #"{"verifiableCredential":\#(credential)}"#
            #expect(try await Self.post(client, "/credentials/verify", verify).status == .ok)

            func update(_ purpose: String, _ status: Bool) async throws -> LoopbackResponse {
                try await Self.post(
                    client, "/credentials/status",
                    #"{"credentialId":"urn:uuid:s-1","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"\#(purpose)"},"status":\#(status)}"#,
                    token: issuer)
            }
            #expect(try await update("suspension", true).status == .ok)
            #expect(try Self.codes(try await Self.post(client, "/credentials/verify", verify)) == ["suspended"])
            #expect(try await update("suspension", false).status == .ok)
            #expect(try await Self.post(client, "/credentials/verify", verify).status == .ok)
            #expect(try await update("revocation", true).status == .ok)
            let revoked = try await Self.post(client, "/credentials/verify", verify)
            #expect(revoked.status == .ok)
            #expect(try revoked.json["verified"] as? Bool == false)
            #expect(try Self.codes(revoked) == ["revoked"])

            let reinstateRevocation = try await update("revocation", false)
            #expect(reinstateRevocation.status == .unprocessableContent)
            #expect(try reinstateRevocation.json["code"] as? String == "status_update_invalid")

            let published = try await client.execute(uri: "/status-lists/rev-1", method: .get)
            #expect(published.status == .ok)
            #expect(try published.json["type"] as? [String] == ["VerifiableCredential", "BitstringStatusListCredential"])
            let missing = try await client.execute(uri: "/status-lists/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.json["code"] as? String == "status_list_not_found")

            let unknown = try await Self.post(
                client, "/credentials/status",
                #"{"credentialId":"urn:uuid:never","credentialStatus":{"statusPurpose":"revocation"},"status":true}"#, token: issuer)
            #expect(unknown.status == .notFound)
            #expect(try unknown.json["code"] as? String == "credential_not_found")
            let duplicate = try await Self.post(client, "/status-lists", #"{"statusPurpose":"revocation","id":"rev-1"}"#, token: issuer)
            #expect(duplicate.status == .conflict)
            #expect(try duplicate.json["code"] as? String == "status_list_exists")
            let short = try await Self.post(client, "/status-lists", #"{"statusPurpose":"revocation","options":{"length":8}}"#, token: issuer)
            #expect(try short.json["code"] as? String == "status_list_length_error")
            let anonymous = try await Self.post(client, "/status-lists", #"{"statusPurpose":"revocation"}"#)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("a presentation answers a single-use challenge; a replay fails with INVALID_CHALLENGE_ERROR")
    func presentationReplay() async throws {
        try await withLiveServer { client, _, _ in
            let challengeResponse = try await client.execute(uri: "/challenges", method: .post)
            #expect(challengeResponse.status == .ok)
            let challenge = try #require(try challengeResponse.json["challenge"] as? String)

            let holder = SoftwareSigner.generate(.ed25519)
            let holderDID = DIDKey.did(for: holder.verificationKey)
            let credential = try await CredentialIssuer(didKeySigner: .generate(.ed25519))
                .issue(try #require(try JSONValue(parsing: Array(Self.unsigned().utf8)).objectValue))
            let presentation = try await DataIntegrity.sign(
                Presentation.unsecured(holder: holderDID, credentials: [credential]),
                options: ProofOptions(
                    cryptosuite: .eddsaJcs2022, verificationMethod: holderDID + "#" + holder.verificationKey.multikey,
                    proofPurpose: .authentication, created: Date(), domain: ["verifier.example"], challenge: challenge),
                signer: holder)
            func verify(challenge: String, domain: String) async throws -> LoopbackResponse {
                let body: JSONValue = [
                    "verifiablePresentation": .object(presentation),
                    "options": ["challenge": .string(challenge), "domain": .string(domain)],
                ]
                return try await Self.post(client, "/presentations/verify", body.serializedString())
            }
            let first = try await verify(challenge: challenge, domain: "verifier.example")
            #expect(first.status == .ok)
            #expect(try first.json["verified"] as? Bool == true)
            let replayed = try await verify(challenge: challenge, domain: "verifier.example")
            #expect(replayed.status == .ok)
            #expect(try replayed.json["verified"] as? Bool == false)
            #expect(try Self.codes(replayed) == ["INVALID_CHALLENGE_ERROR"])

            let fresh = try #require(try await client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
            let wrongDomain = try await verify(challenge: fresh, domain: "other.example")
            #expect(try Self.codes(wrongDomain).contains("INVALID_DOMAIN_ERROR"))
        }
    }
}
